package oracle

import (
	"math"
	"slices"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// DefaultMaxSuccess is the abusive success rate below which a scenario
// counts as contained when its SLA leaves MaxSuccess at zero (DESIGN.md:
// contain.max_success, default 5%).
const DefaultMaxSuccess = 0.05

// rateScale is the resolution at which success rates are compared: rates
// are whole millionths, so the comparison is exact integer arithmetic and
// "1 success in 20 requests" is exactly 5%, not a float rounding away.
const rateScale = 1_000_000

// containedAt returns when a scenario's abusive exchanges were contained,
// and false if they never were.
//
// DESIGN.md defines containment as "the first time T after which the
// scenario's abusive requests are denied and its success rate stays below
// max_success for the rest of the run". The oracle reads it as follows.
//
// T is the send time of a denied abusive exchange. Counting only the
// abusive exchanges sent in [T, t], the running success rate (successes
// over requests) must stay strictly below maxSuccess at every send time t
// from T to the end of the run. T is the earliest such time.
//
//   - Contained then resumed: when successes come back after denials, the
//     running rate measured from the first denial climbs to max_success or
//     above, so that denial is not T. A later denial after which the rate
//     stays low can be; if none, the scenario was never contained.
//   - Sporadic leaks are tolerated once containment has proven itself: at
//     5%, one success after 20 denials (1/21) keeps the rate below, one
//     success right after the first denial (1/2) does not.
//   - Exchanges sent at the same instant are judged together: the window
//     from T holds every exchange sent at T, and the rate is checked only
//     once every exchange of an instant is counted. The verdict therefore
//     does not depend on how concurrent requests happen to be ordered.
//
// It runs in O(n log n) for the sort and O(n) after it: with per-exchange
// weights w = scale*success - scale*maxSuccess and prefix sums P, "the rate
// of [a, b) is below maxSuccess" is P[b] - P[a] < 0, so a start a qualifies
// when the largest later prefix sum at an instant boundary is below P[a].
func containedAt(abusive []scenarios.Exchange, maxSuccess float64) (time.Time, bool) {
	ps := make([]point, len(abusive))
	for i, x := range abusive {
		ps[i] = point{sent: x.Sent, leak: x.Leak, outcome: x.Outcome, abusive: true}
	}
	return containedAtPoints(ps, maxSuccess)
}

// containedAtPoints is containedAt over a scenario's folded attacker
// exchanges; those not abusive are skipped.
func containedAtPoints(points []point, maxSuccess float64) (time.Time, bool) {
	xs := make([]point, 0, len(points))
	for _, p := range points {
		if p.abusive {
			xs = append(xs, p)
		}
	}
	slices.SortStableFunc(xs, func(a, b point) int { return a.sent.Compare(b.sent) })

	limit := int64(math.Round(maxSuccess * rateScale))
	prefix := make([]int64, len(xs)+1)
	for i, x := range xs {
		w := -limit
		if x.outcome == scenarios.OutcomeSuccess {
			w += rateScale
		}
		prefix[i+1] = prefix[i] + w
	}

	// instants[k] is the index of the first exchange sent at the k-th
	// distinct send time; the last entry is len(xs).
	var instants []int
	for i := range xs {
		if i == 0 || !xs[i].sent.Equal(xs[i-1].sent) {
			instants = append(instants, i)
		}
	}
	instants = append(instants, len(xs))

	// laterMax[k] is the largest prefix sum at the end of instant k or of
	// any later one.
	n := len(instants) - 1
	laterMax := make([]int64, n)
	for k := n - 1; k >= 0; k-- {
		laterMax[k] = prefix[instants[k+1]]
		if k+1 < n && laterMax[k+1] > laterMax[k] {
			laterMax[k] = laterMax[k+1]
		}
	}

	for k := range n {
		lo, hi := instants[k], instants[k+1]
		if !slices.ContainsFunc(xs[lo:hi], denied) {
			continue
		}
		if laterMax[k] < prefix[lo] {
			return xs[lo].sent, true
		}
	}
	return time.Time{}, false
}

func denied(p point) bool { return p.outcome == scenarios.OutcomeDenied }
