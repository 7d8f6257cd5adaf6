package enumeration_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/enumeration"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// runIterations runs sc's VUs against target under a per-vu-iterations
// executor, each VU walking its ids `iterations` times, as a plan with
// iterations: 2 would; it returns the leak and the abusive reads that
// succeeded.
func runIterations(t *testing.T, target *url.URL, auth scenarios.Auth, kind generators.Kind, sc scenarios.Scenario, iterations int) (leak, reads int) {
	t.Helper()
	w := vu.Workload{
		Scenario: sc.ID,
		Actor:    scenarios.Attacker,
		Schedule: scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: sc.Schedule.VUs, Iterations: iterations, Duration: 20 * time.Second},
		Seed:     1,
		NewProgram: func(it vu.Iteration) (scenarios.Program, error) {
			return kind.Program(sc, generators.Env{Auth: auth, VU: it.VU, Seed: 1, Identity: sc.Identities[it.VU%len(sc.Identities)]})
		},
	}
	var rec vu.Recorder
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, (&vu.Runner{Target: target, MaxRequests: 20_000}).Run(ctx, []vu.Workload{w}, &rec))
	for _, ex := range rec.Exchanges() {
		if ex.Abusive && ex.Outcome == scenarios.OutcomeSuccess {
			leak += ex.Leak
			reads++
		}
	}
	return leak, reads
}

// A walk run twice, by every VU, reads every record twice; the leak is
// the records obtained, so it is what one walk leaks, not twice that.
func TestIterationsCountRecordsOnce(t *testing.T) {
	tests := []struct {
		name  string
		kind  func() generators.Kind
		build func(t *testing.T, tg *kindtest.Target) scenarios.Scenario
		// want is what one walk leaks: its ids minus the walkers' own.
		want int
	}{
		{"rest", func() generators.Kind { return enumeration.New() }, func(t *testing.T, tg *kindtest.Target) scenarios.Scenario {
			sc := tg.Generate(t, enumeration.New(), generators.Options{Attackers: tg.Identities(6, 1)}, "enumeration-get-users-id")
			sc.Params["to"], sc.Schedule.VUs = "60", 3
			return sc
		}, 59},
		{"graphql", func() generators.Kind { return enumeration.NewGraphQL() }, func(t *testing.T, tg *kindtest.Target) scenarios.Scenario {
			sc := tg.GenerateFrom(t, tg.GraphQL, enumeration.NewGraphQL(), generators.Options{Attackers: tg.Identities(6, 1)}, "graphql-enumeration-query-user")
			sc.Params["to"], sc.Schedule.VUs = "60", 2
			return sc
		}, 59},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := kindtest.Shop(t, demoshop.Options{Seed: 1})
			sc := tt.build(t, tg)
			once, onceReads := runIterations(t, tg.URL, tg.Auth, tt.kind(), sc, 1)
			twice, twiceReads := runIterations(t, tg.URL, tg.Auth, tt.kind(), sc, 2)
			assert.Equal(t, tt.want, once)
			assert.Equal(t, 2*onceReads, twiceReads, "the second iteration read every record again")
			assert.Equal(t, tt.want, twice, "and leaked nothing new")
		})
	}
}
