package hoarding_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/hoarding"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// The honest expectation behind the guard: five accounts that each put
// 1,000 units of the dearest product in a cart and never pay are stopped
// well short of the 5,000 units they hold unguarded.
func TestGuardedHoardIsBounded(t *testing.T) {
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.Generate(t, hoarding.Kind{}, generators.Options{Attackers: tg.Identities(50, 5)}, "hoarding-post-cart-items")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, hoarding.Kind{}, sc, 20*time.Second, 500)
	require.Positive(t, res.Abusive, "the attack ran")

	assert.Positive(t, res.Denied)
	assert.Less(t, res.Leak, 5*10*100/2, "decisions: %s", tg.DecisionSummary())
}
