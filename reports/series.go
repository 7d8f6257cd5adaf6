package reports

import (
	"slices"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// DefaultBins is how many time buckets a timeline is cut into: enough to
// see a containment edge, few enough to keep reports small for a day-long
// simulated run.
const DefaultBins = 120

// TimelineReport is the run's traffic cut into equal time buckets, per
// scenario and for the benign users, with the monitor's decisions on the
// same axis. The HTML report draws it; JSON consumers can plot it too.
type TimelineReport struct {
	Start      time.Time `json:"start"`
	BinSeconds float64   `json:"bin_seconds"`
	Bins       int       `json:"bins"`
	// Benign counts every benign exchange.
	Benign Series `json:"benign"`
	// Scenarios counts each scenario's attacker exchanges, keyed by id.
	Scenarios map[string]Series `json:"scenarios"`
	Decisions []DecisionMark    `json:"decisions"`
}

// Series counts exchanges per bucket by outcome: Allowed are successes,
// Denied containment answers, Other every other answer or error; Leak
// sums the leak obtained in each bucket.
type Series struct {
	Allowed []int `json:"allowed"`
	Denied  []int `json:"denied"`
	Other   []int `json:"other"`
	Leak    []int `json:"leak,omitempty"`
}

// DecisionMark is one decision placed on the timeline.
type DecisionMark struct {
	At       float64 `json:"at_seconds"`
	Subject  string  `json:"subject"`
	Action   string  `json:"action"`
	Detector string  `json:"detector"`
	Reason   string  `json:"reason"`
	Enforced bool    `json:"enforced"`
}

// Timeline buckets tl into bins equal buckets from tl.Start to tl.End
// (bins <= 0 means DefaultBins). Exchanges are placed by send time.
func Timeline(tl scenarios.Timeline, bins int) *TimelineReport {
	if bins <= 0 {
		bins = DefaultBins
	}
	start, end := tl.Start, tl.End
	for _, ex := range tl.Exchanges {
		if start.IsZero() || ex.Sent.Before(start) {
			start = ex.Sent
		}
		if ex.Sent.After(end) {
			end = ex.Sent
		}
	}
	span := end.Sub(start)
	if span <= 0 {
		span = time.Second
	}
	width := span / time.Duration(bins)
	if width <= 0 {
		width = 1
	}
	t := &TimelineReport{
		Start:      start,
		BinSeconds: width.Seconds(),
		Bins:       bins,
		Benign:     newSeries(bins, false),
		Scenarios:  map[string]Series{},
		Decisions:  []DecisionMark{},
	}
	bin := func(at time.Time) int {
		return min(max(int(at.Sub(start)/width), 0), bins-1)
	}
	for _, ex := range tl.Exchanges {
		var s Series
		if ex.Actor == scenarios.Benign {
			s = t.Benign
		} else {
			var ok bool
			if s, ok = t.Scenarios[ex.Scenario]; !ok {
				s = newSeries(bins, true)
				t.Scenarios[ex.Scenario] = s
			}
		}
		i := bin(ex.Sent)
		switch ex.Outcome {
		case scenarios.OutcomeSuccess:
			s.Allowed[i]++
		case scenarios.OutcomeDenied:
			s.Denied[i]++
		default:
			s.Other[i]++
		}
		if s.Leak != nil {
			s.Leak[i] += ex.Leak
		}
	}
	decisions := slices.Clone(tl.Decisions)
	slices.SortStableFunc(decisions, func(a, b scenarios.Decision) int { return a.Time.Compare(b.Time) })
	for _, d := range decisions {
		t.Decisions = append(t.Decisions, DecisionMark{
			At:       d.Time.Sub(start).Seconds(),
			Subject:  d.Subject.String(),
			Action:   d.Action.String(),
			Detector: d.Detector,
			Reason:   d.Reason,
			Enforced: d.Enforced,
		})
	}
	return t
}

func newSeries(bins int, leak bool) Series {
	s := Series{Allowed: make([]int, bins), Denied: make([]int, bins), Other: make([]int, bins)}
	if leak {
		s.Leak = make([]int, bins)
	}
	return s
}
