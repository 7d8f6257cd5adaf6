package vu

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// BenchmarkRequestLoop is the engine's hot loop: VUs sending GETs as fast
// as they can to a loopback target, every exchange recorded. One op is one
// request (the run's budget is b.N), so ns/op and allocs/op are per request.
func BenchmarkRequestLoop(b *testing.B) {
	body := []byte("ok\n")
	u := target(b, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	})
	for _, vus := range []int{1, 50} {
		b.Run("vus="+strconv.Itoa(vus), func(b *testing.B) {
			b.ReportAllocs()
			load := Workload{Scenario: "loop", Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: vus, Duration: time.Hour},
				Program: func(int) (scenarios.Program, error) { return &paced{n: -1}, nil }}
			r := &Runner{Target: u, MaxRequests: int64(b.N), Workers: max(vus, 64)}
			rec := &Recorder{}
			defer rec.Close()
			b.ResetTimer()
			if err := r.Run(b.Context(), []Workload{load}, rec); err != nil && !errors.Is(err, ErrBudget) {
				b.Fatal(err)
			}
		})
	}
}
