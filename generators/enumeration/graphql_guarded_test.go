package enumeration_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/enumeration"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

func decisionsBy(tg *kindtest.Target) map[string]int {
	out := map[string]int{}
	for _, d := range tg.Guard.Decisions() {
		out[d.Detector]++
	}
	return out
}

// Behind the guard, ten aliased user(id) reads in one request are
// refused on their shape, and the identity with them: no foreign profile
// leaks (99 of 100 do unguarded, TestGraphQLUnguardedLeaks). Refused, the
// VUs' sessions try to log in again, are refused that too, and stop.
func TestGraphQLGuardedAliasedWalkReadsNothing(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.GenerateFrom(t, tg.GraphQL, enumeration.NewGraphQL(), generators.Options{Attackers: tg.Identities(6, 1)}, "graphql-enumeration-query-user")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, enumeration.NewGraphQL(), sc, 20*time.Second, 500)
	t.Logf("leak %d, %d of %d requests denied, decisions %v", res.Leak, res.Denied, res.Abusive, decisionsBy(tg))

	assert.Zero(t, res.Leak)
	require.Positive(t, res.Abusive)
	assert.Equal(t, res.Abusive, res.Denied)
	assert.Positive(t, decisionsBy(tg)[monitor.AmplificationName])
}

// Four aliases a request stay under the amplification limit, but the
// enumeration detector counts every id: the walk is contained after 16
// sequential ids, and what leaked is what the two VUs read by then.
func TestGraphQLGuardedSmallAliasesContainedByEnumeration(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.GenerateFrom(t, tg.GraphQL, enumeration.NewGraphQL(), generators.Options{Attackers: tg.Identities(6, 1)}, "graphql-enumeration-query-user")
	sc.Params["aliases"] = "4"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, enumeration.NewGraphQL(), sc, 20*time.Second, 500)
	t.Logf("leak %d, %d of %d requests denied, decisions %v", res.Leak, res.Denied, res.Abusive, decisionsBy(tg))

	assert.Positive(t, decisionsBy(tg)[monitor.EnumerationName])
	assert.Zero(t, decisionsBy(tg)[monitor.AmplificationName])
	// 16 ids trip the detector; the two VUs' requests already in flight
	// or sent before the decision lands add a few more (19-23 seen).
	// Unguarded, the walk reads 499.
	assert.LessOrEqual(t, res.Leak, 32, "contained within 8 requests of 4")
	assert.Positive(t, res.Denied)
	assert.Less(t, res.Abusive, 125, "the walk of 500 ids, 4 a request, did not finish")
}
