package oracle

import (
	"fmt"
	"slices"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Result is the oracle's answer for one run: a verdict per scenario, the
// benign harm, and whether the gate passes. It is everything reports need,
// so they never have to look at the timeline again.
type Result struct {
	// Start and End are copied from the timeline so reports can show
	// offsets such as t0 relative to the start of the run.
	Start, End time.Time
	// Verdicts has one entry per scenario, in the order they were given.
	Verdicts []Verdict
	// Kinds summarizes MTTD and MTTC per misuse kind, sorted by kind.
	Kinds      []KindSummary
	Resilience Resilience
	Benign     Benign
	// Pass is true when at least one scenario was judged and every verdict
	// passed; an empty plan never passes a gate.
	Pass bool
}

// Benign is the run's false-positive figure: benign sessions that received
// any containment answer. It is a run-level number because a guard that
// blocks a shared address hurts benign users regardless of which scenario
// provoked it; every scenario's MaxBenign is checked against it.
type Benign struct {
	Sessions int
	Hurt     int
	// Rate is Hurt/Sessions, 0 when there were no benign sessions.
	Rate float64
	// HurtSessions are the ids of the hurt sessions, sorted, so a report
	// can point at the users a tester should look at.
	HurtSessions []string
}

// Verdict is what the oracle measured for one scenario and whether that
// meets its SLA. Durations are meaningful only when the matching flag
// (Detected, Contained) is set: never contained is a failed SLA, not a
// number.
type Verdict struct {
	Scenario string // the scenario's id
	Kind     string
	Title    string
	LeakUnit string
	// SLA is the scenario's SLA with the oracle's defaults filled in.
	SLA    scenarios.SLA
	Status Status
	// T0 is the send time of the first abusive request; zero for NoAttack.
	T0        time.Time
	Detected  bool
	Detection Detection
	MTTD      time.Duration
	Contained bool
	// ContainedAt is T in DESIGN.md's definition of containment.
	ContainedAt time.Time
	MTTC        time.Duration
	// LeakBefore counts the leak obtained by exchanges sent before
	// ContainedAt (all of it when never contained); LeakTotal counts it over
	// the whole run.
	LeakBefore int
	LeakTotal  int
	// Requests, Successes and Denied count the abusive exchanges;
	// AuthRequests and AuthDenied those that carried a token.
	Requests     int
	Successes    int
	Denied       int
	AuthRequests int
	AuthDenied   int
	Breaches     []Breach
	Pass         bool
}

// Detection is the decision a scenario's MTTD was measured from, so a
// report can say which detector caught the attack and why.
type Detection struct {
	Time     time.Time
	Decision string // the decision's id
	Detector string
	Reason   string
	Subject  scenarios.Subject
	Action   scenarios.Action
	Enforced bool
	// CorrelationID is the request an external alert named, if it did.
	CorrelationID string
}

// Judge measures every scenario of a run against its timeline and SLA.
//
// It only reads its arguments: the same timeline and plan always give the
// same result. Exchanges of scenarios not in scs are ignored, except that
// benign exchanges always count towards Benign.
func Judge(tl scenarios.Timeline, scs []scenarios.Scenario) Result {
	byScenario := make(map[string][]scenarios.Exchange)
	for _, x := range tl.Exchanges {
		if x.Actor == scenarios.Attacker {
			byScenario[x.Scenario] = append(byScenario[x.Scenario], x)
		}
	}
	benign := judgeBenign(tl.Exchanges)
	shared := benignAddresses(tl.Exchanges)
	res := Result{Start: tl.Start, End: tl.End, Benign: benign, Pass: len(scs) > 0}
	for _, sc := range scs {
		v := judgeScenario(sc, byScenario[sc.ID], tl.Decisions, benign, shared)
		res.Verdicts = append(res.Verdicts, v)
		res.Pass = res.Pass && v.Pass
	}
	res.Kinds, res.Resilience = summarize(res.Verdicts)
	return res
}

func judgeScenario(sc scenarios.Scenario, xs []scenarios.Exchange, decisions []scenarios.Decision, benign Benign, shared map[string]bool) Verdict {
	v := Verdict{
		Scenario: sc.ID,
		Kind:     sc.Kind,
		Title:    sc.Title,
		LeakUnit: sc.LeakUnit,
		SLA:      effectiveSLA(sc.SLA),
	}
	var abusive []scenarios.Exchange
	for _, x := range xs {
		v.LeakTotal += x.Leak
		if !x.Abusive {
			continue
		}
		abusive = append(abusive, x)
		v.Requests++
		switch x.Outcome {
		case scenarios.OutcomeSuccess:
			v.Successes++
		case scenarios.OutcomeDenied:
			v.Denied++
		}
		if x.TokenID != "" {
			v.AuthRequests++
			if x.Outcome == scenarios.OutcomeDenied {
				v.AuthDenied++
			}
		}
		if v.Requests == 1 || x.Sent.Before(v.T0) {
			v.T0 = x.Sent
		}
	}
	v.LeakBefore = v.LeakTotal

	if len(abusive) == 0 {
		v.Status = NoAttack
		v.Breaches = breaches(v, benign)
		v.Pass = len(v.Breaches) == 0
		return v
	}

	if d, ok := firstDecision(decisions, subjectsOf(xs, shared), correlationIDs(xs)); ok {
		v.Detected = true
		v.Detection = Detection{
			Time:     d.Time,
			Decision: d.ID,
			Detector: d.Detector,
			Reason:   d.Reason,
			Subject:  d.Subject,
			Action:   d.Action,
			Enforced: d.Enforced,

			CorrelationID: d.CorrelationID,
		}
		v.MTTD = max(d.Time.Sub(v.T0), 0)
	}

	if t, ok := containedAt(abusive, v.SLA.MaxSuccess); ok {
		v.Contained = true
		v.ContainedAt = t
		v.MTTC = max(t.Sub(v.T0), 0)
		v.LeakBefore = 0
		for _, x := range xs {
			if x.Sent.Before(t) {
				v.LeakBefore += x.Leak
			}
		}
	}

	switch {
	case v.Contained:
		v.Status = Contained
	case v.Detected:
		v.Status = DetectedNotContained
	default:
		v.Status = Undetected
	}
	v.Breaches = breaches(v, benign)
	v.Pass = len(v.Breaches) == 0
	return v
}

// subjectsOf returns the identities, tokens and addresses a scenario's
// attacker exchanges used: the subjects a decision can name to be
// attributed to the scenario. Addresses that benign users shared are left
// out: a decision about such an address (a NAT, a loopback demo) says
// nothing about whether this scenario was noticed, and counting it would
// credit a detector for an attack it never saw.
func subjectsOf(xs []scenarios.Exchange, shared map[string]bool) map[scenarios.Subject]bool {
	set := make(map[scenarios.Subject]bool)
	add := func(k scenarios.SubjectKind, v string) {
		if v != "" {
			set[scenarios.Subject{Kind: k, Value: v}] = true
		}
	}
	for _, x := range xs {
		add(scenarios.SubjectIdentity, x.Identity)
		add(scenarios.SubjectToken, x.TokenID)
		if !shared[x.Addr] {
			add(scenarios.SubjectAddress, x.Addr)
		}
	}
	return set
}

// benignAddresses are the client addresses benign exchanges came from.
func benignAddresses(xs []scenarios.Exchange) map[string]bool {
	set := make(map[string]bool)
	for _, x := range xs {
		if x.Actor == scenarios.Benign && x.Addr != "" {
			set[x.Addr] = true
		}
	}
	return set
}

// correlationIDs are the correlation ids of a scenario's attacker
// exchanges: an external detector's alert naming one of them is about the
// scenario, whatever subject it names.
func correlationIDs(xs []scenarios.Exchange) map[string]bool {
	set := make(map[string]bool, len(xs))
	for _, x := range xs {
		if x.CorrelationID != "" {
			set[x.CorrelationID] = true
		}
	}
	return set
}

// firstDecision returns the earliest decision, of any action and enforced
// or not, about one of the subjects or naming one of the correlation ids;
// on equal times the first listed wins.
func firstDecision(ds []scenarios.Decision, subjects map[scenarios.Subject]bool, corr map[string]bool) (scenarios.Decision, bool) {
	var first scenarios.Decision
	found := false
	for _, d := range ds {
		key := scenarios.Subject{Kind: d.Subject.Kind, Value: d.Subject.Value}
		if !subjects[key] && (d.CorrelationID == "" || !corr[d.CorrelationID]) {
			continue
		}
		if !found || d.Time.Before(first.Time) {
			first, found = d, true
		}
	}
	return first, found
}

// judgeBenign counts benign sessions and those that got a containment
// answer. An exchange without a session id counts as its VU's session.
func judgeBenign(xs []scenarios.Exchange) Benign {
	hurt := make(map[string]bool)
	for _, x := range xs {
		if x.Actor != scenarios.Benign {
			continue
		}
		id := x.Session
		if id == "" {
			id = fmt.Sprintf("vu-%d", x.VU)
		}
		hurt[id] = hurt[id] || x.Outcome == scenarios.OutcomeDenied
	}
	b := Benign{Sessions: len(hurt), HurtSessions: []string{}}
	for id, h := range hurt {
		if h {
			b.HurtSessions = append(b.HurtSessions, id)
		}
	}
	slices.Sort(b.HurtSessions)
	b.Hurt = len(b.HurtSessions)
	if b.Sessions > 0 {
		b.Rate = float64(b.Hurt) / float64(b.Sessions)
	}
	return b
}
