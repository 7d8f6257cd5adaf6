package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
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
