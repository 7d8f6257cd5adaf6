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
// well short of the 5,000 units they hold unguarded. While the default
// policy has no detector for it, the test skips with the figures.
func TestGuardedHoardIsBounded(t *testing.T) {
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.Generate(t, hoarding.Kind{}, generators.Options{Attackers: tg.Identities(50, 5)}, "hoarding-post-cart-items")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, hoarding.Kind{}, sc, 20*time.Second, 500)
	require.Positive(t, res.Abusive, "the attack ran")

	if len(tg.Guard.Decisions()) == 0 {
		pol := monitor.DefaultPolicy()
		t.Skipf("detection gap: %d accounts held %d units (%d cart additions of %s units, %d denied; unguarded: 5000) "+
			"and no detector decided: none counts units held or carts never checked out; rate sees %d requests per identity "+
			"(limit %d per %s); flow flags a step taken without its prerequisites, not a cart left unpaid",
			len(sc.Identities), res.Leak, res.Abusive, sc.Params["quantity"], res.Denied,
			res.Abusive/max(len(sc.Identities), 1), pol.Rate.Identity, pol.Rate.Window)
	}
	assert.Positive(t, res.Denied)
	assert.Less(t, res.Leak, 5*10*100/2, "decisions: %s", tg.DecisionSummary())
}
