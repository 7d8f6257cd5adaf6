package stuffing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/generators/stuffing"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// The leaked list opens exactly the accounts whose password was reused,
// and no attempt is counted twice.
func TestUnguardedFindsValidAccounts(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := tg.Generate(t, stuffing.New(), generators.Options{Credentials: loadLeaked(t)}, "stuffing-post-login")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, stuffing.New(), sc, 20*time.Second, 1000)

	assert.Equal(t, 40, res.Leak, "valid accounts found")
	assert.Equal(t, 200, res.Abusive, "every pair tried once")
	assert.Zero(t, res.Denied, "a wrong password is a failure, not a containment")
}

func TestParseCredentialsReportsEveryBadLine(t *testing.T) {
	in := "# comment\nalice:pw\n\nnocolon\n:nouser\nbob:\ncarol:p:w\n"
	ids, err := generators.ParseCredentials("list.txt", strings.NewReader(in))
	require.Error(t, err)
	for _, want := range []string{"list.txt:4:", "list.txt:5:", "list.txt:6:"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.Equal(t, []scenarios.Identity{{Username: "alice", Password: "pw"}, {Username: "carol", Password: "p:w"}}, ids)
}

func TestProgramNeedsCredentials(t *testing.T) {
	_, err := stuffing.New().Program(scenarios.Scenario{ID: "s"}, generators.Env{Auth: scenarios.Auth{Path: "/login"}})
	require.ErrorContains(t, err, "no leaked credentials")
}

// VUs loop the list: a VU that has tried its share begins another
// iteration and tries it again (constant VUs for a duration do so until it
// ends; here each VU runs exactly three iterations), and every valid pair
// logs in again. The leak is the valid accounts found, so each counts once
// (it was 134 of 40 in the demo's observe mode, which counted logins).
func TestLoopedListCountsDistinctAccounts(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	kind := stuffing.New()
	sc := tg.Generate(t, kind, generators.Options{Credentials: loadLeaked(t)}, "stuffing-post-login")
	sc.Think = scenarios.ConstantThink(0)
	const passes = 3
	w := vu.Workload{
		Scenario: sc.ID,
		Actor:    scenarios.Attacker,
		Schedule: scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: sc.Schedule.VUs, Iterations: passes, Duration: 60 * time.Second},
		Think:    sc.Think,
		Seed:     1,
		Program: func(i int) (scenarios.Program, error) {
			return kind.Program(sc, generators.Env{Auth: tg.Auth, VU: i, Seed: 1, Now: vu.RealClock{}.Now})
		},
	}
	var rec vu.Recorder
	r := &vu.Runner{Target: tg.URL, MaxRequests: int64(2 * passes * len(sc.Identities))}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	require.NoError(t, r.Run(ctx, []vu.Workload{w}, &rec))

	leak, abusive := 0, 0
	logins := map[string]int{} // successful logins per account
	for _, x := range rec.Exchanges() {
		if !x.Abusive {
			continue
		}
		abusive++
		leak += x.Leak
		if x.Outcome == scenarios.OutcomeSuccess {
			logins[x.Identity]++
		}
	}
	require.Equal(t, passes*len(sc.Identities), abusive, "the list was tried %d times over", passes)
	require.Len(t, logins, 40, "every valid pair logged in")
	for user, n := range logins {
		assert.Equal(t, passes, n, "%s logged in on each pass", user)
	}
	assert.Equal(t, 40, leak, "valid accounts found: distinct, not logins")
}
