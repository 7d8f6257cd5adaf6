package vu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// send sends v's pending request as its current identity, records the
// exchange and fills in res, the result the Program sees next.
func (e *engine) send(v *vuState, res *scenarios.Result) {
	x := v.x
	e.identify(v, false)
	req := v.step.Request
	ex, w := e.scratchOf(v)
	*ex = scenarios.Exchange{
		Scenario:      x.w.Scenario,
		VU:            v.g,
		Iteration:     v.iter - 1,
		Actor:         x.w.Actor,
		CorrelationID: v.correlationID(),
		Method:        req.Method,
		Route:         req.Route,
		Path:          req.Path,
		Abusive:       req.Abusive,
	}
	id := v.id
	if id != nil {
		if id.cred.Kind != 0 {
			ex.Identity = id.cred.Name()
			ex.Session = id.sessionName(ex.Identity, v.g)
			req = id.cred.apply(req, x.w.Identities)
		}
		if id.device != nil {
			ex.Fingerprint = id.device.Name
		}
	}
	if sr, ok := v.prog.(scenarios.SessionReporter); ok {
		s := sr.Session()
		ex.Session, ex.Identity, ex.TokenID = s.ID, s.Identity, s.TokenID
	}
	e.do(v, req, id, ex, w, res)
	x.stats.count(ex.Outcome)
	e.rec.record(ex) // a Sink may change *ex: nothing reads it after
	if id != nil {
		id.uses++
	}
}

// scratchOf is where v's exchange and request are made: v's own on the
// wall clock, where VUs send at once; on the simulated clock, where one
// request is sent at a time, the engine's (hot in the cache, where a VU's
// own would be cold by its next request).
func (e *engine) scratchOf(v *vuState) (*scenarios.Exchange, *wireRequest) {
	if e.virtual != nil {
		return &e.ex, &e.wire
	}
	return &v.ex, &v.wire
}

// sessionName names the identity's current session as VU g's, made once
// per session rather than per request.
func (id *identityState) sessionName(identity string, g int) string {
	if id.sess.name == "" || id.sess.vu != g || id.sess.n != id.session {
		id.sess.name = identity + "/" + strconv.Itoa(g) + "/" + strconv.Itoa(id.session)
		id.sess.vu, id.sess.n = g, id.session
	}
	return id.sess.name
}

// correlationID names v's next request "scenario-vu-seq": the prefix,
// the same for all its requests, is made once in v.corr, so each id
// costs its sequence number's digits and one allocation, the string.
func (v *vuState) correlationID() string {
	if len(v.corr) == 0 {
		v.corr = append(v.corr, v.x.w.Scenario...)
		v.corr = append(v.corr, '-')
		v.corr = strconv.AppendInt(v.corr, int64(v.g), 10)
		v.corr = append(v.corr, '-')
		v.corrLen = len(v.corr)
	}
	v.corr = strconv.AppendInt(v.corr[:v.corrLen], int64(v.sent), 10)
	return string(v.corr)
}

// do sends one request, over the lean client for plain-HTTP targets or
// net/http otherwise, and fills in the exchange's times, status, outcome
// and leak.
func (e *engine) do(v *vuState, req scenarios.Request, id *identityState, ex *scenarios.Exchange, w *wireRequest, res *scenarios.Result) {
	r := e.r
	*res = scenarios.Result{Request: req}
	// Field by field, not a struct literal, which would clear and write
	// all of w: resolve sets the URL's fields, the rest are these.
	w.method, w.body, w.fields, w.memo, w.deadline = req.Method, req.Body, nil, nil, time.Time{}
	w.answer = &v.answer
	err := resolve(&e.base, req.Path, w)
	if err == nil {
		m, buf := &v.memo, &v.lines
		if e.virtual != nil && id != nil {
			m, buf = &id.base().memo, &e.lines
		}
		w.fields, err = m.fields(buf, req, id, r.UserAgent, ex.CorrelationID)
		if len(w.fields) > 0 && len(m.lines) > 0 && &w.fields[0] == &m.lines[0] {
			w.memo = m
		}
	}
	if err == nil && !validMethod(req.Method) {
		err = fmt.Errorf("invalid method %q", req.Method)
	}
	if err != nil {
		e.failed(ex, res, err)
		return
	}
	var resp h1Response
	if id != nil && (r.Handler != nil || (id.pool != nil && w.scheme == "http")) {
		ex.Sent = e.now()
		resp, err = e.lean(id, w, ex)
	} else {
		resp, err = e.std(id, w, ex)
	}
	if err != nil {
		var refused *RedirectRefusedError
		if errors.As(err, &refused) {
			ex.Refused = refused.Location
		}
		ex.Status = resp.status
		e.failed(ex, res, err)
		return
	}
	ex.Done = e.now()
	if ex.FirstByte.IsZero() {
		ex.FirstByte = ex.Done
	}
	res.Status, res.Header, res.Body = resp.status, resp.header, resp.body
	ex.Status, ex.Bytes = resp.status, int64(len(resp.body))
	if resp.bodyErr != nil {
		res.Err = resp.bodyErr
		ex.Err = resp.bodyErr.Error()
	}
	if req.Judge != nil {
		ex.Outcome, ex.Leak = req.Judge(*res)
	} else {
		ex.Outcome = scenarios.Classify(res.Status)
	}
}

// std sends w over net/http: TLS, HTTP/2, a caller's own Client.
func (e *engine) std(id *identityState, w *wireRequest, ex *scenarios.Exchange) (h1Response, error) {
	r := e.r
	ctx, cancel := context.WithTimeout(e.reqCtx, r.Timeout)
	defer cancel()
	var body io.Reader
	if w.body != nil {
		body = bytes.NewReader(w.body)
	}
	hreq, err := http.NewRequestWithContext(ctx, w.method, w.url(), body)
	if err != nil {
		return h1Response{}, err
	}
	hreq.Header = header(w.fields)
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if host, _, err := net.SplitHostPort(info.Conn.LocalAddr().String()); err == nil {
				ex.Addr = host
			}
		},
		GotFirstResponseByte: func() { ex.FirstByte = e.clock.Now() },
	}
	hreq = hreq.WithContext(httptrace.WithClientTrace(ctx, trace))
	client := r.client
	if id != nil {
		client = id.stdClient(e)
	}
	ex.Sent = e.clock.Now()
	resp, err := client.Do(hreq)
	if err != nil {
		out := h1Response{}
		if resp != nil {
			out.status = resp.StatusCode
		}
		return out, err
	}
	defer resp.Body.Close()
	out := h1Response{status: resp.StatusCode, header: resp.Header}
	out.body, out.bodyErr = io.ReadAll(io.LimitReader(resp.Body, r.ReadLimit))
	// Drain a bounded remainder so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, r.ReadLimit))
	return out, nil
}

func (e *engine) failed(ex *scenarios.Exchange, res *scenarios.Result, err error) {
	now := e.now()
	if ex.Sent.IsZero() {
		ex.Sent = now
	}
	ex.Done = now
	ex.Outcome = scenarios.OutcomeError
	ex.Err = err.Error()
	res.Err = err
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if !isTokenChar(m[i]) {
			return false
		}
	}
	return true
}

// hostPort is u's host with its scheme's default port when it names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if strings.EqualFold(u.Scheme, "https") {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
