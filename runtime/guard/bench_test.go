package guard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
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
