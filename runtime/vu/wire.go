package vu

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
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
	// plain: target is a plain path (plainPath), known so.
	plain  bool
	fields []hfield
	// memo is the fieldMemo whose lines fields are, if they are.
	memo *fieldMemo
	body []byte
	// deadline bounds the whole exchange, redirects included.
	deadline time.Time
	// inproc is the VU's scratch when a Runner's Handler serves it.
	inproc *inproc
	// answer is where the sending VU keeps the Handler's answers.
	answer *answerBuf
}

func (w *wireRequest) url() string { return w.scheme + "://" + w.host + w.target }

func (w *wireRequest) parsedURL() (*url.URL, error) { return url.Parse(w.url()) }

// setWire points w at u.
func (w *wireRequest) setURL(u *url.URL) {
	w.scheme, w.host, w.addr, w.target = strings.ToLower(u.Scheme), u.Host, hostPort(u), u.RequestURI()
	w.plain = false
}

// baseURL is a run's target URL with what every request to it needs,
// worked out once.
type baseURL struct {
	u      *url.URL
	scheme string // lower case
	addr   string // host:port to dial
}

func newBaseURL(u *url.URL) baseURL {
	return baseURL{u: u, scheme: strings.ToLower(u.Scheme), addr: hostPort(u)}
}

// resolve is path resolved against the target: a plain absolute path
// (the common case) is used as it is, anything else is parsed and
// resolved as a browser would.
func resolve(base *baseURL, path string, w *wireRequest) error {
	if plainPath(path) {
		w.scheme, w.host, w.target, w.addr, w.plain = base.scheme, base.u.Host, path, base.addr, true
		return nil
	}
	ref, err := url.Parse(path)
	if err != nil {
		return fmt.Errorf("request path %q: %w", path, err)
	}
	u := base.u.ResolveReference(ref)
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
		if !pathByte[p[i]] {
			return false
		}
	}
	return true
}

// pathByte are the bytes a plain path may hold as they are.
var pathByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("-._~!$&'()*+,;=:@/?", byte(c)) >= 0
	}
	return t
}()

// fields assembles the header lines of a request in wire order: the
// device's headers in its order (its User-Agent where it lists one), the
// geo hints, the Program's headers (sorted by name, overriding the
// device's in place), the correlation header, and the User-Agent with the
// correlation suffix. dst is reused; the identity's own lines are
// assembled and checked once (identityState.base).
func fields(dst []hfield, req scenarios.Request, id *identityState, defaultUA, corr string) ([]hfield, error) {
	dst = dst[:0]
	ua, uaAt, devEnd := defaultUA, -1, 0
	if id != nil {
		b := id.base()
		if b.err != nil {
			return dst, b.err
		}
		dst = append(dst, b.fields...)
		uaAt, devEnd = b.uaAt, b.devEnd
		if id.device != nil {
			ua = id.device.UserAgent
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
			dst, devEnd = delFieldBefore(dst, k, devEnd)
			for _, v := range vals {
				f := hfield{k, v}
				if err := validField(f); err != nil {
					return dst, err
				}
				dst = append(dst, f)
			}
		}
	}
	// The two names are constants; only the values need checking, and the
	// correlation id only once.
	if err := validValue(scenarios.CorrelationHeader, corr); err != nil {
		return dst, err
	}
	dst = setField(dst, scenarios.CorrelationHeader, corr)
	if err := validValue("User-Agent", ua); err != nil {
		return dst, err
	}
	uf := hfield{"User-Agent", ua + " ag/" + corr}
	if uaAt >= 0 {
		// The Program's headers may have moved the device's line.
		uaAt = slices.IndexFunc(dst, func(f hfield) bool { return strings.EqualFold(f.k, "User-Agent") })
		dst[uaAt].v = uf.v
	} else {
		dst = slices.Insert(dst, devEnd, uf)
	}
	return dst, nil
}

// fieldMemo is the header lines of requests without Program headers,
// reused from request to request, and where the correlation and
// User-Agent lines went: the next such request from an identity with the
// same own lines lays them out the same way, so only those two values
// are written. A VU has one on the wall clock; on the simulated clock,
// where one request is sent at a time, the identities with the same own
// lines share theirs (baseFields.memo), hot in the cache.
type fieldMemo struct {
	base         *baseFields // nil: nothing remembered
	ua           string      // the User-Agent before its suffix, checked
	lines        []hfield
	corrAt, uaAt int
	// gen counts the layouts of lines: the names change only with it.
	gen uint64
	// shape is base's: memos of one shape lay out the same names.
	shape *lineShape
}

