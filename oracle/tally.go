package oracle

import (
	"slices"
	"strconv"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Tally folds a run's exchanges one at a time into what Judge needs of
// them, so a run whose timeline is never held in memory (a simulated day
// of hundreds of thousands of requests) is judged as if it had been: per
// scenario the counts, the subjects and correlation ids its attacker
// exchanges used, and one small point per attacker exchange for
// containment; per run the benign sessions, addresses and device
// fingerprints. Benign exchanges cost nothing beyond their session,
// address and fingerprint.
//
// The order exchanges are added in does not matter: Judge of a Tally fed
// a timeline in any order equals Judge of that timeline. The zero Tally is
// empty and ready; it is not safe for concurrent use.
type Tally struct {
	scenarios map[string]*scenarioTally
	// hurt is every benign session, true once it got a containment answer.
	hurt map[string]bool
	// shared are the addresses and sharedFP the device fingerprints
	// benign exchanges came from.
	shared, sharedFP map[string]bool
	n                int
}

// scenarioTally is one scenario's attacker exchanges, folded.
type scenarioTally struct {
	v Verdict // the counts and T0; the rest is judged at the end
	// subjects are the identities and tokens used; addrs the addresses
	// and fps the device fingerprints, kept apart because benign-shared
	// ones are left out at the end.
	subjects map[scenarios.Subject]bool
	addrs    map[string]bool
	fps      map[string]bool
	corr     map[string]bool
	points   []point
}

// point is what containment needs of one attacker exchange.
type point struct {
	sent    time.Time
	leak    int
	outcome scenarios.Outcome
	abusive bool
}

// Add folds one exchange in.
func (t *Tally) Add(x *scenarios.Exchange) {
	t.n++
	switch x.Actor {
	case scenarios.Benign:
		t.addBenign(x)
	case scenarios.Attacker:
		t.addAttacker(x)
	}
}

// Len is how many exchanges were added.
func (t *Tally) Len() int { return t.n }

func (t *Tally) addBenign(x *scenarios.Exchange) {
	if t.hurt == nil {
		t.hurt, t.shared, t.sharedFP = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	if x.Addr != "" {
		t.shared[x.Addr] = true
	}
	if x.Fingerprint != "" {
		t.sharedFP[x.Fingerprint] = true
	}
	id := x.Session
	if id == "" {
		id = "vu-" + strconv.Itoa(x.VU)
	}
	// Look up before assigning: a session already known keeps its key
	// and costs no allocation.
	if h, ok := t.hurt[id]; !ok || (!h && x.Outcome == scenarios.OutcomeDenied) {
		t.hurt[id] = h || x.Outcome == scenarios.OutcomeDenied
	}
}

func (t *Tally) addAttacker(x *scenarios.Exchange) {
	if t.scenarios == nil {
		t.scenarios = map[string]*scenarioTally{}
	}
	s := t.scenarios[x.Scenario]
	if s == nil {
		s = &scenarioTally{subjects: map[scenarios.Subject]bool{}, addrs: map[string]bool{}, fps: map[string]bool{}, corr: map[string]bool{}}
		t.scenarios[x.Scenario] = s
	}
	s.points = append(s.points, point{sent: x.Sent, leak: x.Leak, outcome: x.Outcome, abusive: x.Abusive})
	if x.Identity != "" {
		s.subjects[scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: x.Identity}] = true
	}
	if x.TokenID != "" {
		s.subjects[scenarios.Subject{Kind: scenarios.SubjectToken, Value: x.TokenID}] = true
	}
	if x.Addr != "" {
		s.addrs[x.Addr] = true
	}
	if x.Fingerprint != "" {
		s.fps[x.Fingerprint] = true
	}
	if x.CorrelationID != "" {
		s.corr[x.CorrelationID] = true
	}
	v := &s.v
	v.LeakTotal += x.Leak
	if !x.Abusive {
		return
	}
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

// Judge measures every scenario against what was added and its SLA, as
// the package-level Judge does for a timeline holding the same
// exchanges: start and end bound the run, decisions are every detection
// source's. It does not change t.
func (t *Tally) Judge(start, end time.Time, decisions []scenarios.Decision, scs []scenarios.Scenario) Result {
	benign := t.benign()
	res := Result{Start: start, End: end, Benign: benign, Pass: len(scs) > 0}
	for _, sc := range scs {
		s := t.scenarios[sc.ID]
		if s == nil {
			s = &scenarioTally{}
		}
		v := s.judge(sc, decisions, benign, t.shared, t.sharedFP)
		res.Verdicts = append(res.Verdicts, v)
		res.Pass = res.Pass && v.Pass
	}
	res.Kinds, res.Resilience = summarize(res.Verdicts)
	return res
}

func (t *Tally) benign() Benign {
	b := Benign{Sessions: len(t.hurt), HurtSessions: []string{}}
	for id, h := range t.hurt {
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
