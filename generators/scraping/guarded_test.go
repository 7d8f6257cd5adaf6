package scraping_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/scraping"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/guard"
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
// Scraping.CatalogShare (30%) of it, and at least Scraping.CatalogMinPages.
// Before that, absolute thresholds did not fit a 30-page catalog: one peer
// address harvested 600 of 600 items with no decision, ten addresses 600
// of 600, and at page sizes 10 and 5, or a 1,000-item catalog, 83%, 32%
// and 88%.
//   - From one peer address (the guard trusts no X-Forwarded-For, so the
//     rotated addresses are one): the scraping detector blocks it once its
//     pages hold 30% of what the catalog is known to be.
//   - From ten peer addresses of 127.0.0.0/24 (Disguise.Sources, as the
//     demo runs attackers), each on rotating devices: the prefix cluster
//     (at least eight clients, at most 10% overlap) and the sweep, its run
//     shortened to a share of the known pages.
//
// The run is simulated (vu.SimClock, the guard in process through
// Runner.Handler, its clock the simulated one), so it is the same run
// every time: in real time the VUs' requests in flight when the decision
// landed, and scheduling on a loaded machine, made the harvest vary from
// 200 to 640 of 600-1,000 items. The VUs keep the scenario's pacing
// (think 2-4 s). The bound follows from the rule: a subject is judged on
// the pages served before its decision, which hold at most
// max(share*catalog, CatalogMinPages pages) items plus one page (the one
// that crosses the share), and the catalog the monitor knows is at most one
// page longer than the real one; besides those, each of the other VUs may
// be served one page it asked for before the decision — in process no
// request is in flight, but a VU's pacing may put its next page between the
// last judged read and the decision.
func TestGuardedSmallCatalogIsBounded(t *testing.T) {
	pol := monitor.DefaultPolicy().Scraping
	tests := []struct {
		name    string
		catalog int
		size    int
		sources bool
	}{
		{"one peer address", 600, 20, false},
		{"ten peer addresses", 600, 20, true},
		{"ten peer addresses, pages of 10", 600, 10, true},
		{"ten peer addresses, pages of 5", 600, 5, true},
		{"ten peer addresses, 1000 items", 1000, 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := kindtest.Shop(t, demoshop.Options{Seed: 1, Products: tt.catalog})
			clock := vu.NewSimClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			gd, err := guard.NewMiddleware(monitor.New(tg.Surface, monitor.Config{}),
				guard.Options{Mode: guard.Enforce, Now: clock.Now, Surface: tg.Surface})
			require.NoError(t, err)
			tg.Guard = gd
			k := scraping.New()
			sc := tg.Generate(t, k, generators.Options{Attackers: tg.Identities(20, 10)}, "scraping-get-products")
			require.Equal(t, "20", sc.Params["size"])
			sc.Params["size"] = strconv.Itoa(tt.size)
			w := vu.Workload{
				Scenario: sc.ID, Actor: scenarios.Attacker, VUs: sc.Schedule.VUs, Duration: 10 * time.Minute, Seed: 1,
				Think:    sc.Think,
				Disguise: vu.Disguise{Sources: tt.sources},
				Program: func(i int) (scenarios.Program, error) {
					return k.Program(sc, generators.Env{VU: i, Seed: 1, Now: clock.Now})
				},
			}
			var rec vu.Recorder
			r := &vu.Runner{Target: tg.URL, Handler: gd.Middleware(tg.Shop), Clock: clock, MaxRequests: 1000}
			require.NoError(t, r.Run(t.Context(), []vu.Workload{w}, &rec))

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
			judged := max(int(pol.CatalogShare*float64(tt.catalog+tt.size)), pol.CatalogMinPages*tt.size) + tt.size
			bound := judged + (w.VUs-1)*tt.size
			t.Logf("%s: %d of %d items in %d page reads, %d denied (bound %d); decisions %v", tt.name, leak, tt.catalog, reads, denied, bound, tg.ByDetector())
			require.Positive(t, leak, "the scrape must get started")
			assert.Positive(t, denied, "the scrape must be contained")
			assert.LessOrEqual(t, leak, bound, "%s", tg.DecisionSummary())
			assert.Less(t, leak, tt.catalog/2, "well under half the catalog: %s", tg.DecisionSummary())
			assert.Positive(t, tg.ByDetector()[monitor.ScrapingName], "decisions: %s", tg.DecisionSummary())
		})
	}
}
