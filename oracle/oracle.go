package oracle

import (
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
// report can say which detector caught the attack and why. MTTD <= MTTC
// whenever a scenario is both detected and contained.
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
	// DecidedAt is when the decision was taken. It is Time unless
	// FromContainment.
	DecidedAt time.Time
	// FromContainment is true when the decision came after the scenario
	// was contained: a target that denied the scenario's requests from
	// ContainedAt on had detected it by then, so Time is ContainedAt
	// (MTTD = MTTC) and the decision says who detected the attack, not
	// when. Without any decision naming the scenario it is not detected,
	// contained or not: no detector reported it.
	FromContainment bool
}

// Judge measures every scenario of a run against its timeline and SLA.
//
// It only reads its arguments: the same timeline and plan always give the
// same result. Exchanges of scenarios not in scs are ignored, except that
// benign exchanges always count towards Benign. It is a Tally fed the
// timeline's exchanges.
func Judge(tl scenarios.Timeline, scs []scenarios.Scenario) Result {
	var t Tally
	for i := range tl.Exchanges {
		t.Add(&tl.Exchanges[i])
	}
	return t.Judge(tl.Start, tl.End, tl.Decisions, scs)
}

// judge is sc's verdict from its folded attacker exchanges.
func (s *scenarioTally) judge(sc scenarios.Scenario, decisions []scenarios.Decision, benign Benign, shared, sharedFP map[string]bool) Verdict {
	v := s.v
	v.Scenario, v.Kind, v.Title, v.LeakUnit = sc.ID, sc.Kind, sc.Title, sc.LeakUnit
	v.SLA = effectiveSLA(sc.SLA)
	v.LeakBefore = v.LeakTotal

	if v.Requests == 0 {
		v.Status = NoAttack
		v.Breaches = breaches(v, benign)
		v.Pass = len(v.Breaches) == 0
		return v
	}

	if d, ok := firstDecision(decisions, s.subjectsOf(shared, sharedFP), s.corr); ok {
		v.Detected = true
		v.Detection = Detection{
			Time:      d.Time,
			DecidedAt: d.Time,
			Decision:  d.ID,
			Detector:  d.Detector,
			Reason:    d.Reason,
			Subject:   d.Subject,
			Action:    d.Action,
			Enforced:  d.Enforced,

			CorrelationID: d.CorrelationID,
		}
	}

	if t, ok := containedAtPoints(s.points, v.SLA.MaxSuccess); ok {
		v.Contained = true
		v.ContainedAt = t
		v.MTTC = max(t.Sub(v.T0), 0)
		v.LeakBefore = 0
		for _, p := range s.points {
			if p.sent.Before(t) {
				v.LeakBefore += p.leak
			}
		}
		// A containment implies a detection: a target that denied the
		// scenario's requests from T on had noticed it by T. The first
		// decision naming the scenario can come later (the detector that
		// contained it named a subject the harness cannot tie to the
		// scenario, such as a device fingerprint of the guard's own
		// naming, and another named the scenario afterwards); it says
		// who detected the attack, not when: it was detected by T.
		if v.Detected && v.Detection.Time.After(t) {
			v.Detection.Time, v.Detection.FromContainment = t, true
		}
	}
	if v.Detected {
		v.MTTD = max(v.Detection.Time.Sub(v.T0), 0)
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

// subjectsOf returns the identities, tokens, addresses and device
// fingerprints the scenario's attacker exchanges used: the subjects a
// decision can name to be attributed to the scenario. Addresses and
// fingerprints that benign users shared are left out: a decision about
// such an address (a NAT, a loopback demo) or device (a common browser)
// says nothing about whether this scenario was noticed, and counting it
// would credit a detector for an attack it never saw.
func (s *scenarioTally) subjectsOf(shared, sharedFP map[string]bool) map[scenarios.Subject]bool {
	set := make(map[scenarios.Subject]bool, len(s.subjects)+len(s.addrs)+len(s.fps))
	for k := range s.subjects {
		set[k] = true
	}
	for a := range s.addrs {
		if !shared[a] {
			set[scenarios.Subject{Kind: scenarios.SubjectAddress, Value: a}] = true
		}
	}
	for f := range s.fps {
		if !sharedFP[f] {
			set[scenarios.Subject{Kind: scenarios.SubjectFingerprint, Value: f}] = true
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
