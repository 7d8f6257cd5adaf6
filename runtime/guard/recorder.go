package guard

import (
	"bytes"
	"net/http"
)

// recorder captures the status and size of the answer the client got, and
// for a login the first maxBody bytes of it, where the issued token is
// (for a GraphQL request the first gqlMaxBody bytes, where each field's
// outcome is). It
// unwraps for http.ResponseController so flushing and upgrades still work
// through the proxy.
type recorder struct {
	http.ResponseWriter
	status  int
	bytes   int64
	capture bool
	// limit bounds the capture; zero means maxBody.
	limit int
	body  bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.capture {
		limit := r.limit
		if limit == 0 {
			limit = maxBody
		}
		if r.body.Len() < limit {
			r.body.Write(p[:min(len(p), limit-r.body.Len())])
		}
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// statusCode is the status the client got; a handler that wrote nothing
// answered 200.
func (r *recorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
