package bruteforce_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/bruteforce"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// detectors counts the guard's decisions by detector.
func detectors(tg *kindtest.Target) map[string]int {
	out := map[string]int{}
	for _, d := range tg.Guard.Decisions() {
		out[d.Detector]++
	}
	return out
}

// Behind the guard, a request of a hundred aliased guesses is refused on
// its shape before the shop tries one: the password never falls (it does
// unguarded, TestUnguardedAliasesCrackOneAccount).
func TestGuardedAliasesCrackNothing(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.GenerateFrom(t, tg.GraphQL, bruteforce.Kind{}, generators.Options{Attackers: tg.Identities(42, 1)}, "alias-bruteforce-mutation-login")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, bruteforce.Kind{}, sc, 30*time.Second, 1000)

	t.Logf("leak %d, %d of %d requests denied, decisions %v", res.Leak, res.Denied, res.Abusive, detectors(tg))
	assert.Zero(t, res.Leak, "no valid pair found")
	require.Positive(t, res.Abusive)
	assert.Equal(t, res.Abusive, res.Denied, "every request of guesses refused")
	assert.Positive(t, detectors(tg)[monitor.AmplificationName])
}

// The leaked list in batches of a hundred is refused the same way: no
// account opens (40 do unguarded).
func TestGuardedBatchesOpenNothing(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.GenerateFrom(t, tg.GraphQL, bruteforce.Kind{}, generators.Options{Credentials: kindtest.Leaked(t)}, "batch-bruteforce-mutation-login")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, bruteforce.Kind{}, sc, 30*time.Second, 100)

	assert.Zero(t, res.Leak)
	assert.Equal(t, 2, res.Abusive)
	assert.Equal(t, 2, res.Denied)
	assert.Positive(t, detectors(tg)[monitor.AmplificationName])
}

// Four pairs a batch stays under the amplification limit, but the
// stuffing detector counts every login in it: ten failures across five
// usernames come within three requests, and the source is blocked. The
// leak is bounded by what the first requests of both VUs held.
func TestGuardedSmallBatchesAreStuffing(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.GenerateFrom(t, tg.GraphQL, bruteforce.Kind{}, generators.Options{Credentials: kindtest.Leaked(t)}, "batch-bruteforce-mutation-login")
	sc.Params["per_request"] = "4"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, bruteforce.Kind{}, sc, 30*time.Second, 100)

	t.Logf("leak %d, %d of %d requests denied, decisions %v", res.Leak, res.Denied, res.Abusive, detectors(tg))
	require.Equal(t, 50, res.Abusive, "200 pairs, 4 a request")
	d := detectors(tg)
	assert.Positive(t, d[monitor.StuffingName])
	assert.Zero(t, d[monitor.AmplificationName])
	assert.Less(t, res.Leak, 8, "of 40 valid pairs")
	assert.GreaterOrEqual(t, res.Denied, 45)
}
