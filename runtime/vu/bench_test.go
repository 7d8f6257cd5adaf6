package vu

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// cannedTarget is a loopback server answering every request with the same
// bytes, at a fraction of net/http's server cost, so a benchmark measures
// the client.
func cannedTarget(b *testing.B) *url.URL {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Mon, 30 Nov 2026 03:00:00 GMT\r\nContent-Length: 3\r\n\r\nok\n")
	var wg sync.WaitGroup
	b.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					for {
						l, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(l) <= 2 {
							break
						}
					}
					if _, err := c.Write(answer); err != nil {
						return
					}
				}
			})
		}
	})
	return &url.URL{Scheme: "http", Host: ln.Addr().String()}
}

// BenchmarkRequestLoop is the engine's hot loop: VUs sending GETs as fast
// as they can to a loopback target, every exchange recorded. One op is one
// request (the run's budget is b.N), so ns/op and allocs/op are per request.
func BenchmarkRequestLoop(b *testing.B) {
	u := cannedTarget(b)
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

// BenchmarkSimulatedLoop is the engine's in-process path on the simulated
// clock, as simulate runs it without a guard: 550 paced VUs, each
// identity from its own source with a browser's headers, a Handler
// answering a small JSON page, every exchange handed to a Sink. One op
// is one request.
func BenchmarkSimulatedLoop(b *testing.B) {
	page := []byte(`{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}],"page":1}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(page)
	})
	pool := &Pool{Kind: Password}
	for i := range 550 {
		pool.Creds = append(pool.Creds, Credential{Kind: Password, Username: "user" + strconv.Itoa(i), Password: "pw"})
	}
	load := Workload{Scenario: "browse", Identities: pool,
		Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 550, Duration: 24 * time.Hour},
		Think:    scenarios.Think{Dist: scenarios.Uniform, Min: time.Second, Max: 3 * time.Second},
		Disguise: Disguise{Sources: true, Devices: DefaultDevices()},
		Program:  func(int) (scenarios.Program, error) { return &paced{n: -1}, nil }}
	r := &Runner{Target: &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}, Handler: h, Clock: NewSimClock(epoch), MaxRequests: int64(b.N)}
	served := 0
	rec := &Recorder{Sink: func(x *scenarios.Exchange) {
		if x.Status < 400 {
			served++
		}
	}}
	b.ReportAllocs()
	b.ResetTimer()
	if err := r.Run(b.Context(), []Workload{load}, rec); err != nil && !errors.Is(err, ErrBudget) {
		b.Fatal(err)
	}
	if served != b.N {
		b.Fatalf("served %d of %d", served, b.N)
	}
}
