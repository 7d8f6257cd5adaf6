package guard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/runtime/monitor"
)

// BenchmarkGuardOverhead serves one object read through the guard in each
// mode, the upstream a real local server, so the modes can be compared.
func BenchmarkGuardOverhead(b *testing.B) {
	for _, mode := range []Mode{Off, Observe, Enforce} {
		b.Run(mode.String(), func(b *testing.B) {
			r := newRig(b, mode)
			b.ReportAllocs()
			for b.Loop() {
				r.clock.Advance(time.Second)
				req := httptest.NewRequest("GET", "/users/7", nil)
				req.Header.Set("Authorization", "Bearer tok")
				w := httptest.NewRecorder()
				r.guard.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkMiddleware is the guard's own cost per request, without a
// network or a proxy: the middleware in each mode around a handler that
// answers 24 bytes, the request shaped like a browser's (user agent, accept
// headers, a bearer token). Its ns/op over Off's is what the guard adds to
// any proxy's per-request cost.
func BenchmarkMiddleware(b *testing.B) {
	body := []byte(`{"id":7,"name":"widget"}`)
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	req := httptest.NewRequest("GET", "/users/7", nil)
	req.RemoteAddr = "127.0.0.1:50000"
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", "en-US,en;q=0.5")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	for _, mode := range []Mode{Off, Observe, Enforce} {
		b.Run(mode.String(), func(b *testing.B) {
			clock := newFakeClock()
			g, err := NewMiddleware(monitor.New(shopSurface(), monitor.Config{}), Options{Mode: mode, Now: clock.Now})
			require.NoError(b, err)
			h := g.Middleware(next)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clock.Advance(time.Second)
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// counts the guard's allocations, not a recorder's.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
