package vu

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// hfield is one header line, in the order it goes on the wire.
type hfield struct{ k, v string }

// wireRequest is a request as the lean client writes it.
type wireRequest struct {
	method string
	scheme string
	host   string // the Host header
	addr   string // host:port to dial
	target string // the request-target: path and query
	fields []hfield
	body   []byte
	// deadline bounds the whole exchange, redirects included.
	deadline time.Time
	// inproc is the VU's scratch when a Runner's Handler serves it.
	inproc *inproc
}

func (w *wireRequest) url() string { return w.scheme + "://" + w.host + w.target }

func (w *wireRequest) parsedURL() (*url.URL, error) { return url.Parse(w.url()) }

// setWire points w at u.
func (w *wireRequest) setURL(u *url.URL) {
	w.scheme, w.host, w.addr, w.target = strings.ToLower(u.Scheme), u.Host, hostPort(u), u.RequestURI()
}

// resolve is path resolved against the target: a plain absolute path
// (the common case) is used as it is, anything else is parsed and
// resolved as a browser would.
func resolve(base *url.URL, path string, w *wireRequest) error {
	if plainPath(path) {
		w.scheme, w.host, w.target = strings.ToLower(base.Scheme), base.Host, path
		w.addr = hostPort(base)
		return nil
	}
	ref, err := url.Parse(path)
	if err != nil {
		return fmt.Errorf("request path %q: %w", path, err)
	}
	u := base.ResolveReference(ref)
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("request path %q: scheme %q is neither http nor https", path, u.Scheme)
	}
	w.setURL(u)
	return nil
}

// plainPath reports whether p is an absolute path (and query) that needs
// no escaping, so it can be sent as it is.
func plainPath(p string) bool {
	if len(p) == 0 || p[0] != '/' || (len(p) > 1 && p[1] == '/') {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// fields assembles the header lines of a request in wire order: the
// device's headers in its order (its User-Agent where it lists one), the
// geo hints, the Program's headers (sorted by name, overriding the
// device's in place), the correlation header, and the User-Agent with the
// correlation suffix. dst is reused.
func fields(dst []hfield, req scenarios.Request, id *identityState, defaultUA, corr string) ([]hfield, error) {
	dst = dst[:0]
	ua, uaAt, devEnd := defaultUA, -1, 0
	if id != nil && id.device != nil {
		for _, kv := range id.device.Headers {
			if strings.EqualFold(kv[0], "User-Agent") {
				uaAt = len(dst)
				dst = append(dst, hfield{kv[0], ""})
				continue
			}
			dst = setField(dst, kv[0], kv[1])
		}
		ua, devEnd = id.device.UserAgent, len(dst)
	}
	if id != nil && id.geo != nil {
		if id.geo.AcceptLanguage != "" {
			dst = setField(dst, "Accept-Language", id.geo.AcceptLanguage)
		}
		if id.forwardedFor != "" {
			dst = setField(dst, "X-Forwarded-For", id.forwardedFor)
			dst = setField(dst, "Forwarded", "for="+id.forwardedFor)
		}
	}
	if len(req.Header) > 0 {
		var buf [16]string
		keys := buf[:0]
		for k := range req.Header {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			vals := req.Header[k]
			switch http.CanonicalHeaderKey(k) {
			case "User-Agent":
				if (id == nil || id.device == nil) && len(vals) > 0 {
					ua = vals[0]
				}
				continue
			case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
				continue
			}
			dst = delField(dst, k)
			for _, v := range vals {
				dst = append(dst, hfield{k, v})
			}
		}
	}
	dst = setField(dst, scenarios.CorrelationHeader, corr)
	ua += " ag/" + corr
	if uaAt >= 0 {
		dst[uaAt].v = ua
	} else {
		dst = slices.Insert(dst, devEnd, hfield{"User-Agent", ua})
	}
	for _, f := range dst {
		if err := validField(f); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// setField sets k to v: in place of its first line, other lines of k
// removed, or appended.
func setField(dst []hfield, k, v string) []hfield {
	for i := range dst {
		if strings.EqualFold(dst[i].k, k) {
			dst[i].v = v
			return append(dst[:i+1], delField(dst[i+1:], k)...)
		}
	}
	return append(dst, hfield{k, v})
}

func delField(dst []hfield, k string) []hfield {
	return slices.DeleteFunc(dst, func(f hfield) bool { return strings.EqualFold(f.k, k) })
}

// validField refuses what would let a header break the request's framing.
func validField(f hfield) error {
	if f.k == "" {
		return fmt.Errorf("empty header name")
	}
	for i := 0; i < len(f.k); i++ {
		if !isTokenChar(f.k[i]) {
			return fmt.Errorf("invalid header name %q", f.k)
		}
	}
	for i := 0; i < len(f.v); i++ {
		if c := f.v[i]; c == '\r' || c == '\n' || c == 0 {
			return fmt.Errorf("invalid value for header %s: control character", f.k)
		}
	}
	return nil
}

// header is fs as an http.Header, for net/http (which writes its own
// order).
func header(fs []hfield) http.Header {
	h := make(http.Header, len(fs))
	for _, f := range fs {
		k := http.CanonicalHeaderKey(f.k)
		h[k] = append(h[k], f.v)
	}
	return h
}

// sessionJar is a session's cookie jar, made when the session gets its
// first cookie: a session without any (most requests of a load test, every
// per-request rotation) costs neither the jar nor a lookup per request.
type sessionJar struct {
	jar  *cookiejar.Jar
	used bool
}

func newSessionJar() *sessionJar { return &sessionJar{} }

// SetCookies implements http.CookieJar.
func (j *sessionJar) SetCookies(u *url.URL, cs []*http.Cookie) {
	if len(cs) == 0 {
		return
	}
	if j.jar == nil {
		j.jar, _ = cookiejar.New(nil) // never fails without options
	}
	j.used = true
	j.jar.SetCookies(u, cs)
}

// Cookies implements http.CookieJar.
func (j *sessionJar) Cookies(u *url.URL) []*http.Cookie {
	if !j.used {
		return nil
	}
	return j.jar.Cookies(u)
}
