package monitor

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// TestSweepSimulatedDay feeds a day of synthetic catalog traffic through
// Observe, timestamps only: 500 logged-in shoppers reading a random page
// of the first 50 every 1-3 minutes, and from the first hour on 50 scraper
// accounts that each read a page every 2-6 minutes, partitioned so no page
// repeats, wearing another address and device on every request (the shape
// of cmd/abusegate/testdata/run/day.yaml). The sweep must be found and its
// accounts contained, and no shopper touched.
func TestSweepSimulatedDay(t *testing.T) {
	for _, pages := range []int{100, 400} {
		t.Run(fmt.Sprintf("%d-pages", pages), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(6, uint64(pages)))
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			var evs []scenarios.Event
			at := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
			for k := range 500 {
				u := fmt.Sprintf("shopper%03d", k)
				for sec := rng.Float64() * 180; sec < 24*3600; sec += 60 + rng.Float64()*120 {
					evs = append(evs, scenarios.Event{Time: at(sec), Method: "GET", Status: 200,
						Path: fmt.Sprintf("/products?page=%d&limit=20", 1+rng.IntN(50)), Identity: u, TokenID: "tok-" + u,
						Addr: fmt.Sprintf("10.0.%d.%d", k/250, 1+k%250), Fingerprint: fmt.Sprintf("fp-browser-%d", k%7)})
				}
			}
			const sweepStart = 3600.0
			for i := range 50 {
				u := fmt.Sprintf("scraper%02d", i)
				sec := sweepStart + rng.Float64()*60
				for p := i + 1; p <= pages; p += 50 {
					evs = append(evs, scenarios.Event{Time: at(sec), Method: "GET", Status: 200,
						Path: fmt.Sprintf("/products?page=%d&limit=20", p), Identity: u, TokenID: "tok-" + u,
						Addr: fmt.Sprintf("127.0.%d.%d", rng.IntN(256), 1+rng.IntN(254)), Fingerprint: fmt.Sprintf("fp-%08x", rng.Uint32())})
					sec += 120 + rng.Float64()*240
				}
			}
			slices.SortStableFunc(evs, func(a, b scenarios.Event) int { return a.Time.Compare(b.Time) })
			require.Less(t, len(evs), 400_000, "the day stays bounded")

			m := New(shopSurface(), Config{})
			var first time.Time
			contained := map[string]bool{}
			for _, ev := range evs {
				for _, d := range m.Observe(ev) {
					// Scrapers rotating devices under one token are reuse too.
					require.True(t, strings.Contains(d.Subject.Value, "scraper"), "a shopper was named: %s (%s)", d.Subject, d.Reason)
					if d.Detector != SweepName {
						continue
					}
					assert.Equal(t, scenarios.ActionBlock, d.Action)
					if first.IsZero() {
						first = d.Time
					}
					contained[d.Subject.Value] = true
				}
			}
			require.False(t, first.IsZero(), "the sweep was never found")
			ttd := first.Sub(at(sweepStart))
			t.Logf("%d events, %d pages: sweep found %s after it began, %d of 50 scrapers contained, 0 shoppers", len(evs), pages, ttd, len(contained))
			assert.Less(t, ttd, 30*time.Minute)
			assert.GreaterOrEqual(t, len(contained), 25)
		})
	}
}

// TestSweepObserveDoesNotAllocate: a catalog read that finds nothing costs
// no allocation, sweep state included.
func TestSweepObserveDoesNotAllocate(t *testing.T) {
	m := New(shopSurface(), Config{})
	ev := scenarios.Event{Method: "GET", Path: "/products?page=3&limit=20", Status: 200, Identity: "u", TokenID: "t", Addr: "10.0.0.1", Fingerprint: "fp"}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		i++
		ev.Time = start.Add(time.Duration(i) * time.Second)
		m.Observe(ev)
	})
	assert.Zero(t, allocs)
}

