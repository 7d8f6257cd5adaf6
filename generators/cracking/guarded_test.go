package cracking_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/cracking"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// Behind the guard only the rate detector sees a cracker: every guess is
// a failed login for one username, and the stuffing detector needs
// Usernames distinct ones, so it never fires. The login carries no
// identity, so its requests are rated per address; at Rate.Address
// requests in the window the address is throttled (Throttle.Rate per
// second after a Burst). The guesses served are bounded by that limit,
// the burst, the VUs in flight and the throttle's pace over the run, and
// stop short of the victim's password at candidate 1967, which the
// unguarded shop gives away (TestUnguardedCracksTheAccount).
//
// The bound is a pace, not a count: a cracker that retries its throttled
// guesses reaches the password at 2/s in about eleven minutes, and one
// paced under Rate.Address per window is never throttled at all.
func TestGuardedCrackingIsThrottled(t *testing.T) {
	pol := monitor.DefaultPolicy()
	var throttle monitor.Throttle
	for _, r := range pol.Rules {
		if r.Detectors[monitor.RateName] {
			throttle = r.Throttle
		}
	}
	require.Positive(t, throttle.Rate, "the default policy throttles the rate detector's subjects")
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	victim := tg.Identities(42, 1)
	at := slices.Index(cracking.Candidates(cracking.Words), victim[0].Password)
	sc := tg.Generate(t, cracking.Kind{}, generators.Options{Attackers: victim}, "cracking-post-login")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, cracking.Kind{}, sc, 30*time.Second, 10_000)

	require.NotEmpty(t, res.Exchanges)
	first, last := res.Exchanges[0].Sent, res.Exchanges[0].Done
	for _, ex := range res.Exchanges {
		first, last = minTime(first, ex.Sent), maxTime(last, ex.Done)
	}
	served := res.Abusive - res.Denied
	bound := pol.Rate.Address + throttle.Burst + sc.Schedule.VUs + int(math.Ceil(throttle.Rate*last.Sub(first).Seconds()))
	require.Greater(t, at, bound, "the victim's password lies beyond what the guard lets through")
	assert.Zero(t, res.Leak, "cracked behind the guard: %s", tg.DecisionSummary())
	assert.Positive(t, served, "the attack must get started before it is contained")
	assert.LessOrEqual(t, served, bound)
	assert.Greater(t, res.Denied, res.Abusive/2, "most guesses were refused")
	by := tg.ByDetector()
	assert.Positive(t, by[monitor.RateName], "decisions: %v", by)
	assert.Zero(t, by[monitor.StuffingName], "one username is not stuffing")
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
