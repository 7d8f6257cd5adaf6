package monitor

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// benchEvents is a benign-shaped stream over n identities, each with its
// own token, address and device: profile reads, catalog pages, product
// and user objects.
func benchEvents(n int) []scenarios.Event {
	paths := []string{"/users/me", "/products?page=3", "/products/42", "/users/7", "/users/me/orders"}
	evs := make([]scenarios.Event, 0, n*len(paths))
	for p := range paths {
		for i := range n {
			evs = append(evs, scenarios.Event{
				Method: "GET", Path: paths[(p+i)%len(paths)], Status: 200,
				Identity: fmt.Sprintf("user-%06d", i), TokenID: fmt.Sprintf("tok-%06d", i),
				Addr: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), Fingerprint: fmt.Sprintf("fp-%d", i%5000),
			})
		}
	}
	return evs
}

// BenchmarkObserve100k is the monitor's hot path with 100,000 live
// identities: every detector, the risk profile and the policy. It reports
// events/s and the heap each identity costs once its state is warm.
func BenchmarkObserve100k(b *testing.B) {
	const identities = 100_000
	evs := benchEvents(identities)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := New(shopSurface(), Config{})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range evs { // warm every identity's state
		evs[i].Time = t0.Add(time.Duration(i) * 10 * time.Microsecond)
		m.Observe(evs[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perIdentity := float64(after.HeapAlloc-before.HeapAlloc) / identities
	now := evs[len(evs)-1].Time
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	i := 0
	for b.Loop() {
		ev := &evs[i%len(evs)]
		now = now.Add(10 * time.Microsecond)
		ev.Time = now
		m.Observe(*ev)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// The same per CPU-second of the process: on a shared machine, wall
	// time includes the time other processes held the core.
	if cpu1, ok := processCPU(); ok && cpuOK && cpu1 > cpu0 {
		b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "events/CPU-s")
	}
	b.ReportMetric(perIdentity, "B/identity")
}