func TestPageNumber(t *testing.T) {
	op := &scenarios.Operation{Method: "GET", Path: "/items", Params: []scenarios.Param{
		{Name: "page", In: scenarios.InQuery, Role: scenarios.ParamPage},
		{Name: "offset", In: scenarios.InQuery, Role: scenarios.ParamOffset},
		{Name: "limit", In: scenarios.InQuery, Role: scenarios.ParamPageSize},
		{Name: "cursor", In: scenarios.InQuery, Role: scenarios.ParamCursor},
	}}
	for _, c := range []struct {
		path string
		page uint32
		ok   bool
	}{
		{"/items", 0, true}, {"/items?page=7", 7, true}, {"/items?limit=20&offset=60", 3, true},
		{"/items?offset=60", 60, true}, {"/items?page=x", 0, false}, {"/items?cursor=abc", 0, false},
		{"/items?page=99999999999", 0, false},
	} {
		t.Run(c.path, func(t *testing.T) {
			p, ok := pageNumber(spanOf(op, c.path))
			assert.Equal(t, c.ok, ok)
			if c.ok {
				assert.Equal(t, c.page, p)
			}
		})
	}
}

// TestSweepEarlyInACrawl is the demo's shape (cmd/abusegate demo),
// timestamps only, over 100 seeds: 20 logged-in shoppers reading a random
// page of the first 50 every few seconds, and from the 2nd second 40
// anonymous scrapers, each on an address prefix and device of its own,
// reading pages i, i+40, ... of a 1,000-page catalog (with Bytes, so the
// catalog learns its size) every 0.2-0.6 s, refused once a decision names
// them, as the guard enforces. Early in the crawl the furthest page served
// is its own frontier, only a lower bound of the catalog's size: the run
// must stay the policy's Run (the end is never seen here), only the sweep
// may decide, and the crawl must be contained.
//
// A shopper's single read of a page the crawl left unread (its reader
// already refused, or not there yet), at the edge of the shoppers' pages,
// joins the crawl's run: before the sweep spared accounts with one or two
// page reads in the window (newcomer), it was named with the crawl in 2 of
// these 100 seeds (runs 37-80 to 49-80), each time on its first page read;
// over 1,000 seeds, 23 findings held a shopper's page, one on its second
// read. No seed
// may name a shopper now (0 of 1,000 measured).
func TestSweepEarlyInACrawl(t *testing.T) {
	const seeds = 100
	run := DefaultPolicy().Sweep.Run
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
	named := 0
	for seed := range uint64(seeds) {
		rng := rand.New(rand.NewPCG(seed, 13))
		var evs []scenarios.Event
		for k := range 20 {
			u := fmt.Sprintf("shopper%02d", k)
			for sec := rng.Float64() * 2; sec < 15; sec += 2 + rng.Float64()*6 {
				p := 1 + rng.IntN(50)
				evs = append(evs, scenarios.Event{Time: at(sec), Method: "GET", Status: 200,
					Path: fmt.Sprintf("/products?page=%d&limit=20", p), Bytes: pageBytes(p, 20, 20_000),
					Identity: u, TokenID: "tok-" + u, Addr: fmt.Sprintf("127.0.%d.2", 1+k), Fingerprint: fmt.Sprintf("fp-shopper-%d", k)})
			}
		}
		for i := range 40 {
			sec := 2 + rng.Float64()*0.1
			for p := i + 1; p <= 1000 && sec < 15; p += 40 {
				evs = append(evs, scenarios.Event{Time: at(sec), Method: "GET", Status: 200,
					Path: fmt.Sprintf("/products?page=%d&limit=20", p), Bytes: pageBytes(p, 20, 20_000),
					Addr: fmt.Sprintf("127.0.%d.2", 37+i), Fingerprint: fmt.Sprintf("fp-scraper-%d", i)})
				sec += 0.2 + rng.Float64()*0.4
			}
		}
		slices.SortStableFunc(evs, func(a, b scenarios.Event) int { return a.Time.Compare(b.Time) })

		m := New(shopSurface(), Config{})
		refused := map[scenarios.Subject]bool{}
		shopper := false
		for _, ev := range evs {
			if s, _ := scoredAs(&ev); refused[s] {
				ev.Status, ev.Bytes = 403, 40
			}
			for _, d := range m.Observe(ev) {
				require.Equal(t, SweepName, d.Detector, "seed %d: %s %s: %s", seed, d.Detector, d.Subject, d.Reason)
				if d.Reason != "" {
					var clients, pages int
					_, err := fmt.Sscanf(d.Reason, "%d clients read the %d consecutive", &clients, &pages)
					require.NoError(t, err, d.Reason)
					require.GreaterOrEqual(t, pages, run, "seed %d: a run shortened before the catalog's end was seen: %s", seed, d.Reason)
				}
				if strings.HasPrefix(d.Subject.Value, "shopper") && !shopper {
					shopper = true
					t.Logf("seed %d: %s named: %s", seed, d.Subject, d.Reason)
				}
				refused[d.Subject] = true
			}
		}
		if shopper {
			named++
		}
		require.GreaterOrEqual(t, len(refused), 30, "seed %d: the crawl must be contained", seed)
	}
	t.Logf("%d of %d seeds named a shopper", named, seeds)
	assert.Zero(t, named, "shoppers named")
}

