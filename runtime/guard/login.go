package guard

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/abusegate/abusegate/scenarios"
)

// maxBody bounds how much of a login request or response the guard reads
// to find the username or token; larger bodies pass through unparsed.
const maxBody = 64 << 10

// usernameField is the login body field that carries the username: the
// parameter the spec tags as such, else "username".
func usernameField(op *scenarios.Operation) string {
	for _, p := range op.Params {
		if p.Role == scenarios.ParamUsername && p.In == scenarios.InBody {
			return p.Name
		}
	}
	return "username"
}

// loginUsername reads the username from a JSON login body and restores the
// body for the upstream, "" when the body is not a small JSON object
// carrying it as a string.
func loginUsername(r *http.Request, field string) string {
	buf, ok := peek(&r.Body)
	if !ok {
		return ""
	}
	return jsonString(buf, field)
}

// issuedToken reads the token a login response issued, from "token" or
// "access_token", and restores the body for the client.
func issuedToken(resp *http.Response) string {
	buf, ok := peek(&resp.Body)
	if !ok {
		return ""
	}
	if tok := jsonString(buf, "token"); tok != "" {
		return tok
	}
	return jsonString(buf, "access_token")
}

// peek reads up to maxBody bytes of *body and replaces *body with a reader
// that yields the same bytes, then the rest. It reports false when there
// is no body, reading failed, or the body is larger than maxBody.
func peek(body *io.ReadCloser) ([]byte, bool) {
	if *body == nil || *body == http.NoBody {
		return nil, false
	}
	orig := *body
	buf, err := io.ReadAll(io.LimitReader(orig, maxBody+1))
	*body = readCloser{Reader: io.MultiReader(bytes.NewReader(buf), orig), Closer: orig}
	if err != nil || len(buf) > maxBody {
		return nil, false
	}
	return buf, true
}

type readCloser struct {
	io.Reader
	io.Closer
}

// jsonString returns the string value of a top-level field of a JSON
// object, "" when absent or not a string.
func jsonString(buf []byte, field string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(buf, &obj) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(obj[field], &s) != nil {
		return ""
	}
	return s
}
