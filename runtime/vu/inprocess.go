package vu

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// inproc is scratch for requests served in process (Runner.Handler): the
// request, its header and the response writer are reused from request to
// request, so a simulated request costs the handler's work and little
// else. It is used by one request at a time: a VU's own (its
// wireRequest's) on the wall clock, shared by the engine's VUs on the
// simulated clock (engine.scratch).
type inproc struct {
	req *http.Request
	url url.URL
	hdr http.Header
	// names are the last request's header names as sent (a VU sends the
	// same names, the same strings from its identity's lines, request
	// after request) and canon their canonical forms; slot[i] is where
	// the i-th line's value sits in vals.
	names, canon []string
	slot         []int
	vals         []string
	// keys are hdr's keys, each with its span of vals, in the order of
	// their first line.
	keys []hkey
	// intact: hdr holds exactly keys, each with its span of vals, as
	// they were set (the handler changed nothing but values), so the
	// next request with the same names only writes its values.
	intact bool
	// memo is the fieldMemo hdr was last set from, at layout memoGen,
	// and shape its lineShape.
	memo    *fieldMemo
	memoGen uint64
	shape   *lineShape
	body    bytes.Reader
	rw      responseWriter
}

// hkey is a request header key and its values, vals[at : at+n].
type hkey struct {
	k     string
	at, n int
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
	s := e.scratch(w)
	ex.Addr = id.addr
	r := s.req
	if err := s.setURL(w.target, w.plain); err != nil {
		return h1Response{}, err
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
	// The handler writes the answer straight into the VU's own header
	// map and body buffer: the Program reads them until its next Next
	// returns (scenarios.Result), so they are reused from its last answer.
	a := w.answer
	rw := &s.rw
	rw.header = a.reset()
	rw.code, rw.buf, rw.over, rw.limit = 0, a.body[:0], false, e.r.ReadLimit
	s.intact = false // until checked: a handler that panics leaves it so
	e.r.Handler.ServeHTTP(rw, r)
	s.intact = s.untouched()
	ex.FirstByte = e.now()
	if rw.code == 0 {
		rw.code = http.StatusOK
	}
	body, header := rw.buf, rw.header
	rw.buf, rw.header = nil, nil // the VU's, not the scratch's
	a.keep(body)
	if body == nil {
		body = []byte{} // as a copy of nothing was: empty, not nil
	}
	return h1Response{status: rw.code, header: header, body: body, truncated: rw.over}, nil
}

// maxReusedBody bounds the body buffer a VU keeps for its next answer:
// a rare large answer is not held from one request to the next.
const maxReusedBody = 16 << 10

// answerBuf is a VU's header map and body buffer for the answers a
// Runner's Handler gives it, reused from request to request.
type answerBuf struct {
	header http.Header
	body   []byte
}

// reset empties the header map for the next answer, made on first use.
func (a *answerBuf) reset() http.Header {
	if a.header == nil {
		a.header = make(http.Header, 4)
	} else {
		clear(a.header)
	}
	return a.header
}

// keep takes body, the last answer's, as the buffer for the next one
// unless it grew past maxReusedBody.
func (a *answerBuf) keep(body []byte) {
	a.body = nil
	if cap(body) <= maxReusedBody {
		a.body = body
	}
}

// drop lets the last answer go: the VU holds no body and no header
// value, only the empty map.
func (a *answerBuf) drop() {
	a.body = nil
	clear(a.header)
}

func newInproc(ctx context.Context) *inproc {
	s := &inproc{hdr: http.Header{}}
	s.req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "/", nil) // a constant, valid request
	return s
}

// sharedScratch is how many inprocs an engine on the simulated clock
// shares among its VUs: a few kinds of request (devices, Program
// headers) take turns.
const sharedScratch = 8

// scratch is the inproc to serve w with, its header set to w's lines. On
// the simulated clock one request is served at a time, so the VUs share
// a few (hot in the cache, where a VU's own would be cold by its next
// request): the one whose header has w's names, else the least recently
// used one, its header made anew. On the wall clock a VU has its own.
func (e *engine) scratch(w *wireRequest) *inproc {
	if e.virtual == nil {
		if w.inproc == nil {
			w.inproc = newInproc(e.reqCtx)
		}
		if !w.inproc.fill(w) {
			w.inproc.build(w)
		}
		return w.inproc
	}
	sh := e.shared
	for i, s := range sh {
		if s.fill(w) {
			copy(sh[1:i+1], sh[:i])
			sh[0] = s
			return s
		}
	}
	var s *inproc
	if len(sh) < sharedScratch {
		s = newInproc(e.reqCtx)
		sh = append(sh, nil)
		e.shared = sh
	} else {
		s = sh[len(sh)-1]
	}
	copy(sh[1:], sh[:len(sh)-1])
	sh[0] = s
	s.build(w)
	return s
}

