// Command vubench drives the VU engine for bench/vu-bench.sh: as many
// requests as c VUs can send for a duration (throughput), or n paced VUs
// each sending one request every period (memory). It prints one line of
// figures; the timeline is recorded as in a real run (spilling to disk).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

type loop struct{ first time.Duration }

func (l *loop) Next(*scenarios.Result) (scenarios.Step, bool) {
	w := l.first
	l.first = 0
	return scenarios.Step{Wait: w, Request: scenarios.Request{Method: http.MethodGet, Path: "/"}}, true
}

type paced struct {
	first, every time.Duration
	n            int
}

func (p *paced) Next(*scenarios.Result) (scenarios.Step, bool) {
	w := p.every
	if p.n == 0 {
		w = p.first
	}
	p.n++
	return scenarios.Step{Wait: w, Request: scenarios.Request{Method: http.MethodGet, Path: "/"}}, true
}

func main() {
	target := flag.String("url", "http://127.0.0.1:8099/", "target URL (loopback)")
	mode := flag.String("mode", "throughput", "throughput or paced")
	vus := flag.Int("vus", 50, "VUs (connections in throughput mode)")
	d := flag.Duration("d", 10*time.Second, "duration")
	every := flag.Duration("every", 10*time.Second, "paced: one request per VU every")
	client := flag.String("client", "auto", "auto (the lean HTTP/1.1 client for http://) or net/http")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	u, err := url.Parse(*target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vubench:", err)
		os.Exit(2)
	}
	w := vu.Workload{Scenario: *mode, Actor: scenarios.Benign,
		Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: *vus, Duration: *d}}
	n := *vus
	switch *mode {
	case "throughput":
		w.Program = func(int) (scenarios.Program, error) { return &loop{}, nil }
	case "paced":
		w.Program = func(i int) (scenarios.Program, error) {
			return &paced{first: time.Duration(i) * *every / time.Duration(n), every: *every}, nil
		}
	default:
		fmt.Fprintln(os.Stderr, "vubench: -mode throughput or paced")
		os.Exit(2)
	}
	r := &vu.Runner{Target: u, MaxRequests: 1 << 40, Workers: max(n, 64), IdleConnTimeout: 90 * time.Second}
	if *client == "net/http" {
		r.HTTP = vu.NetHTTP
	}
	if *mode == "paced" {
		r.Workers = 256
	}
	rec := &vu.Recorder{}
	defer rec.Close()
	start := time.Now()
	if err := r.Run(context.Background(), []vu.Workload{w}, rec); err != nil {
		fmt.Fprintln(os.Stderr, "vubench:", err)
	}
	el := time.Since(start)
	errs := map[string]int{}
	_ = rec.Each(func(e scenarios.Exchange) error {
		if e.Err != "" && len(errs) < 5 {
			errs[e.Err]++
		}
		return nil
	})
	for e, k := range errs {
		fmt.Fprintf(os.Stderr, "vubench: %d× %s\n", k, e)
	}
	st := r.Stats()[0]
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("abusegate client=%s mode=%s vus=%d requests=%d ok=%d errors=%d rps=%.0f peak_rss_mb=%.1f heap_sys_mb=%.1f\n",
		r.HTTP, *mode, n, st.Requests, st.Success, st.Errors+st.Failed, float64(st.Requests)/el.Seconds(), peakRSS(), float64(ms.HeapSys)/(1<<20))
}

// peakRSS reads VmHWM, the process's peak resident set, in MB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}
