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

// TestHashTailPacksBytes pins the hash's tail loads to the byte loop they
// replaced: every key's hash, so every table and sketch, depends on it.
func TestHashTailPacksBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 7)
	for range 2000 {
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		for n := range len(b) + 1 {
			s := string(b[:n])
			var want uint64
			for i := range len(s) {
				want |= uint64(s[i]) << (8 * i)
			}
			require.Equal(t, want, tail(s), "%q", s)
		}
	}
	// And the hash of a few keys, as the byte loop computed them.
	h := newHasher(0)
	assert.Equal(t, uint64(0), h.key(""))
	for s, want := range map[string]uint64{
		"a":                 0xdba1ac419810f051,
		"ab":                0xc30b6b753a28a2b5,
		"abc":               0xcf65f6edc6f7dffb,
		"10.0.0":            0xb95ea6ac206ee373,
		"user-42":           0x6eda65bdbd093a0d,
		"tok-000123":        0xe65d16b4cc407299,
		"fp-17":             0xef79aa43d066b603,
		"10.1.2.3":          0x5c9dfa6f27368219,
		"Mozilla/5.0 (X11)": 0x1cb8432b984e441b,
	} {
		assert.Equal(t, want, h.key(s), s)
	}
}
