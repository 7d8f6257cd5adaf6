package consumption_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/consumption"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// Behind the guard, ten aliased copies of products(limit: 5000) in one
// request are refused on their shape: the catalog is never served past
// the cap (57,000 items are, unguarded, for three requests).
func TestGraphQLGuardedAliasedListsServeNothing(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.GenerateFrom(t, tg.GraphQL, consumption.GraphQL{}, generators.Options{}, "graphql-consumption-query-products")
	sc.Params["requests"] = "3"
	sc.Schedule.VUs = 1
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, consumption.GraphQL{}, sc, 20*time.Second, 10)

	require.Equal(t, 3, res.Abusive)
	assert.Equal(t, 3, res.Denied)
	assert.Zero(t, res.Leak)
	ds := tg.Guard.Decisions()
	require.NotEmpty(t, ds)
	assert.Equal(t, monitor.AmplificationName, ds[0].Detector)
	assert.Contains(t, ds[0].Reason, "10 copies of the field QUERY products")
}
