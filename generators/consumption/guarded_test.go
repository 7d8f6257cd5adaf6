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

// The honest expectation behind the guard: pages far over the size the
// spec allows (limit=1000000 where the cap is 100) are refused or the
// client contained after a few, well short of the 8,400 items over the
// cap served unguarded. (The GraphQL variant is refused on its
// shape: TestGraphQLGuardedAliasedListsServeNothing.)
func TestGuardedOversizedPagesAreBounded(t *testing.T) {
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1, Products: 1500}, monitor.Config{})
	sc := tg.Generate(t, consumption.Kind{}, generators.Options{}, "consumption-get-products")
	sc.Params["requests"] = "3"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, consumption.Kind{}, sc, 20*time.Second, 100)
	require.Positive(t, res.Abusive, "the attack ran")

	assert.Less(t, res.Leak, 2*3*(1500-100)/2, "decisions: %s", tg.DecisionSummary())
}
