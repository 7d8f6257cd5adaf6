package stuffing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/stuffing"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// Behind the guard the stuffing detector blocks the source at its
// Failures-th failed login over Usernames+ distinct usernames. The guard
// trusts no proxy here, so the rotated X-Forwarded-For is ignored and
// every VU shares the peer address: one address block stops all of them.
// The logins served are then the Failures that tripped it, the valid
// pairs among them (the list is 1 valid in 5) and the VUs' logins in
// flight; the valid accounts found are a few of the 40 found unguarded.
func TestGuardedValidAccountsAreBounded(t *testing.T) {
	pol := monitor.DefaultPolicy().Stuffing
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := tg.Generate(t, stuffing.New(), generators.Options{Credentials: loadLeaked(t)}, "stuffing-post-login")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, stuffing.New(), sc, 20*time.Second, 1000)

	served := res.Abusive - res.Denied
	require.Positive(t, served, "the attack must get started before it is contained")
	assert.Equal(t, 200, res.Abusive, "every pair was tried")
	// The block needs Failures failed logins served; the rest of what was
	// served is accounts found.
	assert.LessOrEqual(t, res.Leak, served-pol.Failures)
	// At 4 failures in 5 pairs, Failures failures come within 2*Failures
	// logins; each VU may have one more in flight.
	assert.LessOrEqual(t, served, 2*pol.Failures+sc.Schedule.VUs)
	assert.LessOrEqual(t, res.Leak, 40/4, "much less than the 40 found unguarded")
	by := tg.ByDetector()
	assert.Positive(t, by[monitor.StuffingName], "decisions: %v", by)
	assert.Len(t, by, 1, "the stuffing detector alone decided: %s", tg.DecisionSummary())
	var address bool
	for _, d := range tg.Guard.Decisions() {
		address = address || d.Subject.Kind == scenarios.SubjectAddress && d.Action == scenarios.ActionBlock
	}
	assert.True(t, address, "the shared address is blocked: %s", tg.DecisionSummary())
}
