package guard

import (
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(payload)) + ".sig"
}

func TestCredential(t *testing.T) {
	x := newExtractor(Options{Surface: scenarios.Surface{AuthSchemes: []scenarios.AuthScheme{
		{Type: "apiKey", In: scenarios.InHeader, Param: "X-Api-Key"},
		{Type: "apiKey", In: scenarios.InCookie, Param: "sid"},
	}}})
	tests := []struct {
		name          string
		set           func(r *http.Request)
		token, wantID string
	}{
		{name: "jwt string sub", set: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+jwt(`{"sub":"alice"}`)) },
			token: jwt(`{"sub":"alice"}`), wantID: "alice"},
		{name: "jwt numeric sub", set: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+jwt(`{"sub":42}`)) },
			token: jwt(`{"sub":42}`), wantID: "42"},
		{name: "opaque bearer", set: func(r *http.Request) { r.Header.Set("Authorization", "Bearer opaque") }, token: "opaque"},
		{name: "jwt with garbage payload", set: func(r *http.Request) { r.Header.Set("Authorization", "Bearer a.!!!.c") }, token: "a.!!!.c"},
		{name: "api key", set: func(r *http.Request) { r.Header.Set("X-Api-Key", "k1") }, token: "k1", wantID: "apikey:" + scenarios.TokenID("k1")},
		{name: "session cookie", set: func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sid", Value: "s1"}) }, token: "s1"},
		{name: "nothing", set: func(*http.Request) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			tt.set(r)
			tok, id := x.credential(r, header(r.Header, "Authorization"))
			assert.Equal(t, scenarios.TokenID(tt.token), tok)
			assert.Equal(t, tt.wantID, id)
		})
	}
}

func TestClientAddressTrustsOnlyConfiguredProxies(t *testing.T) {
	x := newExtractor(Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	tests := []struct {
		name, remote, xff, want string
	}{
		{name: "direct client ignores header", remote: "203.0.113.9:1", xff: "1.2.3.4", want: "203.0.113.9"},
		{name: "trusted proxy", remote: "10.0.0.2:1", xff: "198.51.100.7", want: "198.51.100.7"},
		{name: "spoofed left-most entry", remote: "10.0.0.2:1", xff: "1.1.1.1, 198.51.100.7, 10.0.0.3", want: "198.51.100.7"},
		{name: "garbage entry", remote: "10.0.0.2:1", xff: "not-an-ip", want: "10.0.0.2"},
		{name: "no header", remote: "10.0.0.2:1", want: "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			assert.Equal(t, tt.want, x.addr(r))
		})
	}
}

func TestFingerprint(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	chrome := h("User-Agent", "Chrome/130", "Accept-Language", "fr-FR", "Sec-Ch-Ua-Platform", "macOS")
	a := fingerprint(chrome)
	require.True(t, strings.HasPrefix(a, "fp-"))
	withToken := chrome.Clone()
	withToken.Set("Authorization", "Bearer x")
	withToken.Set("X-Forwarded-For", "1.2.3.4")
	assert.Equal(t, a, fingerprint(withToken), "credentials and forwarding do not change the device")
	assert.NotEqual(t, a, fingerprint(h("User-Agent", "Chrome/130", "Accept-Language", "en-US", "Sec-Ch-Ua-Platform", "macOS")))
	assert.NotEqual(t, a, fingerprint(h("User-Agent", "Chrome/130", "Accept-Language", "fr-FR", "Sec-Ch-Ua-Platform", "macOS", "Dnt", "1")),
		"another header set is another client")
	assert.Empty(t, fingerprint(http.Header{}))
}

