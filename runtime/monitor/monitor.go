package monitor

import (
	"fmt"
	"sync"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// maxTokens bounds the token->identity table; the oldest mapping goes
// first, so a credential-stuffing run cannot grow it without end.
const maxTokens = 1 << 16

// Monitor scores events per subject and decides containment. One Monitor
// serves one Surface; it is safe for concurrent use by many guard
// goroutines.
type Monitor struct {
	cfg    Config
	router *Router
	h      hasher

	tokMu    sync.RWMutex
	tokens   map[string]string // token id -> identity
	tokOrder []string          // insertion order, for eviction
	tokNext  int               // next slot of tokOrder to evict once full

	mu  sync.Mutex
	obs Observation // scratch, reused under mu so Observe does not allocate
	// The detectors, in the order Observe calls them (their findings'
	// decisions come in that order): called by their types, not through
	// the Detector interface, saving an indirect call and its result's
	// copy per detector per event.
	rate     *rate
	enum     *enumeration
	scraping *scraping
	stuffing *stuffing
	reuse    *reuse
	coupon   *coupon
	flow     *flow
	sweep    *sweep
	hoard    *hoarding
	signup   *signup
	recs     *records
	risk     *risk
	live     map[liveKey]int64 // expiry of each subject's last decision per rule
	expiries liveHeap          // live's expiries, soonest first, so a sweep reads only the expired
	history  map[scenarios.Subject]history
	seq      int
	amp      amplification
	over     oversize
	// routes are the hashes of the matched operations' routes by operation
	// index, 0 until first needed.
	routes []uint64
}

type liveKey struct {
	rule    string
	subject scenarios.Subject
}

// history counts a subject's decisions for escalation.
type history struct {
	count int
	last  int64
}

// New builds a Monitor for the operations of surface with the built-in
// detectors and cfg's policy.
func New(surface scenarios.Surface, cfg Config) *Monitor {
	cfg = cfg.withDefaults()
	p, n := cfg.Policy, cfg.MaxKeys
	h := newHasher(cfg.Seed)
	recs := newRecords(n, recordIdle(p), profileIdle)
	m := &Monitor{
		cfg:     cfg,
		router:  NewRouter(surface),
		h:       h,
		tokens:  make(map[string]string),
		recs:    recs,
		flow:    newFlow(p.Flow, surface),
		risk:    newRisk(p.Risk, n, recs, h),
		live:    make(map[liveKey]int64),
		history: make(map[scenarios.Subject]history),
		amp:     amplification{cfg: p.Amplification},
		over:    oversize{cfg: p.Oversize},
		hoard:   newHoarding(p.Hoarding),
		signup:  newSignup(p.Signup, surface, n, h),
		routes:  make([]uint64, len(surface.Operations)),
	}
	cat := newCatalog() // learnt by scraping, read by sweep after it
	m.rate, m.enum, m.scraping = newRate(p.Rate, n), newEnumeration(p.Enumeration), newScraping(p.Scraping, n, h, cat)
	m.stuffing, m.reuse, m.coupon = newStuffing(p.Stuffing, n, h), newReuse(p.Reuse, h), newCoupon(p.Coupon, n, h)
	m.sweep = newSweep(p.Sweep, h, cat, recs)
	return m
}

// recordIdle is how long a subject's record must outlive its last
// observation for every detector keeping state in it.
func recordIdle(p *Policy) time.Duration {
	return max(2*p.Rate.Window, 2*p.Enumeration.Window, 2*p.Scraping.Window, p.Reuse.Window, p.Reuse.TravelWindow, sessionIdle)
}

// Config returns the effective configuration, defaults filled in, so
// callers can report the policy a run was judged by.
func (m *Monitor) Config() Config { return m.cfg }

// Policy is the compiled policy the monitor decides by; the guard reads
// its rules' throttle buckets.
func (m *Monitor) Policy() *Policy { return m.cfg.Policy }

// Router is the monitor's route matcher, shared with the guard so a
// request is matched against the Surface once.
func (m *Monitor) Router() *Router { return m.router }

// Learn records that tokenID belongs to identity, so that requests bearing
// the token are scored, and blocked, as that identity. The guard calls it
// when it sees a successful login.
func (m *Monitor) Learn(tokenID, identity string) {
	if tokenID == "" || identity == "" {
		return
	}
	m.tokMu.Lock()
	defer m.tokMu.Unlock()
	if _, ok := m.tokens[tokenID]; !ok {
		if len(m.tokOrder) < maxTokens {
			m.tokOrder = append(m.tokOrder, tokenID)
		} else {
			delete(m.tokens, m.tokOrder[m.tokNext])
			m.tokOrder[m.tokNext] = tokenID
			m.tokNext = (m.tokNext + 1) % maxTokens
		}
	}
	m.tokens[tokenID] = identity
}

// Identity returns the identity a token was learned for, "" if unknown.
// A request without a token is answered inline, without the lock: most
// requests of anonymous traffic ask.
func (m *Monitor) Identity(tokenID string) string {
	if tokenID == "" {
		return ""
	}
	return m.identity(tokenID)
}

func (m *Monitor) identity(tokenID string) string {
	m.tokMu.RLock()
	defer m.tokMu.RUnlock()
	return m.tokens[tokenID]
}

// AccountCreated tells the monitor when an account was created, where the
// caller knows (a user directory); the risk of a young account's findings
// weighs more. Signups seen in traffic are recorded without it.
func (m *Monitor) AccountCreated(identity string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.risk.accountCreated(identity, at.UnixNano())
}

// TrainFlows learns the operation order of benign sessions (each a list of
// events in order), for the flow detector's transition model.
func (m *Monitor) TrainFlows(sessions [][]scenarios.Event) {
	idx := make([][]int, 0, len(sessions))
	for _, s := range sessions {
		var ops []int
		for _, ev := range s {
			if mt, ok := m.router.Match(ev.Method, ev.Path); ok && mt.Index >= 0 {
				ops = append(ops, mt.Index)
			}
		}
		idx = append(idx, ops)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.flow.Train(idx)
}

// Observe scores one exchange and returns the decisions it triggers, if
// any. It fills the event's Route and ObjectID from the Surface and its
// Identity from learned tokens; ev.Time is its only clock, so events may
// come from a real guard or a simulation. Safe for concurrent use.
func (m *Monitor) Observe(ev scenarios.Event) []scenarios.Decision {
	mt, _ := m.router.Match(ev.Method, ev.Path)
	return m.ObserveMatched(&ev, mt)
}

// ObserveMatched is Observe for an event whose method and path the caller
// has matched already with the monitor's Router: mt is what Match returned
// for them (a Match with an empty Route when nothing matched). The guard
// matches each request once and hands the match on, instead of the
// monitor matching it again. ev is read, neither kept nor changed.
func (m *Monitor) ObserveMatched(ev *scenarios.Event, mt Match) []scenarios.Decision {
	identity := ev.Identity
	if identity == "" {
		identity = m.Identity(ev.TokenID)
	}
	subject, ok := scoredBy(identity, ev.TokenID, ev.Addr)
	if !ok {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	// Field by field: a composite literal is built aside and copied in,
	// two passes over some 350 bytes per event.
	o := &m.obs
	o.Event, o.Subject, o.Op, o.OpIndex, o.Now = *ev, subject, nil, -1, ev.Time.UnixNano()
	o.Event.Identity = identity
	o.Keys, o.rec, o.route, o.spanned = Keys{}, nil, 0, false
	if mt.Route != "" {
		o.Event.Route, o.Op, o.OpIndex = mt.Route, mt.Op, mt.Index
		// A REST object id is in the path; a GraphQL field's is an
		// argument, which the guard read into the event.
		if mt.Op == nil || mt.Op.Protocol != scenarios.GraphQL {
			o.Event.ObjectID = mt.ObjectID
		}
		// An operation's route is always the same template (or, for a
		// GraphQL field, its key).
		if i := mt.Index; i >= 0 && i < len(m.routes) {
			if m.routes[i] == 0 {
				m.routes[i] = m.h.key(mt.Route)
			}
			o.route = m.routes[i]
		}
	}
	m.keys(o)
	rec, fresh := m.recs.get(o.Keys.Subject, o.Now)
	rec.last = o.Now
	o.rec = rec
	ctx := m.risk.observe(o, fresh)
	var out []scenarios.Decision
	if f, ok := m.rate.Observe(o); ok {
		out = m.decide(out, m.rate.Name(), o, f, ctx)
	}
	if f, ok := m.enum.Observe(o); ok {
		out = m.decide(out, m.enum.Name(), o, f, ctx)
	}
	if f, ok := m.scraping.Observe(o); ok {
		out = m.decide(out, m.scraping.Name(), o, f, ctx)
	}
	if f, ok := m.stuffing.Observe(o); ok {
		out = m.decide(out, m.stuffing.Name(), o, f, ctx)
	}
	if f, ok := m.reuse.Observe(o); ok {
		out = m.decide(out, m.reuse.Name(), o, f, ctx)
	}
	if f, ok := m.coupon.Observe(o); ok {
		out = m.decide(out, m.coupon.Name(), o, f, ctx)
	}
	if f, ok := m.flow.Observe(o); ok {
		out = m.decide(out, m.flow.Name(), o, f, ctx)
	}
	if f, ok := m.sweep.Observe(o); ok {
		out = m.decide(out, m.sweep.Name(), o, f, ctx)
	}
	if f, ok := m.hoard.Observe(o); ok {
		out = m.decide(out, m.hoard.Name(), o, f, ctx)
	}
	if f, ok := m.signup.Observe(o); ok {
		out = m.decide(out, m.signup.Name(), o, f, ctx)
	}
	return out
}

func (m *Monitor) keys(o *Observation) {
	ev := &o.Event
	k := &o.Keys
	k.Identity, k.Token, k.Addr, k.Fingerprint = m.h.key(ev.Identity), m.h.key(ev.TokenID), m.h.key(ev.Addr), m.h.key(ev.Fingerprint)
	k.Prefix = m.h.key(prefix(ev.Addr))
	switch o.Subject.Kind {
	case scenarios.SubjectIdentity:
		k.Subject = k.Identity
	case scenarios.SubjectToken:
		k.Subject = k.Token ^ tokenSalt
	default:
		k.Subject = k.Addr ^ addrSalt
	}
	if k.Fingerprint != 0 && k.Prefix != 0 {
		k.Cluster = k.Fingerprint*31 ^ k.Prefix
	}
}

// tokenSalt and addrSalt keep the subject keys of tokens and addresses
// apart from identities spelt alike; both are even, so a salted key stays
// odd and never zero.
const (
	tokenSalt = 0x7a3c_91e4_52b8_06d2
	addrSalt  = 0x1f6e_08a4_c3d5_7b90
)

// scoredAs is the subject an event counts against: its identity when
// known, else its token, else its client address.
func scoredAs(ev *scenarios.Event) (scenarios.Subject, bool) {
	return scoredBy(ev.Identity, ev.TokenID, ev.Addr)
}

// scoredBy is scoredAs of an event with these identity, token and address.
func scoredBy(identity, tokenID, addr string) (scenarios.Subject, bool) {
	switch {
	case identity != "":
		return subj(scenarios.SubjectIdentity, identity), true
	case tokenID != "":
		return subj(scenarios.SubjectToken, tokenID), true
	case addr != "":
		return subj(scenarios.SubjectAddress, addr), true
	}
	return scenarios.Subject{}, false
}

// subjectsOf are the subjects a finding is against: its own, or the
// scored subject and, for an identity, its token too, so the guard can deny
// the token without a lookup.
func subjectsOf(o *Observation, f Finding) []scenarios.Subject {
	if len(f.Subjects) > 0 {
		return f.Subjects
	}
	if o.Subject.Kind == scenarios.SubjectIdentity && o.Event.TokenID != "" {
		return []scenarios.Subject{o.Subject, subj(scenarios.SubjectToken, o.Event.TokenID)}
	}
	return []scenarios.Subject{o.Subject}
}

// decide scores a finding and applies the first matching rule to its
// subjects, escalating for repeat offenders, including those still
// contained, and skipping subjects on which the same alert is still live.
func (m *Monitor) decide(out []scenarios.Decision, detector string, o *Observation, f Finding, c context) []scenarios.Decision {
	subjects := subjectsOf(o, f)
	points, note := m.risk.weigh(detector, o.Op, c)
	score, reasons := m.risk.add(subjects[0], points, detector+": "+f.Reason+note, o.Now)
	var rule *Rule
	for i := range m.cfg.Policy.Rules {
		if r := &m.cfg.Policy.Rules[i]; r.match(detector, score) {
			rule = r
			break
		}
	}
	if rule == nil {
		return out
	}
	chosen := subjects
	alertOnly := false
	if len(rule.Subjects) > 0 {
		chosen = nil
		for _, s := range subjects {
			if rule.Subjects[s.Kind] {
				chosen = append(chosen, s)
			}
		}
		if len(chosen) == 0 {
			chosen, alertOnly = subjects[:1], true
		}
	}
	for _, s := range chosen {
		if s.Value == "" {
			continue
		}
		k := liveKey{rule: rule.Name, subject: s}
		m.sweepLive(o.Now)
		h := m.history[s]
		if h.last != 0 && rule.Escalate.Window > 0 && o.Now-h.last > int64(rule.Escalate.Window) {
			h = history{}
		}
		action, ttl := rule.escalated(h.count)
		// A live alert is not repeated. A subject that goes on misbehaving
		// while contained (the guard feeds back the requests it refuses)
		// is contained again, escalated, so the abuse does not start
		// afresh when the decision ends; once escalation stops lengthening
		// the TTL, not before half of the live decision has run.
		if exp, ok := m.live[k]; ok && o.Now < exp && (!rule.Action.Contains() || exp-o.Now > int64(ttl)/2) {
			continue
		}
		if alertOnly {
			action = scenarios.ActionAlert
		}
		m.history[s] = history{count: h.count + 1, last: o.Now}
		m.seq++
		d := scenarios.Decision{
			ID: m.id(), Time: o.Event.Time, Subject: s, Action: action, Expires: o.Event.Time.Add(ttl),
			Detector: detector, Reason: f.Reason, Score: score, Reasons: reasons, Rule: rule.Name, Level: h.count,
			CorrelationID: o.Event.CorrelationID,
		}
		m.live[k] = d.Expires.UnixNano()
		m.expiries.push(liveExpiry{at: m.live[k], key: k})
		out = append(out, d)
	}
	return out
}

func (m *Monitor) id() string {
	if m.cfg.IDPrefix != "" {
		return fmt.Sprintf("d-%s-%06d", m.cfg.IDPrefix, m.seq)
	}
	return fmt.Sprintf("d-%06d", m.seq)
}

// sweepLive forgets expired decisions and stale histories once the tables
// have grown. The expired decisions are popped from the expiry heap rather
// than found by a scan of every live one: each finding sweeps, and a guard
// containing thousands of subjects scanned them all per finding. The
// result is the scan's: every key live[k] holds has an entry of that
// expiry in the heap, so each expired key is reached; an entry whose key
// has since been decided again (or dropped) is only discarded.
func (m *Monitor) sweepLive(now int64) {
	if len(m.live) >= 64 {
		for len(m.expiries) > 0 && m.expiries[0].at <= now {
			e := m.expiries.pop()
			if exp, ok := m.live[e.key]; ok && now >= exp {
				delete(m.live, e.key)
			}
		}
	}
	if len(m.expiries) > 2*len(m.live)+64 {
		// Entries outlived by newer decisions, or left while the table
		// was too small to sweep: start again from the table.
		m.expiries = m.expiries[:0]
		for k, at := range m.live {
			m.expiries.push(liveExpiry{at: at, key: k})
		}
	}
	if len(m.history) >= m.cfg.MaxKeys {
		for k := range m.history {
			delete(m.history, k)
			if len(m.history) < m.cfg.MaxKeys/2 {
				break
			}
		}
	}
}

// liveExpiry is when a live decision ends.
type liveExpiry struct {
	at  int64
	key liveKey
}

// liveHeap is a binary min-heap of expiries by time.
type liveHeap []liveExpiry

func (h *liveHeap) push(e liveExpiry) {
	*h = append(*h, e)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].at <= e.at {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = e
}

func (h *liveHeap) pop() liveExpiry {
	s := *h
	top, last := s[0], s[len(s)-1]
	s[len(s)-1] = liveExpiry{} // keep no strings alive
	s = s[:len(s)-1]
	*h = s
	if len(s) == 0 {
		return top
	}
	i := 0
	for {
		c := 2*i + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1].at < s[c].at {
			c++
		}
		if last.at <= s[c].at {
			break
		}
		s[i] = s[c]
		i = c
	}
	s[i] = last
	return top
}
