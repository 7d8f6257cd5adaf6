package monitor

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// TestSameEventsSameDecisions feeds every case's events, and a catalog
// crawl whose coverage sketch depends on the hashes of its pages, to two
// monitors built alike: a simulated run must be byte-identical for a seed,
// so their decisions (ids, times, scores, reasons) must be equal. A
// monitor seeding its hashes at random estimates the crawl's coverage
// differently from one run to the next.
func TestSameEventsSameDecisions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*", "events.jsonl"))
	require.NoError(t, err)
	var reqs []request
	for _, f := range files {
		reqs = append(reqs, readRequests(t, f)...)
	}
	for _, ev := range crawl(600) {
		reqs = append(reqs, request{evs: []scenarios.Event{ev}})
	}
	run := func(cfg Config) []scenarios.Decision {
		m := New(shopSurface(), cfg)
		var out []scenarios.Decision
		for _, r := range reqs {
			out = append(out, replay(m, r)...)
		}
		return out
	}
	a := run(Config{})
	require.NotEmpty(t, a)
	assert.Equal(t, a, run(Config{}), "the default seed is fixed")
	assert.Equal(t, run(Config{Seed: 7}), run(Config{Seed: 7}), "an injected seed is used")

	// The crawl's finding depends on the seed: without a fixed one, runs
	// would differ.
	differ := false
	for s := uint64(1); s < 8 && !differ; s++ {
		differ = fmt.Sprint(run(Config{Seed: s})) != fmt.Sprint(run(Config{Seed: s + 100}))
	}
	assert.True(t, differ, "the seed reaches the coverage sketch")
}

// crawl is one identity paging the catalog n pages deep at human-looking
// intervals over an hour: its coverage is a linear-counting estimate over
// the pages' hashes.
func crawl(n int) []scenarios.Event {
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	var out []scenarios.Event
	at := t0
	for i := range n {
		at = at.Add(time.Duration(r.ExpFloat64() * float64(5*time.Second)))
		out = append(out, scenarios.Event{Time: at, Method: "GET", Path: fmt.Sprintf("/products?page=%d", i+1), Status: 200,
			Identity: "crawler", TokenID: "tok-crawler", Addr: "10.7.0.1", Fingerprint: "fp-crawl"})
	}
	return out
}