func TestBusinessFields(t *testing.T) {
	surface := scenarios.Surface{Operations: []scenarios.Operation{
		{Method: "POST", Path: "/login", Roles: []scenarios.RoleTag{{Role: scenarios.RoleLogin}},
			Params: []scenarios.Param{{Name: "mail", In: scenarios.InBody, Role: scenarios.ParamUsername}}},
		{Method: "POST", Path: "/cart/{id}/coupon", Roles: []scenarios.RoleTag{{Role: scenarios.RoleCoupon}}},
	}}
	tests := []struct {
		name, path, body         string
		username, coupon, cartID string
	}{
		{name: "login by spec field", path: "/login", body: `{"mail":"a@x","password":"p"}`, username: "a@x"},
		{name: "login fallback field", path: "/login", body: `{"username":"bob"}`, username: "bob"},
		{name: "coupon and cart", path: "/cart/7/coupon", body: `{"code":"SAVE10","cart_id":7}`, coupon: "SAVE10", cartID: "7"},
		{name: "not json", path: "/login", body: `x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.path, strings.NewReader(tt.body))
			var ev scenarios.Event
			op := &surface.Operations[0]
			if strings.Contains(tt.path, "coupon") {
				op = &surface.Operations[1]
			}
			business(r, op, &ev)
			assert.Equal(t, tt.username, ev.Username)
			assert.Equal(t, tt.coupon, ev.Coupon)
			assert.Equal(t, tt.cartID, ev.Cart)
		})
	}
}

func TestGeoHeader(t *testing.T) {
	x := newExtractor(Options{GeoHeader: "X-Geo"})
	h := http.Header{}
	h.Set("X-Geo", " 48.85,2.35 ")
	assert.Equal(t, "48.85,2.35", x.geo(h))
	none := newExtractor(Options{})
	assert.Empty(t, none.geo(h), "no header configured, no hint")
}

func TestFingerprintIgnoresCorrelationSuffix(t *testing.T) {
	a, b := http.Header{}, http.Header{}
	for i, h := range []http.Header{a, b} {
		id := []string{"c-1", "c-2"}[i]
		h.Set(scenarios.CorrelationHeader, id)
		h.Set("User-Agent", "Firefox/140 ag/"+id)
	}
	assert.Equal(t, fingerprint(a), fingerprint(b))
}

// TestCanonicalHeaderNames pins that the names the extractor indexes
// headers by directly are canonical, as net/http stores them.
func TestCanonicalHeaderNames(t *testing.T) {
	for _, k := range append(slices.Clone(fingerprintHeaders), "Authorization", scenarios.CorrelationHeader) {
		assert.Equal(t, http.CanonicalHeaderKey(k), k)
	}
}

// TestDeviceNames pins what fingerprint relies on to hash header names
// in sorted order without sorting them: deviceNames are sorted device
// headers, each with its place, and fingerprintKey places
// fingerprintHeaders' values.
func TestDeviceNames(t *testing.T) {
	assert.True(t, slices.IsSorted(deviceNames[:]))
	for i, k := range deviceNames {
		assert.True(t, deviceHeader(k), k)
		assert.Equal(t, http.CanonicalHeaderKey(k), k)
		_, name := fingerprintKey(k)
		assert.Equal(t, i, name, k)
	}
	for i, k := range fingerprintHeaders {
		value, _ := fingerprintKey(k)
		assert.Equal(t, i, value, k)
	}
	for _, k := range []string{"Authorization", "Cookie", "Sec-Ch-Ua-Arch", "X-Forwarded-For", scenarios.CorrelationHeader} {
		value, name := fingerprintKey(k)
		assert.Equal(t, [2]int{-1, -1}, [2]int{value, name}, k)
	}
}

// fingerprintReference is fingerprint as it was before the one-pass
// rewrite (a lookup per header, the correlation suffix trimmed by
// concatenation), kept to pin that device names did not change: they are
// in decisions, timelines and other replicas' stores.
func fingerprintReference(h http.Header) string {
	f := fnv64{h: fnvOffset}
	found := false
	for _, k := range fingerprintHeaders {
		v := header(h, k)
		if k == "User-Agent" {
			if id := header(h, scenarios.CorrelationHeader); id != "" {
				v = strings.TrimSuffix(v, " ag/"+id)
			}
		}
		found = found || v != ""
		f.add(v, 0)
	}
	if !found {
		return ""
	}
	var names []string
	for k := range h {
		if deviceHeader(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		f.add(k, 1)
	}
	return "fp-" + strconv.FormatUint(f.h>>16, 16)
}

func TestFingerprintUnchanged(t *testing.T) {
	pool := [][2]string{
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		{"User-Agent", "curl/8.5.0 ag/c-9"}, {"User-Agent", ""}, {"User-Agent", "ag/c-9"},
		{scenarios.CorrelationHeader, "c-9"}, {scenarios.CorrelationHeader, ""},
		{"Accept-Language", "en-US,en;q=0.5"}, {"Accept-Encoding", "gzip, deflate"}, {"Accept", "*/*"},
		{"Sec-Ch-Ua", `"Chromium";v="130"`}, {"Sec-Ch-Ua-Platform", "Linux"}, {"Sec-Ch-Ua-Mobile", "?0"},
		{"Sec-Fetch-Mode", "cors"}, {"Sec-Ch-Ua-Arch", "x86"}, {"Dnt", "1"}, {"Te", "trailers"},
		{"Sec-Fetch-Dest", "empty"}, {"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-User", "?1"},
		{"Sec-Ch-Ua-Full-Version-List", `"Chromium";v="130.0.1"`}, {"Sec-Ch-Prefers-Color-Scheme", "dark"},
		{"Sec-Fetch-Storage-Access", "none"}, {"Sec-Ch-Ua-Model", `""`}, {"Sec-Ch-Ua-Wow64", "?0"},
		{"Connection", "keep-alive"}, {"Priority", "u=1"}, {"Upgrade-Insecure-Requests", "1"},
		{"Authorization", "Bearer x"}, {"X-Forwarded-For", "1.2.3.4"}, {"user-agent", "not canonical"},
		{"Cookie", "sid=1"}, {"Content-Type", "application/json"}, {"Referer", "/"},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	devices := newDeviceCache()
	for i := range 5000 {
		h := http.Header{}
		for range rng.IntN(16) {
			kv := pool[rng.IntN(len(pool))]
			h[kv[0]] = append(h[kv[0]], kv[1])
		}
		if i%7 == 0 {
			h["Accept"] = []string{} // present without a value
		}
		if i%11 == 0 {
			h["Authorization"] = []string{}
		}
		require.Equal(t, fingerprintReference(h), fingerprint(h), "headers %v", h)
		require.Equal(t, fingerprintReference(h), fingerprint(h), "a cached name is the same, headers %v", h)
		for _, what := range []string{"a guard's device cache", "a guard's cached device"} {
			name, corr, auth := devices.fingerprint(h)
			require.Equal(t, fingerprintReference(h), name, "%s, headers %v", what, h)
			require.Equal(t, header(h, scenarios.CorrelationHeader), corr, "%s, headers %v", what, h)
			require.Equal(t, header(h, "Authorization"), auth, "%s, headers %v", what, h)
		}
	}
}

func TestTokenCache(t *testing.T) {
	c := newTokenCache()
	toks := []string{"tok", jwt(`{"sub":"alice"}`), jwt(`{"sub":42}`), strings.Repeat("x", tokenCacheMax+1)}
	for i := range 3 * tokenCacheSlots { // more tokens than slots: collisions replace entries
		toks = append(toks, "t-"+strconv.Itoa(i))
	}
	for range 2 {
		for _, tok := range toks {
			e := c.lookup(tok)
			require.Equal(t, scenarios.TokenID(tok), e.id, tok)
			require.Equal(t, jwtSubject(tok), e.sub, tok)
		}
	}
	assert.Equal(t, "alice", c.lookup(toks[1]).sub)
	var nilCache *tokenCache
	assert.Equal(t, scenarios.TokenID("tok"), nilCache.lookup("tok").id)
}
