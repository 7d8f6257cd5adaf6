package monitor

import (
	"fmt"
	"runtime"
	"strings"
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

// BenchmarkGuardedRequest is the monitor's share of one request through
// the guard, as BenchmarkSimulatedRequest's VUs send them: 550 clients
// reading the first catalog pages and a few products, each from its own
// address (a device shared by 20 of them), nobody contained (it reports
// decisions/op). Each request is looked up (Identity, Router.Match,
// InspectsBeforeServing), inspected before serving when it carries a
// query (InspectRequest) and observed once answered (Observe). The
// anonymous clients are scored by address, as the simulation's browsers
// are; the identified ones bear a token learnt for an account; the
// refused ones are the anonymous clients answered 403, as the guard
// observes the requests it refuses (most of the simulation's). It reports
// CPU-ns/op, steadier than wall time on a shared machine.
func BenchmarkGuardedRequest(b *testing.B) {
	for _, v := range []struct {
		name   string
		tokens bool
		status int
	}{{"anonymous", false, 200}, {"identified", true, 200}, {"refused", false, 403}} {
		b.Run(v.name, func(b *testing.B) { benchGuarded(b, v.tokens, v.status) })
	}
}

func benchGuarded(b *testing.B, tokens bool, status int) {
	const clients = 550
	m := New(shopSurface(), Config{IDPrefix: "sim"})
	var evs []scenarios.Event
	for n := range 40 {
		for i := range clients {
			path := fmt.Sprintf("/products?page=%d", 1+(n+i)%3)
			if (n+i)%2 == 0 {
				path = fmt.Sprintf("/products/%d", 1+(n*7+i)%20)
			}
			ev := scenarios.Event{Method: "GET", Path: path, Status: status,
				Addr: fmt.Sprintf("10.1.%d.%d", i>>8, i&255), Fingerprint: fmt.Sprintf("fp-%d", i%20)}
			if tokens {
				ev.TokenID = fmt.Sprintf("tok-%06d", i)
			}
			evs = append(evs, ev)
		}
	}
	for i := range clients {
		m.Learn(fmt.Sprintf("tok-%06d", i), fmt.Sprintf("user%d", i))
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	i, decisions := 0, 0
	for b.Loop() {
		ev := evs[i%len(evs)]
		now = now.Add(2 * time.Millisecond)
		ev.Time = now
		ev.Identity = m.Identity(ev.TokenID)
		mt, _ := m.Router().Match(ev.Method, ev.Path)
		if mt.Op != nil && (strings.IndexByte(ev.Path, '?') >= 0 || m.InspectsBeforeServing(mt.Op)) {
			decisions += len(m.InspectRequest(ev))
		}
		decisions += len(m.Observe(ev))
		i++
	}
	b.ReportMetric(float64(decisions)/float64(b.N), "decisions/op")
	if cpu1, ok := processCPU(); ok && cpuOK && cpu1 > cpu0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "CPU-ns/op")
	}
}
