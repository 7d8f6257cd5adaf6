package guard

import (
	"encoding/base64"
	"encoding/json"
	"hash/maphash"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/abusegate/abusegate/scenarios"
)

// extractor turns a request into the parts of a scenarios.Event the guard
// knows before the answer: who (identity, token, address, device, place)
// and, for the Surface's login and coupon operations, the business fields
// of the body.
type extractor struct {
	trusted      []netip.Prefix
	geoHeader    string
	apiKeyHeader string
	apiKeyQuery  string
	cookie       string
	// ids caches the credentials' token ids; nil computes each one.
	ids *tokenCache
}

func newExtractor(o Options) extractor {
	x := extractor{trusted: o.TrustedProxies, geoHeader: o.GeoHeader, ids: newTokenCache()}
	for _, s := range o.Surface.AuthSchemes {
		switch {
		case s.Type == "apiKey" && s.In == scenarios.InHeader && x.apiKeyHeader == "":
			x.apiKeyHeader = s.Param
		case s.Type == "apiKey" && s.In == scenarios.InQuery && x.apiKeyQuery == "":
			x.apiKeyQuery = s.Param
		case (s.Type == "cookie" || s.Type == "apiKey" && s.In == scenarios.InCookie) && x.cookie == "":
			x.cookie = s.Param
		}
	}
	if o.SessionCookie != "" {
		x.cookie = o.SessionCookie
	}
	return x
}

// credential finds the request's credential: a bearer token (its JWT
// subject read without verifying: the guard only attributes, the upstream
// authenticates), else an API key (which names its client), else the
// session cookie. authorization is the request's Authorization header
// (the guard's device scan reads it). It returns the token id and the
// identity when the credential itself says it.
func (x *extractor) credential(r *http.Request, authorization string) (tokenID, identity string) {
	if tok := bearer(authorization); tok != "" {
		e := x.ids.lookup(tok)
		return e.id, e.sub
	}
	if x.apiKeyHeader != "" {
		if k := r.Header.Get(x.apiKeyHeader); k != "" {
			id := x.ids.lookup(k).id
			return id, "apikey:" + id
		}
	}
	if x.apiKeyQuery != "" {
		if k := r.URL.Query().Get(x.apiKeyQuery); k != "" {
			id := x.ids.lookup(k).id
			return id, "apikey:" + id
		}
	}
	if x.cookie != "" {
		if c, err := r.Cookie(x.cookie); err == nil && c.Value != "" {
			return x.ids.lookup(c.Value).id, ""
		}
	}
	return "", ""
}

// tokenCache remembers the token ids (scenarios.TokenID, a SHA-256) and
// JWT subjects of recently seen credentials, so a client sending the same
// token on every request costs one hash and one comparison instead of a
// SHA-256 and a string. It is direct-mapped (a slot per hash of the token,
// a newer token replaces an older one), lock-free and bounded: at most
// tokenCacheSlots tokens of at most tokenCacheMax bytes each.
type tokenCache struct {
	seed  maphash.Seed
	slots [tokenCacheSlots]atomic.Pointer[tokenEntry]
}

func newTokenCache() *tokenCache { return &tokenCache{seed: maphash.MakeSeed()} }

// tokenEntry is one cached credential; never changed once stored.
type tokenEntry struct{ tok, id, sub string }

const (
	tokenCacheSlots = 1024
	tokenCacheMax   = 4 << 10
)

// lookup returns tok's id and JWT subject (jwtSubject). c may be nil.
func (c *tokenCache) lookup(tok string) *tokenEntry {
	if c == nil || len(tok) > tokenCacheMax {
		return &tokenEntry{id: scenarios.TokenID(tok), sub: jwtSubject(tok)}
	}
	slot := &c.slots[maphash.String(c.seed, tok)&(tokenCacheSlots-1)]
	if e := slot.Load(); e != nil && e.tok == tok {
		return e
	}
	// The request's header string is copied: the cache must not keep the
	// request's memory alive.
	e := &tokenEntry{tok: strings.Clone(tok), id: scenarios.TokenID(tok), sub: jwtSubject(tok)}
	slot.Store(e)
	return e
}

// bearerToken returns the token of an "Authorization: Bearer" header, ""
// when there is none.
func bearerToken(h http.Header) string { return bearer(header(h, "Authorization")) }

// bearer is the token of an Authorization header's value, "" when it is
// not a bearer token.
func bearer(authorization string) string {
	scheme, tok, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// jwtSubject reads the "sub" claim of a JWT without checking its
// signature, "" when the token is not a JWT.
func jwtSubject(tok string) string {
	_, rest, ok := strings.Cut(tok, ".")
	if !ok {
		return ""
	}
	body, sig, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(sig, ".") || len(body) > 8<<10 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(body, "="))
	if err != nil {
		return ""
	}
	var claims struct {
		Sub json.RawMessage `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil || len(claims.Sub) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(claims.Sub, &s) == nil {
		return s
	}
	if n, err := strconv.ParseInt(string(claims.Sub), 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	return ""
}

// addr is the client's address: the peer, or, when the peer is a trusted
// proxy, the right-most X-Forwarded-For entry that is not one. Headers
// from anyone else are ignored: a client could set them to dodge an
// address block.
func (x *extractor) addr(r *http.Request) string {
	peer := clientAddr(r.RemoteAddr)
	if len(x.trusted) == 0 || !x.isTrusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		if _, err := netip.ParseAddr(h); err != nil {
			return peer
		}
		if !x.isTrusted(h) {
			return h
		}
	}
	if v := strings.TrimSpace(r.Header.Get("X-Real-Ip")); v != "" {
		if _, err := netip.ParseAddr(v); err == nil {
			return v
		}
	}
	return peer
}

func (x *extractor) isTrusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range x.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the host part of a RemoteAddr.
func clientAddr(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// header is h.Get for a key already in canonical form, without
// canonicalising it again on every request.
func header(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// geo is the client's location hint from the configured header.
func (x *extractor) geo(h http.Header) string {
	if x.geoHeader == "" { // inlined: most guards name no geo header
		return ""
	}
	return x.geoOf(h)
}

func (x *extractor) geoOf(h http.Header) string {
	v := strings.TrimSpace(h.Get(x.geoHeader))
	if len(v) > 64 {
		return ""
	}
	return v
}

// bodyField is the name of the operation's body parameter with role, else
// the first of the fallbacks the body carries.
func bodyField(op *scenarios.Operation, role scenarios.ParamRole) string {
	for _, p := range op.Params {
		if p.Role == role && p.In == scenarios.InBody {
			return p.Name
		}
	}
	return ""
}

// jsonFields returns the string (or number) values of top-level fields of
// a JSON object: for each wanted list, the first name present.
func jsonFields(buf []byte, wanted ...[]string) []string {
	out := make([]string, len(wanted))
	var obj map[string]json.RawMessage
	if json.Unmarshal(buf, &obj) != nil {
		return out
	}
	for i, names := range wanted {
		for _, n := range names {
			raw, ok := obj[n]
			if !ok {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				out[i] = s
			} else if _, err := strconv.ParseFloat(string(raw), 64); err == nil {
				out[i] = string(raw)
			}
			if out[i] != "" {
				break
			}
		}
	}
	return out
}