// TestSweepNamesAccountsOfOnePageEach: a crawl whose accounts read one
// page each is all newcomers, so the sweep names them all, beside shoppers
// browsing the first 50 pages; a lone account with one page read in a run
// of anonymous clients is not named, the clients are.
func TestSweepNamesAccountsOfOnePageEach(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		accounts int // the crawl's first readers that are accounts; the rest are anonymous
		named    int // accounts named at least
		spared   bool
	}{
		{"all-accounts", 40, 32, false},
		{"one-account-among-anonymous", 1, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 9))
			var evs []scenarios.Event
			for k := range 20 {
				u := fmt.Sprintf("shopper%02d", k)
				for sec := rng.Float64() * 5; sec < 60; sec += 2 + rng.Float64()*6 {
					evs = append(evs, scenarios.Event{Time: start.Add(time.Duration(sec * float64(time.Second))), Method: "GET", Status: 200,
						Path: fmt.Sprintf("/products?page=%d&limit=20", 1+rng.IntN(50)), Identity: u, TokenID: "tok-" + u, Addr: fmt.Sprintf("10.0.0.%d", 1+k), Fingerprint: "fp-" + u})
				}
			}
			for i := range 40 {
				ev := scenarios.Event{Time: start.Add(30*time.Second + time.Duration(i)*time.Second), Method: "GET", Status: 200,
					Path: fmt.Sprintf("/products?page=%d&limit=20", 51+i), Addr: fmt.Sprintf("127.0.%d.2", i), Fingerprint: fmt.Sprintf("fp-c%d", i)}
				if i < c.accounts {
					ev.Identity, ev.TokenID = fmt.Sprintf("crawl%02d", i), fmt.Sprintf("tok-crawl%02d", i)
				}
				evs = append(evs, ev)
			}
			slices.SortStableFunc(evs, func(a, b scenarios.Event) int { return a.Time.Compare(b.Time) })
			m := New(shopSurface(), Config{})
			accounts, anonymous := map[string]bool{}, map[string]bool{}
			for _, ev := range evs {
				for _, d := range m.Observe(ev) {
					require.Equal(t, SweepName, d.Detector, "%s: %s", d.Subject, d.Reason)
					require.False(t, strings.HasPrefix(d.Subject.Value, "shopper"), "%s named: %s", d.Subject, d.Reason)
					if d.Subject.Kind == scenarios.SubjectIdentity {
						accounts[d.Subject.Value] = true
					} else {
						anonymous[d.Subject.Value] = true
					}
				}
			}
			if c.spared {
				assert.Empty(t, accounts, "an account with one page read in a run of anonymous clients")
				assert.GreaterOrEqual(t, len(anonymous), 31)
				return
			}
			assert.GreaterOrEqual(t, len(accounts), c.named)
		})
	}
}
