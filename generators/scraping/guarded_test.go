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

// The generated scenario on small catalogs, as it really goes: ten
// scrapers fetch pages i, i+10, ... until one comes back empty. The
// monitor learns the catalog's size from the pages it serves (their bytes:
// a page past the end is an empty envelope) and contains a reader, or the
// clients of one address prefix, whose distinct pages hold more than
// Scraping.CatalogShare (30%) of it. Before that, absolute thresholds did
// not fit a 30-page catalog: one peer address harvested 600 of 600 items
// with no decision (400 distinct pages per subject), ten addresses 600 of
// 600 (the sweep's run of 32 pages is longer than the catalog), and at
// page sizes 10 and 5, or a 1,000-item catalog, 83%, 32% and 88%.
//   - From one peer address (the guard trusts no X-Forwarded-For, so the
//     rotated addresses are one): the scraping detector blocks it once its
//     pages hold 30% of what the catalog is known to be. Its first ten
//     pages go out together (ten VUs), so about ten are served.
//   - From ten peer addresses of 127.0.0.0/24 (Disguise.Sources, as the
//     demo runs attackers), each on rotating devices: the prefix cluster
//     (at least eight clients, at most 10% overlap) and the sweep, its run
//     shortened to a share of the known pages.
//
// Either way well under half the catalog is harvested; the figures are
// logged (measured: 200 and 240 of 600 at page size 20).
func TestGuardedSmallCatalogIsBounded(t *testing.T) {
	tests := []struct {
		name    string
		catalog int
		size    string
		sources bool
	}{
		{"one peer address", 600, "20", false},
		{"ten peer addresses", 600, "20", true},
		{"ten peer addresses, pages of 10", 600, "10", true},
		{"ten peer addresses, pages of 5", 600, "5", true},
		{"ten peer addresses, 1000 items", 1000, "20", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := kindtest.Guarded(t, demoshop.Options{Seed: 1, Products: tt.catalog}, monitor.Config{})
			k := scraping.New()
			sc := tg.Generate(t, k, generators.Options{Attackers: tg.Identities(20, 10)}, "scraping-get-products")
			require.Equal(t, "20", sc.Params["size"])
			sc.Params["size"] = tt.size
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
			t.Logf("%s: %d of %d items in %d page reads, %d denied; decisions %v", tt.name, leak, tt.catalog, reads, denied, tg.ByDetector())
			require.Positive(t, leak, "the scrape must get started")
			assert.Less(t, leak, tt.catalog/2, "well under half the catalog: %s", tg.DecisionSummary())
			assert.Positive(t, tg.ByDetector()[monitor.ScrapingName], "decisions: %s", tg.DecisionSummary())
		})
	}
}
