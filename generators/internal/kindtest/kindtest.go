package kindtest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// Target is a running demo shop and what the harness knows of it.
type Target struct {
	URL     *url.URL
	Shop    *demoshop.Shop
	Surface scenarios.Surface
	// GraphQL is the surface of the shop's POST /graphql, from its SDL.
	GraphQL scenarios.Surface
	Auth    scenarios.Auth
	// Guard is nil for an unguarded shop.
	Guard *guard.Guard
}

// Shop starts an unguarded demo shop.
func Shop(t testing.TB, opts demoshop.Options) *Target {
	t.Helper()
	tg := newTarget(t, opts)
	srv := httptest.NewServer(tg.Shop)
	t.Cleanup(srv.Close)
	tg.URL = mustURL(t, srv.URL)
	return tg
}

// Guarded starts a demo shop behind an enforcing guard and the built-in
// monitor, as cmd/abusegate/demo.go wires them.
func Guarded(t testing.TB, opts demoshop.Options, cfg monitor.Config) *Target {
	t.Helper()
	tg := newTarget(t, opts)
	shop := httptest.NewServer(tg.Shop)
	t.Cleanup(shop.Close)
	g, err := guard.New(mustURL(t, shop.URL), monitor.New(tg.Surface, cfg), guard.Options{Mode: guard.Enforce, Surface: tg.Surface})
	require.NoError(t, err)
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	tg.URL, tg.Guard = mustURL(t, front.URL), g
	return tg
}

func newTarget(t testing.TB, opts demoshop.Options) *Target {
	t.Helper()
	surface, _, err := openapi.Load("demoshop.openapi.yaml", demoshop.Spec())
	require.NoError(t, err)
	auth, err := generators.AuthFrom(surface)
	require.NoError(t, err)
	gql, _, err := graphql.Load(graphql.Options{}, graphql.Source{Name: "demoshop.graphql", Data: demoshop.GraphQLSchema()})
	require.NoError(t, err)
	return &Target{Shop: demoshop.New(opts), Surface: surface, GraphQL: gql, Auth: auth}
}

func mustURL(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

// Identities returns n of the shop's accounts from index from, as
// identities that know their own object id.
func (tg *Target) Identities(from, n int) []scenarios.Identity {
	var out []scenarios.Identity
	for _, a := range tg.Shop.Accounts()[from : from+n] {
		out = append(out, scenarios.Identity{Username: a.Username, Password: a.Password, UserID: fmt.Sprint(a.ID)})
	}
	return out
}

// Generate runs kind's generator on the shop's surface and returns the
// scenario whose id has the given prefix, failing the test if there is none.
func (tg *Target) Generate(t testing.TB, kind generators.Kind, opts generators.Options, idPrefix string) scenarios.Scenario {
	t.Helper()
	return tg.GenerateFrom(t, tg.Surface, kind, opts, idPrefix)
}

// GenerateFrom is Generate on another surface of the shop, such as
// tg.GraphQL.
func (tg *Target) GenerateFrom(t testing.TB, s scenarios.Surface, kind generators.Kind, opts generators.Options, idPrefix string) scenarios.Scenario {
	t.Helper()
	var ids []string
	for _, sc := range kind.Generate(s, opts) {
		if len(sc.ID) >= len(idPrefix) && sc.ID[:len(idPrefix)] == idPrefix {
			return sc
		}
		ids = append(ids, sc.ID)
	}
	require.FailNowf(t, "no scenario", "%s generated no scenario %q on the demo shop; got %v", kind.Info().ID, idPrefix, ids)
	return scenarios.Scenario{}
}

// Result is what a run left behind.
type Result struct {
	Exchanges []scenarios.Exchange
	// Leak sums the leak of every abusive exchange.
	Leak int
	// Abusive counts abusive exchanges; Denied those denied.
	Abusive, Denied int
}

// Run runs sc's VUs against the target in real time: sc.Schedule.VUs VUs
// over sc.Identities (VU i acts as identity i mod n), each bounded by the
// scenario's Duration (capped at limit) and the runner's request budget.
func (tg *Target) Run(t testing.TB, kind generators.Kind, sc scenarios.Scenario, limit time.Duration, budget int64) Result {
	t.Helper()
	d := sc.Schedule.Duration
	if d <= 0 || d > limit {
		d = limit
	}
	w := vu.Workload{
		Scenario: sc.ID,
		Actor:    scenarios.Attacker,
		VUs:      max(sc.Schedule.VUs, 1),
		Duration: d,
		Think:    sc.Think,
		Seed:     1,
		Program: func(i int) (scenarios.Program, error) {
			env := generators.Env{Auth: tg.Auth, VU: i, Seed: 1, Now: vu.RealClock{}.Now}
			if len(sc.Identities) > 0 {
				env.Identity = sc.Identities[i%len(sc.Identities)]
			}
			return kind.Program(sc, env)
		},
	}
	var rec vu.Recorder
	r := &vu.Runner{Target: tg.URL, MaxRequests: budget}
	ctx, cancel := context.WithTimeout(context.Background(), limit+5*time.Second)
	defer cancel()
	err := r.Run(ctx, []vu.Workload{w}, &rec)
	if err != nil && err != vu.ErrBudget {
		require.NoError(t, err)
	}
	res := Result{Exchanges: rec.Exchanges()}
	for _, ex := range res.Exchanges {
		if !ex.Abusive {
			continue
		}
		res.Abusive++
		res.Leak += ex.Leak
		if ex.Outcome == scenarios.OutcomeDenied {
			res.Denied++
		}
	}
	return res
}

// Leaked returns testdata/credentials/leaked.txt, read from a kind's
// package directory (generators/<kind>).
func Leaked(t testing.TB) []scenarios.Identity {
	t.Helper()
	name := filepath.Join("..", "..", "testdata", "credentials", "leaked.txt")
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	ids, err := generators.ParseCredentials(name, f)
	require.NoError(t, err)
	return ids
}
