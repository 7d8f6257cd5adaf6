package guard

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// checkoutSurface is shopSurface with a checkout whose spec requires the
// add-to-cart before it, and a sign-up.
func checkoutSurface() scenarios.Surface {
	s := shopSurface()
	s.Operations = append(s.Operations,
		scenarios.Operation{Method: "POST", Path: "/checkout", Auth: true, Roles: []scenarios.RoleTag{{Role: scenarios.RoleCheckout}},
			Rules: scenarios.Rules{RequiresPrevious: []string{"POST /cart/items"}}},
		scenarios.Operation{Method: "POST", Path: "/signup", Roles: []scenarios.RoleTag{{Role: scenarios.RoleSignup}}})
	return s
}

// The guard inspects a plain POST that the monitor checks before serving
// (no query, no units): an out-of-order checkout and a sign-up past its
// address's limit never reach the handler; a checkout after its cart does.
func TestGuardRefusesBeforeServing(t *testing.T) {
	clock := newFakeClock()
	g, err := NewMiddleware(monitor.New(checkoutSurface(), monitor.Config{}), Options{Mode: Enforce, Now: clock.Now})
	require.NoError(t, err)
	served := map[string]int{}
	h := g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served[r.URL.Path]++
		_, _ = w.Write([]byte(`{}`))
	}))
	send := func(path, token, addr string) int {
		clock.Advance(time.Second)
		r := httptest.NewRequest("POST", path, strings.NewReader(`{}`))
		r.RemoteAddr = addr + ":40000"
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	assert.Equal(t, http.StatusOK, send("/cart/items", "tok-buyer", "10.0.0.1"))
	assert.Equal(t, http.StatusOK, send("/checkout", "tok-buyer", "10.0.0.1"), "a checkout after its cart")
	assert.Equal(t, http.StatusUnauthorized, send("/checkout", "tok-skipper", "10.0.0.2"), "a checkout without a cart is challenged")
	assert.Equal(t, 1, served["/checkout"], "the refused checkout never reached the target")

	limit := monitor.DefaultPolicy().Signup.Address
	for i := range limit {
		require.Equal(t, http.StatusOK, send("/signup", "", "10.0.0.3"), "sign-up %d", i)
	}
	assert.Equal(t, http.StatusForbidden, send("/signup", "", "10.0.0.3"), "past the address's limit")
	assert.Equal(t, limit, served["/signup"])
	assert.Equal(t, http.StatusOK, send("/signup", "", "10.0.1.3"), "another network signs up")
}

// BenchmarkMiddlewareBeforeServing is the enforcing guard on requests the
// monitor inspects before serving, beside a plain object read: a checkout
// after its cart (the flow check passes), and a sign-up the target
// refuses (inspected, never counted, so it never reaches the limit).
func BenchmarkMiddlewareBeforeServing(b *testing.B) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/signup" {
			w.WriteHeader(http.StatusConflict)
		}
		_, _ = w.Write([]byte(`{"id":7}`))
	})
	request := func(method, path string) *http.Request {
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = "127.0.0.1:50000"
		r.Header.Set("Authorization", "Bearer tok")
		r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
		r.Header.Set("Accept", "application/json")
		return r
	}
	for _, tt := range []struct{ name, method, path string }{
		{"read", "GET", "/users/7"},
		{"checkout", "POST", "/checkout"},
		{"signup", "POST", "/signup"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			clock := newFakeClock()
			g, err := NewMiddleware(monitor.New(checkoutSurface(), monitor.Config{}), Options{Mode: Enforce, Now: clock.Now})
			require.NoError(b, err)
			h := g.Middleware(next)
			w := &discardWriter{h: http.Header{}}
			h.ServeHTTP(w, request("POST", "/cart/items"))
			req := request(tt.method, tt.path)
			b.ReportAllocs()
			for b.Loop() {
				clock.Advance(time.Second)
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
}
