package replay_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/replay"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

func scenario(t *testing.T, tg *kindtest.Target) scenarios.Scenario {
	t.Helper()
	sc := tg.Generate(t, replay.Kind{}, generators.Options{Attackers: tg.Identities(70, 1)}, "replay-get-users-id")
	sc.Params["trigger_requests"] = "60"
	sc.Think = scenarios.ConstantThink(0)
	return sc
}

// Nothing contains the identity, so every operation and the login serve it.
func TestUnguardedEveryOperationServes(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := scenario(t, tg)
	res := tg.Run(t, replay.Kind{}, sc, 20*time.Second, 500)

	// Every operation but the login and the trigger, then the login.
	ops := len(tg.Surface.Operations) - 2 + 1
	assert.Equal(t, ops, res.Abusive)
	assert.Equal(t, ops, res.Leak)
}

// Behind the guard the walk is contained, and the containment holds on
// every other operation and at the login.
func TestGuardedContainmentHoldsEverywhere(t *testing.T) {
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := scenario(t, tg)
	res := tg.Run(t, replay.Kind{}, sc, 20*time.Second, 500)

	require.NotEmpty(t, tg.Guard.Decisions(), "the walk must be contained first")
	assert.Equal(t, len(tg.Surface.Operations)-1, res.Abusive)
	assert.Zero(t, res.Leak, "a route still served the contained identity")
	assert.Equal(t, res.Abusive, res.Denied)
}
