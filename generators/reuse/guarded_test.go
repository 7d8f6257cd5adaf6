package reuse_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/reuse"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// Behind the guard the reuse detector revokes the token when its
// Fingerprints-th device uses it (then blocks it on escalation). Until
// then at most Fingerprints-1 devices were served, each at most its
// requests, plus the requests of the other VUs in flight: far fewer than
// the 100 served unguarded.
func TestGuardedSharedTokenIsRevoked(t *testing.T) {
	pol := monitor.DefaultPolicy().Reuse
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	k := reuse.New()
	sc := tg.Generate(t, k, generators.Options{Attackers: tg.Identities(30, 3)}, "reuse-token")
	sc.Params["requests"] = "5"
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, k, sc, 20*time.Second, 1000)

	require.Equal(t, 20, sc.Schedule.VUs, "twenty devices, as unguarded")
	require.Positive(t, res.Leak, "the attack must get started before it is contained")
	assert.Positive(t, res.Denied)
	assert.LessOrEqual(t, res.Leak, (pol.Fingerprints-1)*5+sc.Schedule.VUs)
	assert.Less(t, res.Leak, 20*5/2, "much less than the 100 served unguarded")
	by := tg.ByDetector()
	assert.Positive(t, by[monitor.ReuseName], "decisions: %v", by)
	assert.Len(t, by, 1, "the reuse detector alone decided: %s", tg.DecisionSummary())
	var revoked bool
	for _, d := range tg.Guard.Decisions() {
		revoked = revoked || d.Subject.Kind == scenarios.SubjectToken && d.Action == scenarios.ActionRevoke
	}
	assert.True(t, revoked, "the token is revoked: %s", tg.DecisionSummary())
}
