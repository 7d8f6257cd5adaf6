package vu

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// lean sends w over the identity's lean HTTP/1.1 pool (or to the Runner's
// Handler in process), following
// redirects inside the allow-list (as net/http would: 301/302/303 turn a
// non-GET into a body-less GET, 307/308 resend it), with the session's
// cookies.
func (e *engine) lean(id *identityState, w *wireRequest, ex *scenarios.Exchange) (h1Response, error) {
	r := e.r
	if r.Handler == nil {
		w.deadline = e.wall().Add(r.Timeout)
	}
	base, memo := w.fields, w.memo
	for hop := 0; ; hop++ {
		jarred := id.jar != nil && id.jar.used
		if jarred {
			u, err := w.parsedURL()
			if err != nil {
				return h1Response{}, err
			}
			if cs := id.jar.Cookies(u); len(cs) > 0 {
				w.fields, w.memo = withCookies(base, cs), nil
			}
		}
		var resp h1Response
		var err error
		if r.Handler != nil {
			resp, err = e.serve(id, w, ex)
		} else {
			resp, err = e.exchange(id.pool, w, ex)
		}
		if err != nil {
			return resp, err
		}
		if sc := resp.header["Set-Cookie"]; len(sc) > 0 && id.jar != nil {
			if u, err := w.parsedURL(); err == nil {
				id.jar.SetCookies(u, (&http.Response{Header: resp.header}).Cookies())
			}
		}
		if !redirect(resp.status) {
			return resp, nil
		}
		loc := resp.header.Get("Location")
		if loc == "" {
			return resp, nil
		}
		cur, err := w.parsedURL()
		if err != nil {
			return resp, err
		}
		next, err := cur.Parse(loc)
		if err != nil {
			return resp, fmt.Errorf("%s %s: redirect to %q: %w", w.method, w.url(), loc, err)
		}
		if next.Scheme != "http" && next.Scheme != "https" {
			return resp, fmt.Errorf("%s %s: redirect to unsupported scheme %q", w.method, w.url(), next.Scheme)
		}
		if checkAllowed(e.r.allow, hostPort(next)) != nil {
			return resp, &RedirectRefusedError{Location: next.String()}
		}
		if hop+1 >= MaxRedirects {
			return resp, fmt.Errorf("%s %s: stopped after %d redirects", w.method, w.url(), MaxRedirects)
		}
		if resp.status != http.StatusTemporaryRedirect && resp.status != http.StatusPermanentRedirect &&
			w.method != http.MethodGet && w.method != http.MethodHead {
			w.method, w.body = http.MethodGet, nil
		}
		if !strings.EqualFold(next.Hostname(), cur.Hostname()) {
			// As net/http: credentials are not forwarded to another host.
			base, memo = dropSensitive(base), nil
		}
		w.setURL(next)
		w.fields, w.memo = base, memo
		if w.scheme != "http" && r.Handler == nil {
			return e.std(id, w, ex)
		}
	}
}

// exchange sends w once over a pooled connection; a reused connection the
// server had closed is retried once on a fresh one, for idempotent
// methods only.
func (e *engine) exchange(p *h1Pool, w *wireRequest, ex *scenarios.Exchange) (h1Response, error) {
	for attempt := 0; ; attempt++ {
		if p.aborted.Load() {
			return h1Response{}, fmt.Errorf("%s %s: %w", w.method, w.url(), context.Canceled)
		}
		c, err := p.get(e.reqCtx, w.addr, w.method, attempt > 0)
		if err != nil {
			return h1Response{}, fmt.Errorf("%s %s: %w", w.method, w.url(), err)
		}
		ex.Addr = c.local
		resp, stale, err := c.roundTrip(w, e.r.ReadLimit, func() { ex.FirstByte = e.clock.Now() })
		if err == nil || resp.header != nil {
			if resp.close || err != nil {
				p.discard(c)
			} else {
				p.put(c)
			}
			resp.bodyErr = e.wireErr(w, err)
			return resp, nil
		}
		p.discard(c)
		if stale && attempt == 0 && idempotent(w.method) {
			continue
		}
		if stale {
			err = fmt.Errorf("%w; %s is not idempotent, so it was not sent again", err, w.method)
		}
		return resp, e.wireErr(w, err)
	}
}

// wireErr names the request in err and says a deadline or an abort the
// way net/http's context errors do.
func (e *engine) wireErr(w *wireRequest, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded) && e.r.srcs.aborted.Load():
		err = context.Canceled
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = fmt.Errorf("no answer within %s: %w", e.r.Timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s %s: %w", w.method, w.url(), err)
}

func redirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// withCookies is fs with the jar's cookies added to its Cookie line.
func withCookies(fs []hfield, cs []*http.Cookie) []hfield {
	if len(cs) == 0 {
		return fs
	}
	// net/http's own serialisation (sanitised names, quoted values).
	hr := &http.Request{Header: http.Header{}}
	for _, c := range cs {
		hr.AddCookie(c)
	}
	line := hr.Header.Get("Cookie")
	out := make([]hfield, 0, len(fs)+1)
	joined := false
	for _, f := range fs {
		if !joined && strings.EqualFold(f.k, "Cookie") {
			f.v += "; " + line
			joined = true
		}
		out = append(out, f)
	}
	if !joined {
		out = append(out, hfield{"Cookie", line})
	}
	return out
}

func dropSensitive(fs []hfield) []hfield {
	out := make([]hfield, 0, len(fs))
	for _, f := range fs {
		switch strings.ToLower(f.k) {
		case "authorization", "www-authenticate", "cookie", "cookie2", "proxy-authorization":
			continue
		}
		out = append(out, f)
	}
	return out
}
