package vu

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// send sends v's pending request as its current identity, records the
// exchange and returns the result the Program sees next.
func (e *engine) send(v *vuState) scenarios.Result {
	x := v.x
	e.identify(v, false)
	req := v.step.Request
	ex := scenarios.Exchange{
		Scenario:      x.w.Scenario,
		VU:            v.g,
		Iteration:     v.iter - 1,
		Actor:         x.w.Actor,
		CorrelationID: correlationID(x.w.Scenario, v.g, v.sent),
		Method:        req.Method,
		Route:         req.Route,
		Path:          req.Path,
		Abusive:       req.Abusive,
	}
	client := e.r.client
	id := v.id
	if id != nil {
		if id.client != nil {
			client = id.client
		}
		if id.cred.Kind != 0 {
			ex.Identity = id.cred.Name()
			ex.Session = ex.Identity + "/" + strconv.Itoa(v.g) + "/" + strconv.Itoa(id.session)
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
	res := e.do(client, req, id, &ex)
	e.rec.Record(ex)
	x.stats.count(ex.Outcome)
	if id != nil {
		id.uses++
	}
	return res
}

func correlationID(scenario string, vu, seq int) string {
	b := make([]byte, 0, len(scenario)+16)
	b = append(b, scenario...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(vu), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(seq), 10)
	return string(b)
}

// do sends one request and fills in the exchange's times, status, outcome
// and leak.
func (e *engine) do(client *http.Client, req scenarios.Request, id *identityState, ex *scenarios.Exchange) scenarios.Result {
	r := e.r
	res := scenarios.Result{Request: req}
	ctx, cancel := context.WithTimeout(e.reqCtx, r.Timeout)
	defer cancel()
	u := r.Target.JoinPath()
	if ref, err := url.Parse(req.Path); err == nil {
		u = r.Target.ResolveReference(ref)
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, u.String(), body)
	if err != nil {
		return e.failed(ex, res, err)
	}
	ua := r.UserAgent
	if id != nil && id.device != nil {
		id.device.apply(hreq.Header)
		ua = id.device.UserAgent
	}
	if id != nil && id.geo != nil {
		id.geo.apply(hreq.Header, id.forwardedFor)
	}
	for k, vals := range req.Header {
		hreq.Header[k] = vals
	}
	hreq.Header.Set(scenarios.CorrelationHeader, ex.CorrelationID)
	if h := hreq.Header.Get("User-Agent"); h != "" && (id == nil || id.device == nil) {
		ua = h
	}
	hreq.Header.Set("User-Agent", ua+" ag/"+ex.CorrelationID)
	trace := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if host, _, err := net.SplitHostPort(info.Conn.LocalAddr().String()); err == nil {
				ex.Addr = host
			}
		},
		GotFirstResponseByte: func() { ex.FirstByte = e.clock.Now() },
	}
	hreq = hreq.WithContext(httptrace.WithClientTrace(ctx, trace))

	ex.Sent = e.clock.Now()
	resp, err := client.Do(hreq)
	if err != nil {
		var refused *RedirectRefusedError
		if errors.As(err, &refused) {
			ex.Refused = refused.Location
		}
		if resp != nil {
			ex.Status = resp.StatusCode
		}
		return e.failed(ex, res, err)
	}
	defer resp.Body.Close()
	res.Body, err = io.ReadAll(io.LimitReader(resp.Body, r.ReadLimit))
	// Drain a bounded remainder so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, r.ReadLimit))
	ex.Done = e.clock.Now()
	if ex.FirstByte.IsZero() {
		ex.FirstByte = ex.Done
	}
	res.Status, res.Header = resp.StatusCode, resp.Header
	ex.Status, ex.Bytes = resp.StatusCode, int64(len(res.Body))
	if err != nil {
		res.Err = err
		ex.Err = err.Error()
	}
	if req.Judge != nil {
		ex.Outcome, ex.Leak = req.Judge(res)
	} else {
		ex.Outcome = scenarios.Classify(res.Status)
	}
	return res
}

func (e *engine) failed(ex *scenarios.Exchange, res scenarios.Result, err error) scenarios.Result {
	now := e.clock.Now()
	if ex.Sent.IsZero() {
		ex.Sent = now
	}
	ex.Done = now
	ex.Outcome = scenarios.OutcomeError
	ex.Err = err.Error()
	res.Err = err
	return res
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
