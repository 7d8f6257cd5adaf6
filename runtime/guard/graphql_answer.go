package guard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// gqlAnswer is one GraphQL response: each response key's data, and the
// errors with the path they belong to.
type gqlAnswer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []gqlAnswerError           `json:"errors"`
}

type gqlAnswerError struct {
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// decodeAnswers reads a GraphQL response body: one answer, or an array
// of them for a batch. ok is false when the body is not one.
func decodeAnswers(body []byte, batch bool) ([]gqlAnswer, bool) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, false
	}
	if batch {
		var out []gqlAnswer
		return out, trimmed[0] == '[' && json.Unmarshal(trimmed, &out) == nil
	}
	var a gqlAnswer
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &a) != nil {
		return nil, false
	}
	return []gqlAnswer{a}, true
}

// fieldStatuses gives each field of q the status a REST call of its
// operation would have had, read from the answer: GraphQL answers 200 for
// a wrong password or a missing object, with the field null and an error
// whose path starts at its response key. A non-2xx answer, or one the
// guard could not read (too large, compressed, not GraphQL), leaves every
// field with the HTTP status.
func fieldStatuses(q *gqlRequest, body []byte, status int) ([]int, []gqlAnswer) {
	out := make([]int, len(q.fields))
	for i := range out {
		out[i] = status
	}
	if status < 200 || status >= 300 {
		return out, nil
	}
	if !q.hasLogin() && !bytes.Contains(body, []byte("null")) && !bytes.Contains(body, []byte(`"errors"`)) {
		return out, nil // every field answered, none failed: nothing to decode
	}
	answers, ok := decodeAnswers(body, q.batch)
	if !ok {
		return out, nil
	}
	for i, f := range q.fields {
		if f.elem < len(answers) {
			out[i] = answers[f.elem].status(f, status)
		}
	}
	return out, answers
}

// status is one field's outcome: its data non-null is a success; null
// (or absent) with an error on its path fails with the error's status;
// a document-level error (no data at all) is a bad request; null with no
// error is a missing object for an object read, else a success.
func (a *gqlAnswer) status(f gqlField, ok int) int {
	raw, present := a.Data[f.alias]
	if present && !isNull(raw) {
		return ok
	}
	for _, e := range a.Errors {
		if len(e.Path) > 0 && e.Path[0] == f.alias {
			return errorStatus(e, f.op)
		}
	}
	switch {
	case !present && len(a.Errors) > 0:
		return http.StatusBadRequest
	case f.op.Has(scenarios.RoleObjectRead) || f.objectID != "":
		return http.StatusNotFound
	}
	return ok
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// errorStatus is the HTTP status an error stands for: its extensions'
// status (as the demo shop and many gateways write it), else its code,
// else what a failure of the operation usually means.
func errorStatus(e gqlAnswerError, op *scenarios.Operation) int {
	if s, ok := e.Extensions["status"].(float64); ok && s >= 400 && s < 600 {
		return int(s)
	}
	code, _ := e.Extensions["code"].(string)
	switch strings.ToUpper(code) {
	case "UNAUTHENTICATED", "UNAUTHORIZED", "INVALID_CREDENTIALS":
		return http.StatusUnauthorized
	case "FORBIDDEN":
		return http.StatusForbidden
	case "NOT_FOUND":
		return http.StatusNotFound
	case "RATE_LIMITED", "THROTTLED", "TOO_MANY_REQUESTS":
		return http.StatusTooManyRequests
	case "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED":
		return http.StatusBadRequest
	}
	switch {
	case op.Has(scenarios.RoleLogin):
		return http.StatusUnauthorized
	case op.Has(scenarios.RoleObjectRead):
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// tokenNames are the payload fields a login's token is found in, when
// the Surface lists the operation's response fields.
var tokenNames = []string{"token", "accesstoken", "access_token", "jwt", "idtoken", "id_token", "sessiontoken"}

// tokenPath is the dotted path of a login payload's token field among the
// operation's response fields, "token" when none is named like one.
func tokenPath(op *scenarios.Operation) string {
	for _, want := range tokenNames {
		for _, f := range op.ResponseFields {
			if strings.Contains(f, "[") {
				continue
			}
			last := strings.ToLower(f[strings.LastIndexByte(f, '.')+1:])
			if last == want {
				return f
			}
		}
	}
	return "token"
}

// learnGraphQL ties the token each successful login field issued to the
// username it tried.
func (g *Guard) learnGraphQL(q *gqlRequest, answers []gqlAnswer, statuses []int) {
	for i, f := range q.fields {
		if f.username == "" || !f.op.Has(scenarios.RoleLogin) || statuses[i] < 200 || statuses[i] >= 300 {
			continue
		}
		if f.elem >= len(answers) {
			continue
		}
		var payload any
		if json.Unmarshal(answers[f.elem].Data[f.alias], &payload) != nil {
			continue
		}
		if tok, _ := dig(payload, tokenPath(f.op)).(string); tok != "" {
			g.learnToken(scenarios.TokenID(tok), f.username)
		}
	}
}
