package scraping_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/scraping"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// bigCatalog is large enough that the scrape outlasts the scraping
// detector's threshold: 1,000 pages of 20.
const bigCatalog = 20_000

func scrape(t *testing.T, tg *kindtest.Target) (scenarios.Scenario, kindtest.Result) {
	t.Helper()
	sc := tg.Generate(t, scraping.New(), generators.Options{Attackers: tg.Identities(20, 10)}, "scraping-get-products")
	sc.Params["pages"] = "1000"
	sc.Think = scenarios.ConstantThink(0)
	return sc, tg.Run(t, scraping.New(), sc, 20*time.Second, 1500)
}

// Behind the guard the ten scrapers rotate devices and X-Forwarded-For,
// but the guard trusts no proxy, so they all read from one peer address;
// the catalog is public, so that address is the subject. The scraping
// detector counts the distinct catalog items it read, a collection page
// being one item, and blocks it at Scraping.Distinct. The pages served are
// that threshold (its linear-counting sketch may under-count by a few per
// cent) plus the VUs' pages in flight, each of page size items: well under
// half of the 20,000 items harvested unguarded.
func TestGuardedScrapeIsBounded(t *testing.T) {
	distinct := monitor.DefaultPolicy().Scraping.Distinct
	_, open := scrape(t, kindtest.Shop(t, demoshop.Options{Seed: 1, Products: bigCatalog}))
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1, Products: bigCatalog}, monitor.Config{})
	sc, res := scrape(t, tg)

	require.Equal(t, bigCatalog, open.Leak, "unguarded, every item is harvested")
	size := 20
	require.Equal(t, "20", sc.Params["size"])
	require.Positive(t, res.Leak, "the attack must get started before it is contained")
	assert.Positive(t, res.Denied)
	served := res.Abusive - res.Denied
	assert.LessOrEqual(t, served, distinct+distinct/20+sc.Schedule.VUs)
	assert.LessOrEqual(t, res.Leak, served*size)
	assert.Less(t, res.Leak, open.Leak/2)
	by := tg.ByDetector()
	assert.Positive(t, by[monitor.ScrapingName], "decisions: %v", by)
	// The scraping block came first; the rate detector may throttle the
	// address afterwards, counting the refused requests that kept coming.
	require.NotEmpty(t, tg.Guard.Decisions())
	first := tg.Guard.Decisions()[0]
	for _, d := range tg.Guard.Decisions() {
		if d.Time.Before(first.Time) {
			first = d
		}
	}
	assert.Equal(t, monitor.ScrapingName, first.Detector, "decisions: %s", tg.DecisionSummary())
}

// The generated scenario on the 600-item catalog (30 pages of 20), as it
// really goes: a detection gap, asserted as it stands so that a detector
// that closes it fails this test and is noticed. Ten scrapers fetch three
// or four pages each, then one past the end.
//   - From one peer address (the guard trusts no X-Forwarded-For, so the
//     rotated addresses are one): 40 page reads, no decision. The scraping
//     detector counts distinct pages per subject (400), and 40 is far
//     under it; the sweep needs several clients.
//   - From ten peer addresses (Disguise.Sources, as the demo runs
//     attackers): the sweep detector blocks all ten, but only once a run
//     of 32 consecutive pages each read once is complete, and the catalog
//     is 30: the run's last pages are past the end, so every catalog page
//     had been let through by then (served, or in flight and served just
//     after the decision).
//
// Either way the whole catalog is harvested.
func TestGuardedSmallCatalogIsHarvestedBeforeContainment(t *testing.T) {
	const catalog = 600
	pol := monitor.DefaultPolicy()
	tests := []struct {
		name    string
		sources bool
		check   func(t *testing.T, tg *kindtest.Target)
	}{
		{"one peer address", false, func(t *testing.T, tg *kindtest.Target) {
			assert.Empty(t, tg.Guard.Decisions(), "no detector saw it: %s", tg.DecisionSummary())
		}},
		{"ten peer addresses", true, func(t *testing.T, tg *kindtest.Target) {
			by := tg.ByDetector()
			require.Positive(t, by[monitor.SweepName], "decisions: %s", tg.DecisionSummary())
			assert.Len(t, by, 1, "the sweep alone decided: %s", tg.DecisionSummary())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := kindtest.Guarded(t, demoshop.Options{Seed: 1, Products: catalog}, monitor.Config{})
			k := scraping.New()
			sc := tg.Generate(t, k, generators.Options{Attackers: tg.Identities(20, 10)}, "scraping-get-products")
			require.Equal(t, "20", sc.Params["size"])
			require.Less(t, catalog/20, pol.Sweep.Run, "the catalog is shorter than the sweep's run")
			w := vu.Workload{
				Scenario: sc.ID, Actor: scenarios.Attacker, VUs: sc.Schedule.VUs, Duration: 20 * time.Second, Seed: 1,
				Disguise: vu.Disguise{Sources: tt.sources},
				Program: func(i int) (scenarios.Program, error) {
					return k.Program(sc, generators.Env{VU: i, Seed: 1})
				},
			}
			var rec vu.Recorder
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.NoError(t, (&vu.Runner{Target: tg.URL, MaxRequests: 1000}).Run(ctx, []vu.Workload{w}, &rec))

			leak, reads, denied := 0, 0, 0
			for _, ex := range rec.Exchanges() {
				if !ex.Abusive {
					continue
				}
				reads++
				leak += ex.Leak
				if ex.Outcome == scenarios.OutcomeDenied {
					denied++
				}
			}
			t.Logf("%s: %d of %d items in %d page reads, %d denied; decisions %v", tt.name, leak, catalog, reads, denied, tg.ByDetector())
			assert.Equal(t, catalog, leak, "the whole catalog is harvested")
			tt.check(t, tg)
		})
	}
}
