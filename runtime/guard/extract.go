package guard

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

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
}

func newExtractor(o Options) extractor {
	x := extractor{trusted: o.TrustedProxies, geoHeader: o.GeoHeader}
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
// session cookie. It returns the token id and the identity when the
// credential itself says it.
func (x extractor) credential(r *http.Request) (tokenID, identity string) {
	if tok := bearerToken(r.Header); tok != "" {
		return scenarios.TokenID(tok), jwtSubject(tok)
	}
	if x.apiKeyHeader != "" {
		if k := r.Header.Get(x.apiKeyHeader); k != "" {
			id := scenarios.TokenID(k)
			return id, "apikey:" + id
		}
	}
	if x.apiKeyQuery != "" {
		if k := r.URL.Query().Get(x.apiKeyQuery); k != "" {
			id := scenarios.TokenID(k)
			return id, "apikey:" + id
		}
	}
	if x.cookie != "" {
		if c, err := r.Cookie(x.cookie); err == nil && c.Value != "" {
			return scenarios.TokenID(c.Value), ""
		}
	}
	return "", ""
}

// bearerToken returns the token of an "Authorization: Bearer" header, ""
// when there is none.
func bearerToken(h http.Header) string {
	scheme, tok, ok := strings.Cut(header(h, "Authorization"), " ")
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
func (x extractor) addr(r *http.Request) string {
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

func (x extractor) isTrusted(addr string) bool {
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

// fingerprintHeaders are the headers a device sends the same way whatever
// its address or account.
var fingerprintHeaders = []string{
	"User-Agent", "Accept-Language", "Accept-Encoding", "Accept",
	"Sec-Ch-Ua", "Sec-Ch-Ua-Platform", "Sec-Ch-Ua-Mobile",
}

// fingerprint names the client device: a hash of its User-Agent,
// Accept-Language, client hints and which client-configuration headers it
// sends (Dnt, Sec-Fetch-*, ...).
// net/http does not keep the wire order of headers, so the name set stands
// in for their order; "" when the request carries none of them. It costs
// one allocation, the name.
func fingerprint(h http.Header) string {
	f := fnv64{h: fnvOffset}
	any := false
	for _, k := range fingerprintHeaders {
		v := header(h, k)
		if k == "User-Agent" {
			v = stripCorrelation(v, h)
		}
		any = any || v != ""
		f.add(v, 0)
	}
	if !any {
		return ""
	}
	var buf [24]string
	names := buf[:0]
	for k := range h {
		if deviceHeader(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		f.add(k, 1)
	}
	var out [24]byte
	return string(strconv.AppendUint(append(out[:0], "fp-"...), f.h>>16, 16))
}

// header is h.Get for a key already in canonical form, without
// canonicalising it again on every request.
func header(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// fnv64 is an FNV-1a-style hash over strings taken eight bytes at a time
// (with a shift to mix the high bits down), without hash.Hash's interface
// and copies: a device name must be the same in every guard replica, so
// the seeded hashes of hash/maphash will not do.
type fnv64 struct{ h uint64 }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// add hashes s and then the separator byte sep.
func (f *fnv64) add(s string, sep byte) {
	h := f.h
	for ; len(s) >= 8; s = s[8:] {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = (h ^ w) * fnvPrime
		h ^= h >> 32
	}
	for i := range len(s) {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	f.h = (h ^ uint64(sep)) * fnvPrime
}

// deviceHeader reports whether a header's presence says something about
// the client software rather than about one request (Content-Type,
// Authorization, Referer, X-* change from request to request).
func deviceHeader(k string) bool {
	switch k {
	case "Accept", "Accept-Encoding", "Accept-Language", "Connection", "Dnt", "Upgrade-Insecure-Requests", "Te", "Priority", "User-Agent":
		return true
	}
	return strings.HasPrefix(k, "Sec-Ch-") || strings.HasPrefix(k, "Sec-Fetch-")
}

// stripCorrelation drops the per-request " ag/<id>" suffix the harness
// adds to its User-Agent (with the correlation header), so one simulated
// device keeps one fingerprint.
func stripCorrelation(ua string, h http.Header) string {
	id := header(h, scenarios.CorrelationHeader)
	if id == "" {
		return ua
	}
	return strings.TrimSuffix(ua, " ag/"+id)
}

// geo is the client's location hint from the configured header.
func (x extractor) geo(h http.Header) string {
	if x.geoHeader == "" {
		return ""
	}
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
