package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/abusegate/abusegate/oracle"
	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// BenchmarkSimulateDay runs the 24 h plan (50 slow scrapers beside 500
// shoppers, ~378k requests) end to end: plan, simulated loop through the
// guard and monitor to the shop, oracle and every report. req/s is
// simulated requests per second of wall time.
func BenchmarkSimulateDay(b *testing.B) {
	benchSimulate(b, filepath.Join("testdata", "run", "day.yaml"), "")
}

// BenchmarkSimulateHour is the same plan cut to one hour (attack included
// from 1h: the scrapers start at once with --duration stretching from 0).
func BenchmarkSimulateHour(b *testing.B) {
	benchSimulate(b, filepath.Join("testdata", "run", "day.yaml"), "2h")
}

func benchSimulate(b *testing.B, plan, duration string) {
	b.ReportAllocs()
	var reqs int
	for b.Loop() {
		dir := b.TempDir()
		args := []string{"simulate", "-c", plan, "--report-dir", dir, "--format", "json"}
		if duration != "" {
			args = append(args, "--duration", duration)
		}
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, stdio{in: bytes.NewReader(nil), out: &out, err: &errOut})
		if code != exitOK && code != exitBreach {
			b.Fatalf("exit %d: %s", code, errOut.String())
		}
		reqs = requestsOf(errOut.String())
	}
	b.ReportMetric(float64(reqs)*float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// requestsOf reads the request count from simulate's summary line.
func requestsOf(stderr string) int {
	var n int
	i := bytes.Index([]byte(stderr), []byte("abusegate simulate: "))
	if i < 0 {
		return 0
	}
	_, _ = fmt.Sscanf(stderr[i:], "abusegate simulate: %d requests", &n)
	return n
}

// BenchmarkSimulatedRequest is the simulator's own cost per request with
// the monitor in the loop: 550 paced VUs on the discrete-event loop, each
// identity from its own address and device, every request through the
// guard (enforcing) and the monitor to a target answering a small JSON
// page. The programs and the target do next to nothing, so this is the
// ceiling the plan's own programs and target divide. One op is one
// request. Sub-benchmarks say what becomes of each exchange:
//
//   - held: the recorder keeps every exchange (simulate before it
//     streamed);
//   - folded: each is folded into the oracle's tally and the report's
//     series as it completes (what verdicts and the HTML timeline need);
//   - folded+file: and written to the compact timeline file, as simulate
//     does;
//   - no-guard: folded, the target called without the guard and monitor,
//     so the difference to folded is what they cost.
func BenchmarkSimulatedRequest(b *testing.B) {
	for _, v := range []struct {
		name       string
		hold, file bool
		unguarded  bool
	}{
		{name: "held", hold: true},
		{name: "folded"},
		{name: "folded+file", file: true},
		{name: "no-guard", unguarded: true},
	} {
		b.Run(v.name, func(b *testing.B) { benchRequests(b, v.hold, v.file, v.unguarded) })
	}
}

func benchRequests(b *testing.B, hold, file, unguarded bool) {
	cmd := newSimulate(stdio{})
	cmd.SetContext(context.Background())
	lp, err := loadPlan(cmd, stdio{}, filepath.Join("testdata", "run", "day.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	clock := vu.NewSimClock(simEpoch)
	page := []byte(`{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}],"page":1}`)
	var target http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(page)
	})
	if !unguarded {
		gd, err := guard.NewMiddleware(monitor.New(lp.surface, monitor.Config{IDPrefix: "sim"}),
			guard.Options{Mode: guard.Enforce, Now: clock.Now, Surface: lp.surface})
		if err != nil {
			b.Fatal(err)
		}
		target = gd.Middleware(target)
	}
	pool := &vu.Pool{Kind: vu.Password}
	for i := range 550 {
		pool.Creds = append(pool.Creds, vu.Credential{Kind: vu.Password, Username: fmt.Sprintf("user%d", i), Password: "pw"})
	}
	load := vu.Workload{Scenario: "browse", Actor: scenarios.Benign, Identities: pool,
		Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 550, Duration: 24 * time.Hour},
		Think:    scenarios.Think{Dist: scenarios.Uniform, Min: time.Second, Max: 3 * time.Second},
		Disguise: vu.Disguise{Sources: true, Devices: vu.DefaultDevices()},
		Program:  func(int) (scenarios.Program, error) { return &browse{}, nil }}
	r := &vu.Runner{Target: lp.plan.Target.BaseURL, Handler: target, Clock: clock, MaxRequests: int64(b.N)}
	rec := &vu.Recorder{MaxInMemory: 1 << 30}
	defer rec.Close()
	var tally oracle.Tally
	var series reports.SeriesTally
	tw := &reports.TimelineWriter{Dir: b.TempDir()}
	defer tw.Close()
	if !hold {
		rec.Sink = func(x *scenarios.Exchange) {
			tally.Add(x)
			series.Add(x)
			if file {
				tw.Add(x)
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := r.Run(context.Background(), []vu.Workload{load}, rec); err != nil && !errors.Is(err, vu.ErrBudget) {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if rec.Len() != b.N {
		b.Fatalf("recorded %d exchanges, want %d", rec.Len(), b.N)
	}
}

// browse reads catalog pages and products, forever.
type browse struct{ n int }

func (p *browse) Next(*scenarios.Result) (scenarios.Step, bool) {
	p.n++
	path := "/products?page=" + strconv.Itoa(1+p.n%50)
	if p.n%2 == 0 {
		path = "/products/" + strconv.Itoa(1+p.n%200)
	}
	return scenarios.Step{Request: scenarios.Request{Method: http.MethodGet, Route: "/products", Path: path}}, true
}
