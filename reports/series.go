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
// (bins <= 0 means DefaultBins). Exchanges are placed by send time. It is
// a SeriesTally fed tl's exchanges.
func Timeline(tl scenarios.Timeline, bins int) *TimelineReport {
	var t SeriesTally
	for i := range tl.Exchanges {
		t.Add(&tl.Exchanges[i])
	}
	return t.Timeline(tl.Start, tl.End, tl.Decisions, bins)
}

// SeriesTally keeps what Timeline needs of each exchange — 24 bytes, no
// pointer — so a run that never holds its exchanges (simulate streams
// them) still draws the whole run: the buckets' width is known only once
// the run is over. The zero SeriesTally is empty and ready; it is not safe
// for concurrent use.
type SeriesTally struct {
	// base is the first exchange's send time; points hold offsets from it
	// (monotonic when the clock had a reading, so buckets are what
	// subtracting the exchanges' own times gives).
	base   time.Time
	points []seriesPoint
	// keys are the scenario ids of attacker exchanges, in first-seen
	// order; index holds their positions.
	keys  []string
	index map[string]int32
}

// seriesPoint is one exchange: its send time from base, its leak, its
// series (-1 benign, else an index into keys) and its outcome.
type seriesPoint struct {
	off     int64
	leak    int
	key     int32
	outcome scenarios.Outcome
}

// Add folds one exchange in.
func (t *SeriesTally) Add(ex *scenarios.Exchange) {
	if len(t.points) == 0 {
		t.base = ex.Sent
	}
	key := int32(-1)
	if ex.Actor != scenarios.Benign {
		k, ok := t.index[ex.Scenario]
		if !ok {
			if t.index == nil {
				t.index = map[string]int32{}
			}
			k = int32(len(t.keys))
			t.keys = append(t.keys, ex.Scenario)
			t.index[ex.Scenario] = k
		}
		key = k
	}
	t.points = append(t.points, seriesPoint{off: int64(ex.Sent.Sub(t.base)), leak: ex.Leak, key: key, outcome: ex.Outcome})
}

// Timeline buckets what was added into bins equal buckets from start to
// end, widened to every exchange's send time, with decisions on the same
// axis; Timeline(tl, bins) for a timeline holding the same exchanges.
func (t *SeriesTally) Timeline(start, end time.Time, decisions []scenarios.Decision, bins int) *TimelineReport {
	if bins <= 0 {
		bins = DefaultBins
	}
	for _, p := range t.points {
		sent := t.base.Add(time.Duration(p.off))
		if start.IsZero() || sent.Before(start) {
			start = sent
		}
		if sent.After(end) {
			end = sent
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
	tr := &TimelineReport{
		Start:      start,
		BinSeconds: width.Seconds(),
		Bins:       bins,
		Benign:     newSeries(bins, false),
		Scenarios:  map[string]Series{},
		Decisions:  []DecisionMark{},
	}
	series := make([]Series, len(t.keys))
	for i, k := range t.keys {
		series[i] = newSeries(bins, true)
		tr.Scenarios[k] = series[i]
	}
	// from is start's distance to base: a point's bucket is its offset
	// plus from, divided by the width.
	from := t.base.Sub(start)
	for _, p := range t.points {
		s := tr.Benign
		if p.key >= 0 {
			s = series[p.key]
		}
		i := min(max(int((time.Duration(p.off)+from)/width), 0), bins-1)
		switch p.outcome {
		case scenarios.OutcomeSuccess:
			s.Allowed[i]++
		case scenarios.OutcomeDenied:
			s.Denied[i]++
		default:
			s.Other[i]++
		}
		if s.Leak != nil {
			s.Leak[i] += p.leak
		}
	}
	decisions = slices.Clone(decisions)
	slices.SortStableFunc(decisions, func(a, b scenarios.Decision) int { return a.Time.Compare(b.Time) })
	for _, d := range decisions {
		tr.Decisions = append(tr.Decisions, DecisionMark{
			At:       d.Time.Sub(start).Seconds(),
			Subject:  d.Subject.String(),
			Action:   d.Action.String(),
			Detector: d.Detector,
			Reason:   d.Reason,
			Enforced: d.Enforced,
		})
	}
	return tr
}

func newSeries(bins int, leak bool) Series {
	s := Series{Allowed: make([]int, bins), Denied: make([]int, bins), Other: make([]int, bins)}
	if leak {
		s.Leak = make([]int, bins)
	}
	return s
}
