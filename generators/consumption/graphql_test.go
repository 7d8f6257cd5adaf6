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
	"github.com/abusegate/abusegate/scenarios"
)

// products(limit:) has no maximum: every alias of every request gets the
// whole catalog, far past the cap of 100 a page.
func TestGraphQLUnguardedServesTheWholeCatalogPerAlias(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.GenerateFrom(t, tg.GraphQL, consumption.GraphQL{}, generators.Options{}, "graphql-consumption-query-products")
	assert.Equal(t, "items { id }", sc.Params["selection"])
	assert.Equal(t, "limit:Int", sc.Params["size_arg"])
	assert.Equal(t, "5000", sc.Params["size"])
	sc.Params["requests"] = "3"
	sc.Schedule.VUs = 1
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, consumption.GraphQL{}, sc, 20*time.Second, 10)

	require.Equal(t, 3, res.Abusive)
	perRequest := consumption.DefaultAliases * (tg.Shop.Products() - consumption.DefaultListCap)
	assert.Equal(t, 3*perRequest, res.Leak, "10 aliases x (2000 - 100) items, 3 times")
}

func TestGraphQLProgramRejectsBadParams(t *testing.T) {
	_, err := consumption.GraphQL{}.Program(scenarios.Scenario{ID: "c", Params: map[string]string{"field": "products", "size_arg": "limit:Int", "endpoint": "/graphql", "aliases": "5000", "cap": "-1"}}, generators.Env{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "at most 1000")
	assert.Contains(t, err.Error(), "cap=")
}
