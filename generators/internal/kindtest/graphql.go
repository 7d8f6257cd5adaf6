package kindtest

import (
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
)

// GuardedGraphQL is Guarded with the shop's GraphQL schema in the guard's
// and the monitor's Surface beside its REST operations, so the guard reads
// every field of a POST /graphql (aliases, batches) as the operation it is.
func GuardedGraphQL(t testing.TB, opts demoshop.Options, cfg monitor.Config) *Target {
	t.Helper()
	tg := newTarget(t, opts)
	shop := httptest.NewServer(tg.Shop)
	t.Cleanup(shop.Close)
	both := tg.Surface
	both.Operations = append(slices.Clone(tg.Surface.Operations), tg.GraphQL.Operations...)
	g, err := guard.New(mustURL(t, shop.URL), monitor.New(both, cfg), guard.Options{Mode: guard.Enforce, Surface: both})
	require.NoError(t, err)
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	tg.URL, tg.Guard = mustURL(t, front.URL), g
	return tg
}