// fill sets the header to w's lines if it has their names, as build left
// it (intact): the values live in vals, where the map's slices point, so
// no map operation is needed. It reports whether the names fit; when
// they do not, some values may have been written, which the next fill
// that fits or build overwrites. Lines from the fieldMemo the header was
// last set from, with the same layout, or from one of the same shape,
// have its names: only the values are written.
func (s *inproc) fill(w *wireRequest) bool {
	fs := w.fields
	if !s.intact || len(fs) != len(s.names) {
		return false
	}
	slot, vals := s.slot[:len(fs)], s.vals
	if m := w.memo; m != nil && (m.shape != nil && s.shape == m.shape || s.memo == m && s.memoGen == m.gen) {
		for i, f := range fs {
			vals[slot[i]] = f.v
		}
		return true
	}
	names := s.names[:len(fs)]
	for i, f := range fs {
		if names[i] != f.k {
			return false
		}
		vals[slot[i]] = f.v
	}
	s.from(w)
	return true
}

// from records the fieldMemo, if any, whose lines the header was set
// from, and its shape.
func (s *inproc) from(w *wireRequest) {
	s.memo, s.memoGen, s.shape = w.memo, 0, nil
	if w.memo != nil {
		s.memoGen, s.shape = w.memo.gen, w.memo.shape
	}
}

// build makes hdr anew from w's lines: each key's values, in line order,
// are one span of vals.
func (s *inproc) build(w *wireRequest) {
	fs := w.fields
	s.from(w)
	clear(s.hdr)
	s.keys = s.keys[:0]
	s.slot = s.slot[:0]
	for i, f := range fs {
		c := s.canonical(i, f.k)
		j := slices.IndexFunc(s.keys, func(k hkey) bool { return k.k == c })
		if j < 0 {
			j = len(s.keys)
			s.keys = append(s.keys, hkey{k: c})
		}
		s.keys[j].n++
		s.slot = append(s.slot, j)
	}
	s.names, s.canon = s.names[:len(fs)], s.canon[:len(fs)]
	at := 0
	for j := range s.keys {
		s.keys[j].at, at = at, at+s.keys[j].n
		s.keys[j].n = 0
	}
	s.vals = slices.Grow(s.vals[:0], at)[:at]
	for i, f := range fs {
		k := &s.keys[s.slot[i]]
		s.slot[i] = k.at + k.n
		k.n++
		s.vals[s.slot[i]] = f.v
	}
	for _, k := range s.keys {
		s.hdr[k.k] = s.vals[k.at : k.at+k.n : k.at+k.n]
	}
}

// untouched reports whether hdr still holds exactly what build put
// there: the same keys, each with its own span of vals (a handler may
// have written values in place; the next request writes them all).
func (s *inproc) untouched() bool {
	if len(s.hdr) != len(s.keys) {
		return false
	}
	for _, k := range s.keys {
		vs, ok := s.hdr[k.k]
		if !ok || len(vs) != k.n || cap(vs) != k.n || &vs[0] != &s.vals[k.at] {
			return false
		}
	}
	return true
}

// canonical is http.CanonicalHeaderKey(k) for the i-th header line,
// worked out again only when the line's name changed; it records k as
// the i-th name.
func (s *inproc) canonical(i int, k string) string {
	if i < len(s.names) && s.names[i] == k {
		return s.canon[i]
	}
	c := http.CanonicalHeaderKey(k)
	if i < len(s.names) {
		s.names[i], s.canon[i] = k, c
	} else {
		s.names, s.canon = append(s.names, k), append(s.canon, c)
	}
	return c
}

// setURL is the server's view of target: path and query, no scheme or
// host (those are r.Host's).
func (s *inproc) setURL(target string, plain bool) error {
	if plain || plainPath(target) {
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