// fields is fields(dst, req, id, defaultUA, corr): in m's lines, written
// only where they changed, for a request without Program headers, else
// in *buf. The lines are valid until the next call with m or buf.
func (m *fieldMemo) fields(buf *[]hfield, req scenarios.Request, id *identityState, defaultUA, corr string) ([]hfield, error) {
	memo := len(req.Header) == 0 && id != nil
	ua := defaultUA
	if memo && id.device != nil {
		ua = id.device.UserAgent
	}
	if memo && m.base != nil && id.lines == m.base && m.ua == ua {
		if err := validValue(scenarios.CorrelationHeader, corr); err != nil {
			return nil, err
		}
		m.lines[m.corrAt].v = corr
		m.lines[m.uaAt].v = ua + " ag/" + corr
		return m.lines, nil
	}
	if !memo {
		out, err := fields(*buf, req, id, defaultUA, corr)
		*buf = out
		return out, err
	}
	out, err := fields(m.lines, req, id, defaultUA, corr)
	m.base, m.lines, m.shape = nil, out, nil
	m.gen++
	if err != nil {
		return out, err
	}
	m.base, m.ua, m.shape = id.lines, ua, id.lines.shape
	m.corrAt = slices.IndexFunc(out, func(f hfield) bool { return strings.EqualFold(f.k, scenarios.CorrelationHeader) })
	m.uaAt = slices.IndexFunc(out, func(f hfield) bool { return strings.EqualFold(f.k, "User-Agent") })
	return out, nil
}

// baseFields are an identity's own header lines: its device's headers
// (the User-Agent line left empty at uaAt) and geo hints, checked once.
// They never change once made, and identities with the same device, geo
// and forwarded address share them (engine.linesOf).
type baseFields struct {
	fields []hfield
	uaAt   int // -1: the device lists no User-Agent
	devEnd int // where a User-Agent line goes when the device lists none
	err    error
	// memo is the lines of these identities' requests on the simulated
	// clock (fieldMemo).
	memo fieldMemo
	// shape, when the engine made these lines, is shared by all lines
	// with the same names, User-Agent slot and device end: the lines of
	// a request without Program headers (fieldMemo) are made of those
	// alone, so they have the same names too.
	shape *lineShape
}

// lineShape identifies a layout of header names (baseFields.shape).
type lineShape struct{ key string }

// base is the identity's own header lines, assembled on first use
// unless the engine gave it shared ones.
func (id *identityState) base() *baseFields {
	if id.lines == nil {
		id.lines = newBaseFields(id.device, id.geo, id.forwardedFor)
	}
	return id.lines
}

// baseKey is what an identity's own lines are made of.
type baseKey struct {
	device       *Device
	geo          *Geo
	forwardedFor string
}

// linesOf is the own lines of identities like id, made once per run.
func (e *engine) linesOf(id *identityState) *baseFields {
	k := baseKey{id.device, id.geo, id.forwardedFor}
	e.linesMu.Lock()
	defer e.linesMu.Unlock()
	b := e.bases[k]
	if b == nil {
		if e.bases == nil {
			e.bases = map[baseKey]*baseFields{}
		}
		b = newBaseFields(id.device, id.geo, id.forwardedFor)
		if b.err == nil {
			b.shape = e.shapeOf(b)
		}
		e.bases[k] = b
	}
	return b
}

// shapeOf is the lineShape of b's names, made once per run. Called
// with linesMu held.
func (e *engine) shapeOf(b *baseFields) *lineShape {
	var key strings.Builder
	for _, f := range b.fields {
		key.WriteString(f.k)
		key.WriteByte('\n') // a header name holds no line break
	}
	key.WriteString(strconv.Itoa(b.uaAt) + "," + strconv.Itoa(b.devEnd))
	s := e.shapes[key.String()]
	if s == nil {
		if e.shapes == nil {
			e.shapes = map[string]*lineShape{}
		}
		s = &lineShape{key: key.String()}
		e.shapes[s.key] = s
	}
	return s
}

func newBaseFields(device *Device, geo *Geo, forwardedFor string) *baseFields {
	b := &baseFields{uaAt: -1}
	var dst []hfield
	if device != nil {
		for _, kv := range device.Headers {
			if strings.EqualFold(kv[0], "User-Agent") {
				b.uaAt = len(dst)
				dst = append(dst, hfield{kv[0], ""})
				continue
			}
			dst = setField(dst, kv[0], kv[1])
		}
		b.devEnd = len(dst)
	}
	if geo != nil {
		if geo.AcceptLanguage != "" {
			dst = setField(dst, "Accept-Language", geo.AcceptLanguage)
		}
		if forwardedFor != "" {
			dst = setField(dst, "X-Forwarded-For", forwardedFor)
			dst = setField(dst, "Forwarded", "for="+forwardedFor)
		}
	}
	for _, f := range dst {
		if err := validField(f); err != nil {
			b.err = err
			break
		}
	}
	b.fields = dst
	return b
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

// delFieldBefore is delField that also says where mark, an index of dst,
// went.
func delFieldBefore(dst []hfield, k string, mark int) ([]hfield, int) {
	out, m := dst[:0], mark
	for i, f := range dst {
		if strings.EqualFold(f.k, k) {
			if i < mark {
				m--
			}
			continue
		}
		out = append(out, f)
	}
	clear(dst[len(out):])
	return out, m
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
	return validValue(f.k, f.v)
}

// validValue refuses a value of header k with a line break or a NUL.
func validValue(k, v string) error {
	// Three vectorised scans cost less than one byte loop over a
	// browser's User-Agent.
	if strings.IndexByte(v, '\r') >= 0 || strings.IndexByte(v, '\n') >= 0 || strings.IndexByte(v, 0) >= 0 {
		return fmt.Errorf("invalid value for header %s: control character", k)
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
