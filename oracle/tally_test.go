package oracle

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// A Tally fed the exchanges one by one, in any order, judges as Judge of
// the whole timeline does: a simulated run folds its exchanges as they
// complete instead of holding them.
func TestTallyJudgesAsTheTimeline(t *testing.T) {
	benign := func(ms int, session, addr string, o scenarios.Outcome) scenarios.Exchange {
		return scenarios.Exchange{Actor: scenarios.Benign, Session: session, Addr: addr, Sent: at(ms), Outcome: o}
	}
	setup := attack(500, scenarios.OutcomeSuccess, 0)
	setup.Abusive, setup.Addr, setup.CorrelationID = false, "10.0.0.67", "enum-0-0"
	xs := append(series(1, "sssdssdddddddd", 2), setup, benign(100, "b1", "10.0.0.66", scenarios.OutcomeSuccess),
		benign(200, "b2", "10.0.0.9", scenarios.OutcomeDenied), benign(300, "b1", "10.0.0.66", scenarios.OutcomeDenied))
	other := attack(700, scenarios.OutcomeSuccess, 5)
	other.Scenario = "unjudged"
	xs = append(xs, other)
	decisions := []scenarios.Decision{
		decide("d-shared", 2500, scenarios.SubjectAddress, "10.0.0.66"),
		decide("d-setup-addr", 4500, scenarios.SubjectAddress, "10.0.0.67"),
		decide("d-identity", 6000, scenarios.SubjectIdentity, "mallory"),
	}
	scs := []scenarios.Scenario{scenario(noBounds), {ID: "absent", Kind: "rest.enumeration"}}
	sorted := slices.Clone(xs)
	slices.SortStableFunc(sorted, func(a, b scenarios.Exchange) int { return a.Sent.Compare(b.Sent) })
	want := Judge(scenarios.Timeline{Start: at(0), End: at(20000), Exchanges: sorted, Decisions: decisions}, scs)
	require.True(t, want.Verdicts[0].Contained, "the case must exercise containment")
	require.Equal(t, "d-setup-addr", want.Verdicts[0].Detection.Decision, "a shared address is no subject")
	require.Equal(t, []string{"b1", "b2"}, want.Benign.HurtSessions)

	for seed := range uint64(5) {
		shuffled := slices.Clone(xs)
		rand.New(rand.NewPCG(seed, 1)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		var tally Tally
		for i := range shuffled {
			tally.Add(&shuffled[i])
		}
		assert.Equal(t, len(xs), tally.Len())
		assert.Equal(t, want, tally.Judge(at(0), at(20000), decisions, scs), "seed %d", seed)
	}
}
