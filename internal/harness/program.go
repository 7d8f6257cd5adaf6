package harness

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/runtime/vu"
	"github.com/abusegate/abusegate/scenarios"
)

// tracker follows one workload's VUs for what the engine does not do
// itself: the scenario's own request budget, the correlation id of each
// request (the engine's "scenario-vu-seq", so signals and captures line up
// with the recorded exchanges), response signals, the plan's success and
// containment matchers, and, for replay packs, what was sent and answered.
type tracker struct {
	scenario string
	actor    scenarios.Actor
	budget   int64
	used     atomic.Int64
	clock    vu.Clock
	rules    *responseRules
	signals  *signals
	capture  *captures
	// bodies, when set, keeps the business fields of the requests the
	// shadow monitor should read (logins, coupons, cart adds).
	bodies *businessLog
	redact *Redactor
	auth   scenarios.Auth

	mu  sync.Mutex
	seq map[int]int // VU -> requests it has had answered (sent)
}

// responseRules are the plan's response matchers.
type responseRules struct {
	// headers signal detection when present in an answer.
	headers []string
	// contain, when set, overrides which statuses are containment answers.
	contain scenarios.StatusMatcher
	// success and body say when an abusive request succeeded.
	success scenarios.StatusMatcher
	body    string
}

func (t *tracker) sent(vu int) {
	t.mu.Lock()
	t.seq[vu]++
	t.mu.Unlock()
}

func (t *tracker) next(vu int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seq[vu]
}

// wrap returns p wrapped for VU vu, keeping p's SessionReporter when it
// has one (the engine reads identities from it).
func (t *tracker) wrap(p scenarios.Program, vu int) scenarios.Program {
	w := &program{t: t, vu: vu, inner: p}
	if sr, ok := p.(scenarios.SessionReporter); ok {
		return &sessionProgram{program: w, sr: sr}
	}
	return w
}

type program struct {
	t     *tracker
	vu    int
	inner scenarios.Program
}

type sessionProgram struct {
	*program
	sr scenarios.SessionReporter
}

// Session implements scenarios.SessionReporter.
func (p *sessionProgram) Session() scenarios.Session { return p.sr.Session() }

func (p *sessionProgram) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	return p.program.next(prev, p.sr)
}

// Next implements scenarios.Program.
func (p *program) Next(prev *scenarios.Result) (scenarios.Step, bool) { return p.next(prev, nil) }

func (p *program) next(prev *scenarios.Result, sr scenarios.SessionReporter) (scenarios.Step, bool) {
	t := p.t
	if prev != nil {
		t.sent(p.vu)
	}
	if t.budget > 0 && t.used.Load() >= t.budget {
		return scenarios.Step{}, false
	}
	st, ok := p.inner.Next(prev)
	if !ok {
		return st, false
	}
	if t.budget > 0 && t.used.Add(1) > t.budget {
		return scenarios.Step{}, false
	}
	if t.rules == nil && t.capture == nil && t.bodies == nil {
		return st, true
	}
	corr := correlationID(t.scenario, p.vu, t.next(p.vu))
	req := st.Request
	judge := req.Judge
	st.Request.Judge = func(res scenarios.Result) (scenarios.Outcome, int) {
		var o scenarios.Outcome
		var leak int
		if judge != nil {
			o, leak = judge(res)
		} else {
			o = scenarios.Classify(res.Status)
		}
		o, leak = t.classify(req, res, o, leak)
		t.signal(res, corr, sr)
		t.record(req, res, corr)
		t.bodies.note(req, corr)
		return o, leak
	}
	return st, true
}

// classify applies the plan's containment and success matchers.
func (t *tracker) classify(req scenarios.Request, res scenarios.Result, o scenarios.Outcome, leak int) (scenarios.Outcome, int) {
	r := t.rules
	if r == nil {
		return o, leak
	}
	if r.contain != nil && res.Status != 0 && r.contain.Match(res.Status) {
		return scenarios.OutcomeDenied, 0
	}
	if req.Abusive && o == scenarios.OutcomeSuccess {
		if (r.success != nil && !r.success.Match(res.Status)) || (r.body != "" && !bytes.Contains(res.Body, []byte(r.body))) {
			return scenarios.OutcomeFailed, 0
		}
	}
	return o, leak
}

// signal turns a signalling response header into a detection.
func (t *tracker) signal(res scenarios.Result, corr string, sr scenarios.SessionReporter) {
	if t.rules == nil || t.signals == nil || t.actor != scenarios.Attacker {
		return
	}
	for _, h := range t.rules.headers {
		v := res.Header.Get(h)
		if v == "" {
			continue
		}
		d := scenarios.Decision{
			Time: t.clock.Now(), Action: scenarios.ActionAlert, Detector: "response:" + h,
			Reason: "the target answered with " + h + ": " + v, CorrelationID: corr,
		}
		if sr != nil {
			s := sr.Session()
			switch {
			case s.Identity != "":
				d.Subject = scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: s.Identity}
			case s.TokenID != "":
				d.Subject = scenarios.Subject{Kind: scenarios.SubjectToken, Value: s.TokenID}
			}
		}
		t.signals.add(t.scenario+"/"+d.Subject.String(), d)
		return
	}
}

// record keeps what was sent and answered, for the replay pack, and learns
// the tokens a login issued so that they are redacted.
func (t *tracker) record(req scenarios.Request, res scenarios.Result, corr string) {
	if t.capture == nil {
		return
	}
	if req.Method == http.MethodPost && t.auth.Path != "" && req.Path == t.auth.Path && t.auth.TokenField != "" {
		var body map[string]any
		if json.Unmarshal(res.Body, &body) == nil {
			if tok, ok := body[t.auth.TokenField].(string); ok {
				t.redact.Add(tok)
			}
		}
	}
	t.capture.put(corr, reports.Capture{
		RequestHeader: req.Header.Clone(), RequestBody: clip(req.Body),
		Status: res.Status, ResponseHeader: res.Header.Clone(), ResponseBody: clip(res.Body),
	})
}

// maxCaptured bounds each captured body.
const maxCaptured = 4 << 10

func clip(b []byte) []byte {
	if len(b) > maxCaptured {
		b = b[:maxCaptured]
	}
	return bytes.Clone(b)
}

// correlationID is the engine's (runtime/vu send.go): "scenario-vu-seq".
func correlationID(scenario string, vu, seq int) string {
	return scenario + "-" + strconv.Itoa(vu) + "-" + strconv.Itoa(seq)
}

// signals collects response-signal detections, the first per key.
type signals struct {
	mu   sync.Mutex
	seen map[string]bool
	ds   []scenarios.Decision
}

func (s *signals) add(key string, d scenarios.Decision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[key] {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[key] = true
	d.ID = "signal-" + strconv.Itoa(len(s.ds)+1)
	s.ds = append(s.ds, d)
}

func (s *signals) decisions() []scenarios.Decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]scenarios.Decision(nil), s.ds...)
}

// captures holds every captured exchange by correlation id.
type captures struct {
	mu sync.Mutex
	m  map[string]reports.Capture
}

func (c *captures) put(corr string, x reports.Capture) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]reports.Capture{}
	}
	c.m[corr] = x
}

func (c *captures) get(corr string) (reports.Capture, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	x, ok := c.m[corr]
	return x, ok
}
