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

// Behind the guard the coupon detector blocks each attacker (identity and
// token) before its checkout: at its Attempts-th code on one identity
// (stack, and the race's sessions of one account), or at its Repeats-th
// accepted redemption of one code (repeat, race). The leak is the discount
// the checkout grants, and the checkout comes after the redemptions, so
// it is refused: no discount is obtained, where the unguarded shop grants
// tens of thousands of cents for the same scenario. The redemptions that
// preceded the block were answered (the detector judges what it has seen
// answered), so the accepted codes are bounded by the threshold plus the
// redemptions in flight.
func TestGuardedDiscountIsBounded(t *testing.T) {
	pol := monitor.DefaultPolicy().Coupon
	tests := []struct {
		mode    string
		codes   []string // nil: the shop's own list
		latency time.Duration
		// accepted bounds the redemptions served on the guarded shop.
		accepted func(sc scenarios.Scenario) int
	}{
		// Each of the two carts: blocked at its Attempts-th code.
		{couponstacking.ModeStack, nil, 40 * time.Millisecond, func(sc scenarios.Scenario) int { return sc.Schedule.VUs * pol.Attempts }},
		// Each of the two carts: blocked at the Repeats-th acceptance.
		{couponstacking.ModeRepeat, nil, 40 * time.Millisecond, func(sc scenarios.Scenario) int { return sc.Schedule.VUs * pol.Repeats }},
		// Every session of the one account redeems at once: all are in
		// flight when the second acceptance is judged.
		{couponstacking.ModeRace, []string{"FLASH50"}, 300 * time.Millisecond, func(sc scenarios.Scenario) int { return sc.Schedule.VUs }},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			run := func(tg *kindtest.Target) (scenarios.Scenario, kindtest.Result) {
				opts := generators.Options{Attackers: tg.Identities(10, 2), Coupons: codes(tg.Shop)}
				if tt.codes != nil {
					opts.Coupons = tt.codes
				}
				sc := tg.Generate(t, couponstacking.New(), opts, "coupon-"+tt.mode+"-")
				sc.Think = scenarios.ConstantThink(0)
				return sc, tg.Run(t, couponstacking.New(), sc, 20*time.Second, 500)
			}
			_, open := run(kindtest.Shop(t, demoshop.Options{Seed: 1, CouponLatency: tt.latency}))
			tg := kindtest.Guarded(t, demoshop.Options{Seed: 1, CouponLatency: tt.latency}, monitor.Config{})
			sc, res := run(tg)

			require.Greater(t, open.Leak, 10_000, "unguarded, the scenario obtains a discount")
			require.Positive(t, accepted(res), "the attack must get started before it is contained")
			assert.Zero(t, res.Leak, "the checkout is refused: %s", tg.DecisionSummary())
			assert.Positive(t, res.Denied)
			assert.LessOrEqual(t, accepted(res), tt.accepted(sc))
			by := tg.ByDetector()
			assert.Positive(t, by[monitor.CouponName], "decisions: %v", by)
			assert.Len(t, by, 1, "the coupon detector alone decided: %s", tg.DecisionSummary())
			blocked := map[string]bool{}
			for _, d := range tg.Guard.Decisions() {
				if d.Subject.Kind == scenarios.SubjectIdentity {
					blocked[d.Subject.Value] = true
				}
			}
			for _, id := range sc.Identities {
				assert.True(t, blocked[id.Username], "%s not blocked: %s", id.Username, tg.DecisionSummary())
			}
		})
	}
}
