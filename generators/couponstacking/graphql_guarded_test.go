package couponstacking_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/couponstacking"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// Behind the guard the batch of 28 coupon mutations is refused on its
// shape and the identity blocked, so no checkout happens (the session,
// refused, tries to log in again, is refused, and stops): no discount is
// obtained (some is, unguarded: TestGraphQLUnguardedStacks).
func TestGraphQLGuardedStackingObtainsNothing(t *testing.T) {
	tg := kindtest.GuardedGraphQL(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.GenerateFrom(t, tg.GraphQL, couponstacking.GraphQL{}, generators.Options{Attackers: tg.Identities(90, 1)}, "graphql-coupon-stack-mutation-applycoupon")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, couponstacking.GraphQL{}, sc, 10*time.Second, 50)

	require.Positive(t, res.Abusive)
	assert.Equal(t, res.Abusive, res.Denied)
	assert.Zero(t, res.Leak)
	var amplified bool
	for _, d := range tg.Guard.Decisions() {
		amplified = amplified || d.Detector == monitor.AmplificationName && d.Subject.Value == tg.Identities(90, 1)[0].Username
	}
	assert.True(t, amplified, "the identity is blocked for the batch: %v", tg.Guard.Decisions())
}
