package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/couponstacking"
	"github.com/abusegate/abusegate/generators/enumeration"
	"github.com/abusegate/abusegate/generators/reuse"
	"github.com/abusegate/abusegate/generators/scraping"
	"github.com/abusegate/abusegate/generators/stuffing"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

// demoSuite are the misuse kinds the demo runs: the default suite of
// issue 4, each a class the built-in monitor is expected to contain.
var demoSuite = []string{enumeration.ID, couponstacking.ID, scraping.ID, stuffing.ID, reuse.ID}

// demoSpecName names the embedded spec in the demo's plan and reports.
const demoSpecName = "demoshop.openapi.yaml"

// demoPlan is the plan `abusegate generate --kinds <demoSuite>` writes for
// the embedded shop, compressed into the demo's window: every scenario
// starts at --attack-at and runs until --duration (one-shot attacks to
// their end), on accounts of its own. dir receives the leaked-credentials
// list the plan names.
func demoPlan(surface scenarios.Surface, shop *demoshop.Shop, o demoOptions, dir string) (*scenarios.Plan, error) {
	leaked := filepath.Join(dir, "leaked.txt")
	if err := writeLeaked(leaked, shop, o.seed); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	gen := generateOptions{spec: demoSpecName, kinds: demoSuite, baseURL: "http://127.0.0.1:8080", credentials: leaked}
	if err := writePlan(&buf, surface, gen); err != nil {
		return nil, err
	}
	f, err := scenarios.LoadPlan(demoSpecName, buf.Bytes())
	if err != nil {
		return nil, err
	}
	checks := scenarios.PlanChecks{Kinds: catalog().IDs()}
	for _, op := range surface.Operations {
		checks.Operations = append(checks.Operations, op.Key())
	}
	p, err := f.Compile(checks)
	if err != nil {
		return nil, fmt.Errorf("the demo's generated plan does not compile (a bug in abusegate): %w", err)
	}
	compress(p, o)
	return p, nil
}

// compress fits the generated plan into the demo's window.
func compress(p *scenarios.Plan, o demoOptions) {
	sla := o.sla
	sla.MaxSuccess = p.SLA.MaxSuccess
	p.SLA = sla
	p.Benign.VUs, p.Benign.Duration = o.benignUsers, o.duration
	p.Benign.Think = scenarios.Think{Dist: scenarios.Uniform, Min: 500 * time.Millisecond, Max: 2 * time.Second}
	pool := p.Pools[poolShoppers]
	pool.Generate.Count = o.benignUsers
	p.Pools[poolShoppers] = pool
	for i := range p.Scenarios {
		s := &p.Scenarios[i]
		s.SLA = sla
		s.Schedule.Start = o.attackAt
		// A one-shot attack (a coupon stack, a race) keeps its generated
		// bound: it runs to its checkout even on a loaded machine.
		if s.Schedule.Executor != scenarios.PerVUIterations {
			s.Schedule.Duration = o.duration - o.attackAt
		}
		s.Budget.Duration = 0
		if s.Kind == scraping.ID {
			scrapeWholeCatalog(s, o)
		}
	}
}

// scrapeWholeCatalog fits slow scraping into the demo's window and the
// demo's catalog. Each scraper reads a page every
// 200-600 ms (the plan's 2-4 s, ten times faster), at most a few dozen
// pages in all: under every per-client threshold of the monitor (rate,
// distinct items, machine-regular pacing), so only the collective sweep
// detector can see it. Together they read the whole catalog in about ten
// seconds unguarded. The sweep needs 32 consecutive pages read once each,
// past the first 50 the shoppers browse, so what leaks before containment
// is a share of the catalog, never 200 items: the scenario's SLA bounds
// that share (--sla-max-scraped).
func scrapeWholeCatalog(s *scenarios.PlannedScenario, o demoOptions) {
	size, err := strconv.Atoi(s.Params["size"])
	if err != nil || size < 1 {
		size = 20
	}
	s.Params["pages"] = strconv.Itoa((demoCatalog + size - 1) / size)
	s.Schedule.VUs = demoScrapers
	s.Think = scenarios.Think{Dist: scenarios.Uniform, Min: 200 * time.Millisecond, Max: 600 * time.Millisecond}
	s.SLA.MaxLeak = int(o.maxScraped * demoCatalog / 100)
}

// demoCatalog is the shop's catalog in the demo: 1,000 pages of 20, long
// enough that a sweep past the shoppers' pages is seen well before its end.
const demoCatalog = 20_000

// demoScrapers are the slow scrapers, each on an address and device of its
// own: 25 pages each.
const demoScrapers = 40

// writeLeaked writes a breach of another site as the shop would see it:
// one pair in five reuses a password of the shop's, two in five have a
// real username with another password, two in five a username the shop
// never had.
func writeLeaked(path string, shop *demoshop.Shop, seed int64) error {
	accounts := shop.Accounts()
	if len(accounts) < 320 {
		return fmt.Errorf("the demo shop has %d accounts, the leaked list needs 320", len(accounts))
	}
	var ids []scenarios.Identity
	for i, a := range accounts[200:320] {
		switch {
		case i < 40:
			ids = append(ids, scenarios.Identity{Username: a.Username, Password: a.Password})
		default:
			ids = append(ids, scenarios.Identity{Username: a.Username, Password: a.Password + "!"},
				scenarios.Identity{Username: fmt.Sprintf("%s.%d", a.Username, 2000+i), Password: a.Password})
		}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x1eaced))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	var b bytes.Buffer
	if err := generators.FormatCredentials(&b, fmt.Sprintf("demo: leaked pairs for the shop of seed %d", seed), ids); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o600)
}
