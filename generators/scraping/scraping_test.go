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
	"github.com/abusegate/abusegate/scenarios"
)

// Ten scrapers take the whole catalog, each sending a tenth of the pages
// from ever-changing addresses and devices.
func TestUnguardedScrapesTheCatalog(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1, Products: 600})
	sc := tg.Generate(t, scraping.New(), generators.Options{Attackers: tg.Identities(20, 10)}, "scraping-get-products")
	assert.Equal(t, "page", sc.Params["style"])
	assert.Equal(t, "limit", sc.Params["size_param"])
	assert.Empty(t, sc.Params["login"], "the catalog is public")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, scraping.New(), sc, 20*time.Second, 1000)

	assert.Equal(t, tg.Shop.Products(), res.Leak, "share scraped: every item")
	perVU := map[int]int{}
	for _, ex := range res.Exchanges {
		perVU[ex.VU]++
	}
	require.Len(t, perVU, 10)
	for vu, n := range perVU {
		// 30 pages of 20 over 10 VUs, plus the empty page that tells a VU
		// the catalog has ended.
		assert.LessOrEqual(t, n, 4, "vu %d sent more than its share", vu)
	}
}

func TestPageBudgetIsShared(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1, Products: 600})
	sc := tg.Generate(t, scraping.New(), generators.Options{}, "scraping-get-products")
	sc.Params["pages"] = "7"
	sc.Schedule.VUs = 3
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, scraping.New(), sc, 10*time.Second, 100)
	assert.Equal(t, 7, res.Abusive)
	assert.Equal(t, 7*20, res.Leak)
}

// A second sweep of the same pages harvests nothing new: the leak is the
// share of the catalog taken, not the pages fetched.
func TestRescrapingCountsItemsOnce(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1, Products: 600})
	k := scraping.New()
	sc := tg.Generate(t, k, generators.Options{}, "scraping-get-products")
	sc.Params["pages"] = "5"
	sc.Schedule.VUs = 1
	sc.Think = scenarios.ConstantThink(0)
	first := tg.Run(t, k, sc, 10*time.Second, 100)
	again := tg.Run(t, k, sc, 10*time.Second, 100)
	assert.Equal(t, 5*20, first.Leak)
	assert.Equal(t, 5, again.Abusive, "the second sweep fetched its pages")
	assert.Zero(t, again.Leak, "and harvested nothing new")
}

func TestProgramRejectsBadParams(t *testing.T) {
	good := map[string]string{"style": "page", "page_param": "page"}
	tests := []struct{ name, key, value, want string }{
		{"bad style", "style", "cursor", "want page or offset"},
		{"zero size", "size", "0", "size"},
		{"bad pages", "pages", "many", "pages"},
		{"bad rotation", "rotate", "sometimes", "rotate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := map[string]string{tt.key: tt.value}
			for k, v := range good {
				if k != tt.key {
					p[k] = v
				}
			}
			sc := scenarios.Scenario{ID: "s", Operations: []scenarios.Target{{Operation: "GET /products"}}, Params: p}
			_, err := scraping.New().Program(sc, generators.Env{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
