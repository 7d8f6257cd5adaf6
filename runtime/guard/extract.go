package guard

import (
	"encoding/base64"
	"encoding/json"
	"hash/maphash"
	"math/bits"
	"net"
	"net/http"
	"net/netip"
	"slices"
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
// session cookie. It returns the token id and the identity when the
// credential itself says it.
func (x extractor) credential(r *http.Request) (tokenID, identity string) {
	if tok := bearerToken(r.Header); tok != "" {
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
// its address or account, in the order fingerprint hashes their values
// (fingerprintKey gives each its place).
var fingerprintHeaders = []string{
	"User-Agent", "Accept-Language", "Accept-Encoding", "Accept",
	"Sec-Ch-Ua", "Sec-Ch-Ua-Platform", "Sec-Ch-Ua-Mobile",
}

// deviceNames are the device headers (see deviceHeader) clients send most,
// in byte order, so fingerprint hashes the names a request carries in
// sorted order without sorting them: it notes which of these it carries,
// and sorts only the rare others (Sec-Ch-* and Sec-Fetch-* names not here).
var deviceNames = [...]string{
	"Accept", "Accept-Encoding", "Accept-Language", "Connection", "Dnt", "Priority",
	"Sec-Ch-Ua", "Sec-Ch-Ua-Mobile", "Sec-Ch-Ua-Platform",
	"Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User",
	"Te", "Upgrade-Insecure-Requests", "User-Agent",
}

// fingerprintKey is what fingerprint makes of header k: the index of its
// value in fingerprintHeaders and of its name in deviceNames, -1 for none.
func fingerprintKey(k string) (value, name int) {
	switch k {
	case "Accept":
		return 3, 0
	case "Accept-Encoding":
		return 2, 1
	case "Accept-Language":
		return 1, 2
	case "Connection":
		return -1, 3
	case "Dnt":
		return -1, 4
	case "Priority":
		return -1, 5
	case "Sec-Ch-Ua":
		return 4, 6
	case "Sec-Ch-Ua-Mobile":
		return 6, 7
	case "Sec-Ch-Ua-Platform":
		return 5, 8
	case "Sec-Fetch-Dest":
		return -1, 9
	case "Sec-Fetch-Mode":
		return -1, 10
	case "Sec-Fetch-Site":
		return -1, 11
	case "Sec-Fetch-User":
		return -1, 12
	case "Te":
		return -1, 13
	case "Upgrade-Insecure-Requests":
		return -1, 14
	case "User-Agent":
		return 0, 15
	}
	return -1, -1
}

// fingerprint names the client device: a hash of its User-Agent,
// Accept-Language, client hints and which client-configuration headers it
// sends (Dnt, Sec-Fetch-*, ...), the names hashed in sorted order.
// net/http does not keep the wire order of headers, so the name set stands
// in for their order; "" when the request carries none of them. One pass
// over the header map finds the values and the names; the name string
// comes from a small cache of recent fingerprints, so a device seen
// recently costs no allocation.
func fingerprint(h http.Header) string {
	var vals [7]string // fingerprintHeaders' first values
	var known uint32   // bit i: the request carries deviceNames[i]
	var buf [8]string
	others := buf[:0] // device headers deviceNames lacks
	corr := ""
	for k, v := range h {
		value, name := fingerprintKey(k)
		if value >= 0 && len(v) > 0 {
			vals[value] = v[0]
		}
		switch {
		case name >= 0:
			known |= 1 << name
		case k == scenarios.CorrelationHeader:
			if len(v) > 0 {
				corr = v[0]
			}
		case deviceHeader(k):
			others = append(others, k)
		}
	}
	vals[0] = trimCorrelation(vals[0], corr)
	if vals == [7]string{} {
		return ""
	}
	f := fnv64{h: fnvOffset}
	for _, v := range vals {
		f.add(v, 0)
	}
	slices.Sort(others)
	for ; known != 0; known &= known - 1 {
		k := deviceNames[bits.TrailingZeros32(known)]
		for len(others) > 0 && others[0] < k {
			f.add(others[0], 1)
			others = others[1:]
		}
		f.add(k, 1)
	}
	for _, k := range others {
		f.add(k, 1)
	}
	return fingerprintName(f.h >> 16)
}

// fingerprintNames caches the names of recent fingerprints by their hash
// (direct-mapped, lock-free; a name is a pure function of its hash).
var fingerprintNames [256]atomic.Pointer[fingerprintEntry]

type fingerprintEntry struct {
	sum  uint64
	name string
}

// fingerprintName is "fp-" and sum in hex.
func fingerprintName(sum uint64) string {
	slot := &fingerprintNames[(sum^sum>>8^sum>>16)&255]
	if e := slot.Load(); e != nil && e.sum == sum {
		return e.name
	}
	var out [24]byte
	e := &fingerprintEntry{sum: sum, name: string(strconv.AppendUint(append(out[:0], "fp-"...), sum, 16))}
	slot.Store(e)
	return e.name
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

// trimCorrelation drops the per-request " ag/<id>" suffix the harness
// adds to its User-Agent (id is the correlation header's value), so one
// simulated device keeps one fingerprint.
func trimCorrelation(ua, id string) string {
	if id == "" {
		return ua
	}
	if rest, ok := strings.CutSuffix(ua, id); ok {
		if rest, ok := strings.CutSuffix(rest, " ag/"); ok {
			return rest
		}
	}
	return ua
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
