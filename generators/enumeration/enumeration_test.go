package enumeration_test

import (
	"strings"
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

func scenario(t *testing.T, tg *kindtest.Target) scenarios.Scenario {
	t.Helper()
	sc := tg.Generate(t, enumeration.New(), generators.Options{Attackers: tg.Identities(6, 2)}, "enumeration-get-users-id")
	assert.Equal(t, "true", sc.Params["replay"], "two attackers: the second replays")
	sc.Params["to"] = "120"
	sc.Schedule.VUs = 3
	sc.Think = scenarios.ConstantThink(0)
	return sc
}

// Unguarded, the walker reads foreign profiles and the second identity
// reads again every one of them: the flaw is the operation's, not one
// account's. The leak counts each record once: the replayed reads succeed
// but obtain nothing the walk had not.
func TestUnguardedLeaksAndReplays(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
	sc := scenario(t, tg)
	res := tg.Run(t, enumeration.New(), sc, 20*time.Second, 2000)

	var walked, replayed, replayReads int
	for _, ex := range res.Exchanges {
		if !ex.Abusive {
			continue
		}
		if strings.HasSuffix(ex.Session, "/replay/1") {
			replayed += ex.Leak
			if ex.Outcome == scenarios.OutcomeSuccess {
				replayReads++
			}
		} else {
			walked += ex.Leak
		}
	}
	// 120 ids minus the two attackers' own (VUs 0 and 2 are account 7,
	// VU 1 is account 8).
	assert.Equal(t, 118, walked)
	// The second identity reads every record the walk read, but its own
	// (read by the walk of the other account): 118 or 117 reads per the
	// VUs' interleaving, none of them new.
	assert.InDelta(t, walked, replayReads, 2)
	assert.Zero(t, replayed, "a record read again is not leaked again")
	assert.Equal(t, walked, res.Leak)
	assert.Zero(t, res.Denied)
}

// Behind the enforcing guard, each identity is blocked after a bounded
// number of distinct reads, fresh logins included, so the leak is bounded
// by the detector's threshold and not by the walk's length.
func TestGuardedLeakIsBounded(t *testing.T) {
	distinct := monitor.DefaultPolicy().Enumeration.Distinct
	tg := kindtest.Guarded(t, demoshop.Options{Seed: 1}, monitor.Config{})
	sc := scenario(t, tg)
	sc.Params["to"] = "400"
	res := tg.Run(t, enumeration.New(), sc, 20*time.Second, 3000)

	require.Positive(t, res.Leak, "the attack must get started before it is contained")
	assert.Positive(t, res.Denied)
	// Two identities, each blocked after its threshold of distinct objects,
	// plus the reads of the other VUs already in flight.
	assert.LessOrEqual(t, res.Leak, 2*(distinct+sc.Schedule.VUs))
	assert.NotEmpty(t, tg.Guard.Decisions())
}

func TestProgramRejectsBadParams(t *testing.T) {
	base := scenarios.Scenario{ID: "e", Operations: []scenarios.Target{{Operation: "GET /users/{id}"}},
		Params: map[string]string{"param": "id", "from": "1", "to": "5"}}
	tests := []struct {
		name   string
		mutate func(*scenarios.Scenario)
		want   string
	}{
		{"no operation", func(s *scenarios.Scenario) { s.Operations = nil }, "no operation"},
		{"not a GET", func(s *scenarios.Scenario) { s.Operations[0].Operation = "POST /users/{id}" }, "is not \"GET /path\""},
		{"param missing from path", func(s *scenarios.Scenario) { s.Params["param"] = "uid" }, "has no parameter {uid}"},
		{"from after to", func(s *scenarios.Scenario) { s.Params["from"] = "9" }, "from <= to"},
		{"bad harvest", func(s *scenarios.Scenario) { s.Params["harvest"] = "users" }, "harvest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := base
			sc.Operations = append([]scenarios.Target(nil), base.Operations...)
			sc.Params = map[string]string{}
			for k, v := range base.Params {
				sc.Params[k] = v
			}
			tt.mutate(&sc)
			_, err := enumeration.New().Program(sc, generators.Env{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
