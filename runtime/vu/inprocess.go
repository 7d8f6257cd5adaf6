package vu

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// inproc is a VU's scratch for requests served in process (Runner.Handler):
// the request, its header and the response writer are reused from request
// to request, so a simulated request costs the handler's work and little
// else. It belongs to the VU's wireRequest: only the VU's holder uses it,
// and the response header it hands the Program stays valid until the VU's
// next request.
type inproc struct {
	req  *http.Request
	url  url.URL
	hdr  http.Header
	vals []string
	// keys are the last request's header names as sent, canon their
	// canonical forms: a VU sends the same names (the same strings, from
	// its identity's lines) request after request.
	keys, canon []string
	body        bytes.Reader
	rw          responseWriter
}

// responseWriter is a minimal http.ResponseWriter over reused buffers.
type responseWriter struct {
	header http.Header
	code   int
	buf    []byte
	limit  int64
	// over: the handler wrote past the read limit; the rest is dropped as
	// the network client would not read it.
	over bool
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if room := w.limit - int64(len(w.buf)); int64(len(p)) > room {
		w.over = true
		p = p[:max(0, room)]
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// WriteString lets io.WriteString and fmt skip a conversion.
func (w *responseWriter) WriteString(s string) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if room := w.limit - int64(len(w.buf)); int64(len(s)) > room {
		w.over = true
		s = s[:max(0, room)]
	}
	w.buf = append(w.buf, s...)
	return len(s), nil
}

// Flush implements http.Flusher: nothing is buffered elsewhere.
func (w *responseWriter) Flush() {}

// serve hands w to the Runner's Handler as a server-side request from the
// identity's source address and returns its answer: no client, no
// connection, no goroutine.
func (e *engine) serve(id *identityState, w *wireRequest, ex *scenarios.Exchange) (h1Response, error) {
	s := w.inproc
	if s == nil {
		s = newInproc(e.reqCtx)
		w.inproc = s
	}
	ex.Addr = id.addr
	r := s.req
	if err := s.setURL(w.target); err != nil {
		return h1Response{}, err
	}
	s.resetHeader()
	for i, f := range w.fields {
		k := s.canonical(i, f.k)
		if vs, ok := s.hdr[k]; ok {
			s.hdr[k] = append(vs, f.v)
			continue
		}
		s.vals = append(s.vals, f.v)
		n := len(s.vals)
		s.hdr[k] = s.vals[n-1 : n : n]
	}
	r.Method, r.URL, r.Header, r.Host = w.method, &s.url, s.hdr, w.host
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.RemoteAddr, r.RequestURI = id.remote, w.target
	r.Form, r.PostForm, r.MultipartForm, r.Trailer, r.TLS, r.Response = nil, nil, nil, nil, nil, nil
	r.Close, r.Pattern, r.TransferEncoding = false, "", nil
	r.ContentLength = int64(len(w.body))
	r.Body = http.NoBody
	if len(w.body) > 0 {
		s.body.Reset(w.body)
		r.Body = readCloser{&s.body}
	}
	rw := &s.rw
	rw.header = make(http.Header, 4) // the Program's to keep
	rw.code, rw.buf, rw.over, rw.limit = 0, rw.buf[:0], false, e.r.ReadLimit
	e.r.Handler.ServeHTTP(rw, r)
	ex.FirstByte = e.clock.Now()
	if rw.code == 0 {
		rw.code = http.StatusOK
	}
	// The body is the Program's (and a capture's) to keep.
	body := make([]byte, len(rw.buf))
	copy(body, rw.buf)
	return h1Response{status: rw.code, header: rw.header, body: body, truncated: rw.over}, nil
}

func newInproc(ctx context.Context) *inproc {
	s := &inproc{hdr: http.Header{}}
	s.req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "/", nil) // a constant, valid request
	return s
}

// canonical is http.CanonicalHeaderKey(k) for the i-th header line,
// worked out again only when the line's name changed.
func (s *inproc) canonical(i int, k string) string {
	if i < len(s.keys) && s.keys[i] == k {
		return s.canon[i]
	}
	c := http.CanonicalHeaderKey(k)
	if i < len(s.keys) {
		s.keys[i], s.canon[i] = k, c
	} else {
		s.keys, s.canon = append(s.keys, k), append(s.canon, c)
	}
	return c
}

// resetHeader empties the request header for reuse (clearing the map is
// cheaper than deleting its keys or making a new one).
func (s *inproc) resetHeader() {
	clear(s.hdr)
	s.vals = s.vals[:0]
}

// setURL is the server's view of target: path and query, no scheme or
// host (those are r.Host's).
func (s *inproc) setURL(target string) error {
	if plainPath(target) {
		s.url = url.URL{}
		s.url.Path, s.url.RawQuery, _ = strings.Cut(target, "?")
		return nil
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return err
	}
	s.url = *u
	return nil
}

// readCloser is a reused request body.
type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
