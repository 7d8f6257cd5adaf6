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

// The demoshop's limit documents no maximum, so the plan's cap is the
// guard's default oversize cap, and the two agree on what is excess: a
// page over it is refused before it is served (leak 0, where unguarded
// each request serves 500 items past it), and a page of exactly the cap
// is served, whole, and is no leak. (The GraphQL variant is refused on
// its shape: TestGraphQLGuardedAliasedListsServeNothing.)
func TestGuardedOversizedPagesAreBounded(t *testing.T) {
	require.Equal(t, monitor.DefaultPolicy().Oversize.Cap, consumption.DefaultCap, "the plan's cap is the guard's")
	tests := []struct {
		size   string
		denied bool
	}{
		{"1000000", true}, // the generated scenario
		{"1001", true},    // just over
		{"1000", false},   // the cap itself: within the contract
	}
	for _, tt := range tests {
		t.Run("limit="+tt.size, func(t *testing.T) {
			tg := kindtest.Guarded(t, demoshop.Options{Seed: 1, Products: 1500}, monitor.Config{})
			sc := tg.Generate(t, consumption.Kind{}, generators.Options{}, "consumption-get-products")
			sc.Params["requests"], sc.Params["size"] = "3", tt.size
			sc.Think = scenarios.ConstantThink(0)
			res := tg.Run(t, consumption.Kind{}, sc, 20*time.Second, 100)
			require.Equal(t, 6, res.Abusive, "two VUs, three requests each")

			assert.Zero(t, res.Leak, "decisions: %s", tg.DecisionSummary())
			if tt.denied {
				assert.Equal(t, res.Abusive, res.Denied)
				assert.Positive(t, tg.ByDetector()[monitor.OversizeName])
			} else {
				assert.Zero(t, res.Denied)
				assert.Empty(t, tg.Guard.Decisions())
			}
		})
	}
}
