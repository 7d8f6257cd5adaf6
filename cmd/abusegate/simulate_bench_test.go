package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
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
// request; served% is the share the target answered (the rest the guard
// refused). Sub-benchmarks say what the VUs do and what becomes of each
// exchange:
//
//   - held: the VUs page through the whole catalog day-long, so the
//     monitor soon takes them for scrapers and most requests are refused
//     by the guard (contained abusers who keep sending); the recorder
//     keeps every exchange (simulate before it streamed);
//   - folded: the same traffic, each exchange folded into the oracle's
//     tally and the report's series as it completes (what verdicts and
//     the HTML timeline need);
//   - folded+file: and written to the compact timeline file, as simulate
//     does;
//   - served: folded+file, the VUs shopping (a few catalog pages and
//     products each, so nobody is contained): the guard and monitor
//     score every request and the target answers nearly all of them;
//   - no-guard: folded, the target called without the guard and monitor,
//     so the difference to folded is what they cost.
func BenchmarkSimulatedRequest(b *testing.B) {
	for _, v := range []struct {
		name       string
		hold, file bool
		unguarded  bool
		shop       bool
	}{
		{name: "held", hold: true},
		{name: "folded"},
		{name: "folded+file", file: true},
		{name: "served", file: true, shop: true},
		{name: "no-guard", unguarded: true},
	} {
		b.Run(v.name, func(b *testing.B) { benchRequests(b, v.hold, v.file, v.unguarded, v.shop) })
	}
}

func benchRequests(b *testing.B, hold, file, unguarded, shop bool) {
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
	if shop {
		target = catalogTarget()
	}
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
		Program: func(int) (scenarios.Program, error) {
			if shop {
				return &reader{pages: 3, products: 7}, nil
			}
			return &reader{pages: 50, products: 200}, nil
		}}
	if shop {
		// One device per shopper: the default devices' crowd would share
		// a handful of fingerprints whose summed rate the device rules
		// throttle.
		load.Disguise.Devices, load.Disguise.OwnDevices = ownDevices(len(pool.Creds)), true
	}
	r := &vu.Runner{Target: lp.plan.Target.BaseURL, Handler: target, Clock: clock, MaxRequests: int64(b.N)}
	rec := &vu.Recorder{MaxInMemory: 1 << 30}
	defer rec.Close()
	var tally oracle.Tally
	var series reports.SeriesTally
	served := 0
	tw := &reports.TimelineWriter{Dir: b.TempDir()}
	defer tw.Close()
	if !hold {
		rec.Sink = func(x *scenarios.Exchange) {
			if x.Status < 400 {
				served++
			}
			tally.Add(x)
			series.Add(x)
			if file {
				tw.Add(x)
			}
		}
	}
	defer simulationGC()() // as simulate runs
	b.ReportAllocs()
	b.ResetTimer()
	if err := r.Run(context.Background(), []vu.Workload{load}, rec); err != nil && !errors.Is(err, vu.ErrBudget) {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if !hold {
		b.ReportMetric(100*float64(served)/float64(b.N), "served%")
	}
	if rec.Len() != b.N {
		b.Fatalf("recorded %d exchanges, want %d", rec.Len(), b.N)
	}
}

// reader reads catalog pages and products in turn, forever, cycling
// through its first pages and products: 50 and 200 page through the
// catalog day-long (a scraper to the monitor); 3 and 7 are a returning
// customer's first pages and a handful of products, nothing a detector
// should contain.
type reader struct{ n, pages, products int }

func (p *reader) Next(*scenarios.Result) (scenarios.Step, bool) {
	p.n++
	path := "/products?page=" + strconv.Itoa(1+p.n%p.pages)
	if p.n%2 == 0 {
		path = "/products/" + strconv.Itoa(1+p.n%p.products)
	}
	return scenarios.Step{Request: scenarios.Request{Method: http.MethodGet, Route: "/products", Path: path}}, true
}

// ownDevices is n devices, the default ones with a build number of their
// own in the User-Agent.
func ownDevices(n int) []vu.Device {
	base := vu.DefaultDevices()
	out := make([]vu.Device, n)
	for k := range out {
		d := base[k%len(base)]
		d.Name = d.Name + "-" + strconv.Itoa(k)
		d.UserAgent = d.UserAgent + " build/" + strconv.Itoa(k)
		out[k] = d
	}
	return out
}

// catalogTarget answers a 20,000-item catalog 20 items a page, and its
// products one at a time, from bodies made once.
func catalogTarget() http.Handler {
	const pages = 1000
	var bodies [][]byte
	for p := 1; p <= pages; p++ {
		b := []byte(`{"items":[`)
		for i := range 20 {
			if i > 0 {
				b = append(b, ',')
			}
			b = fmt.Appendf(b, `{"id":%d,"name":"item %d"}`, (p-1)*20+i+1, (p-1)*20+i+1)
		}
		bodies = append(bodies, fmt.Appendf(b, `],"page":%d}`, p))
	}
	empty := []byte(`{"items":[]}`)
	item := []byte(`{"id":7,"name":"item 7"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/products" {
			_, _ = w.Write(item)
			return
		}
		// The page number read straight off the query: url.Query's map
		// cost the stand-in a twentieth of the whole request.
		q := r.URL.RawQuery
		if i := strings.Index(q, "page="); i >= 0 && (i == 0 || q[i-1] == '&') {
			q = q[i+len("page="):]
		}
		if i := strings.IndexByte(q, '&'); i >= 0 {
			q = q[:i]
		}
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > pages {
			_, _ = w.Write(empty)
			return
		}
		_, _ = w.Write(bodies[n-1])
	})
}
