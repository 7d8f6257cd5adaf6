package cracking_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/cracking"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// The shop's passwords are common words mangled the common way, and its
// login never locks: the wordlist cracks an account.
func TestUnguardedCracksTheAccount(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	victim := tg.Identities(42, 1)
	require.Contains(t, cracking.Candidates(cracking.Words), victim[0].Password, "the victim's password is in the wordlist")
	sc := tg.Generate(t, cracking.Kind{}, generators.Options{Attackers: victim}, "cracking-post-login")
	sc.Think = scenarios.ConstantThink(0)
	res := tg.Run(t, cracking.Kind{}, sc, 30*time.Second, 10_000)

	assert.Equal(t, 1, res.Leak, "one account cracked, by one VU")
	assert.Less(t, res.Abusive, len(cracking.Candidates(cracking.Words)), "the VU that got in stopped")
}

// An account cracked is one account however often the run cracks it
// again: each VU's iteration starts the wordlist over, and 3 iterations
// of 8 VUs get in 3 times.
func TestCrackedAccountCountsOnce(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	victim := tg.Identities(42, 1)
	kind := cracking.New()
	sc := tg.Generate(t, kind, generators.Options{Attackers: victim}, "cracking-post-login")
	sc.Think = scenarios.ConstantThink(0)
	w := vu.Workload{
		Scenario: sc.ID,
		Actor:    scenarios.Attacker,
		Schedule: scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: sc.Schedule.VUs, Iterations: 3, Duration: 60 * time.Second},
		Think:    sc.Think,
		Program: func(i int) (scenarios.Program, error) {
			return kind.Program(sc, generators.Env{Auth: tg.Auth, VU: i, Seed: 1})
		},
	}
	var rec vu.Recorder
	r := &vu.Runner{Target: tg.URL, MaxRequests: 3 * int64(len(cracking.Candidates(cracking.Words)))}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	require.NoError(t, r.Run(ctx, []vu.Workload{w}, &rec))
	leak, in := 0, 0
	for _, x := range rec.Exchanges() {
		leak += x.Leak
		if x.Abusive && x.Outcome == scenarios.OutcomeSuccess {
			in++
		}
	}
	require.Equal(t, 3, in, "each iteration got in once")
	assert.Equal(t, 1, leak, "accounts cracked: distinct, not logins")
}

func TestCandidatesAreDistinct(t *testing.T) {
	c := cracking.Candidates([]string{"dragon"})
	assert.Len(t, c, 4+100+61+10)
	assert.Contains(t, c, "dragon1987")
	assert.Contains(t, c, "Dragon3!")
	assert.Contains(t, c, "dragon07")
	slices.Sort(c)
	assert.Len(t, slices.Compact(c), 4+100+61+10)
}

func TestProgramNeedsAVictim(t *testing.T) {
	_, err := cracking.Kind{}.Program(scenarios.Scenario{ID: "c"}, generators.Env{Auth: scenarios.Auth{Path: "/login"}})
	require.ErrorContains(t, err, "username is empty")
}
