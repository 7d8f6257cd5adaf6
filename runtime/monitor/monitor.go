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

	tokMu    sync.RWMutex
	tokens   map[string]string // token id -> identity
	tokOrder []string          // insertion order, for eviction
	tokNext  int               // next slot of tokOrder to evict once full

	mu        sync.Mutex
	detectors []Detector
	live      map[liveKey]time.Time // expiry of each subject's last decision
	seq       int
}

type liveKey struct {
	detector string
	subject  scenarios.Subject
}

// New builds a Monitor for the operations of surface with the built-in
// detectors. Zero Config fields take their defaults.
func New(surface scenarios.Surface, cfg Config) *Monitor {
	cfg = cfg.withDefaults()
	return &Monitor{
		cfg:       cfg,
		router:    NewRouter(surface),
		tokens:    make(map[string]string),
		detectors: []Detector{newDistinctObjects(cfg.Window, cfg.DistinctObjects)},
		live:      make(map[liveKey]time.Time),
	}
}

// Config returns the effective configuration, defaults filled in, so
// callers can report the thresholds a run was judged by.
func (m *Monitor) Config() Config { return m.cfg }

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
func (m *Monitor) Identity(tokenID string) string {
	if tokenID == "" {
		return ""
	}
	m.tokMu.RLock()
	defer m.tokMu.RUnlock()
	return m.tokens[tokenID]
}

// Observe scores one exchange and returns the decisions it triggers, if
// any. It fills the event's Route and ObjectID from the Surface and its
// Identity from learned tokens; ev.Time is its only clock, so events may
// come from a real guard or a simulation. Safe for concurrent use.
func (m *Monitor) Observe(ev scenarios.Event) []scenarios.Decision {
	var op *scenarios.Operation
	if mt, ok := m.router.Match(ev.Method, ev.Path); ok {
		ev.Route, ev.ObjectID, op = mt.Route, mt.ObjectID, mt.Op
	}
	if ev.Identity == "" {
		ev.Identity = m.Identity(ev.TokenID)
	}
	subj, ok := scoredAs(ev)
	if !ok {
		return nil
	}
	o := Observation{Event: ev, Subject: subj, Op: op}

	m.mu.Lock()
	defer m.mu.Unlock()
	var out []scenarios.Decision
	for _, d := range m.detectors {
		f, ok := d.Observe(o)
		if !ok {
			continue
		}
		for _, s := range decisionSubjects(ev, subj) {
			out = m.decide(out, d.Name(), s, f, ev.Time)
		}
	}
	return out
}

// decide appends a block of subject unless one from the same detector is
// still live.
func (m *Monitor) decide(out []scenarios.Decision, detector string, subject scenarios.Subject, f Finding, now time.Time) []scenarios.Decision {
	k := liveKey{detector: detector, subject: subject}
	if exp, ok := m.live[k]; ok && now.Before(exp) {
		return out
	}
	m.sweepLive(now)
	m.seq++
	d := scenarios.Decision{
		ID:       fmt.Sprintf("d-%06d", m.seq),
		Time:     now,
		Subject:  subject,
		Action:   scenarios.ActionBlock,
		Expires:  now.Add(m.cfg.BlockTTL),
		Detector: detector,
		Reason:   f.Reason,
	}
	m.live[k] = d.Expires
	return append(out, d)
}

// sweepLive forgets expired decisions once the table has grown; decisions
// are rare, so the scan is cheap.
func (m *Monitor) sweepLive(now time.Time) {
	if len(m.live) < 64 {
		return
	}
	for k, exp := range m.live {
		if !now.Before(exp) {
			delete(m.live, k)
		}
	}
}

// scoredAs is the subject an event counts against: its identity when
// known, else its token, else its client address.
func scoredAs(ev scenarios.Event) (scenarios.Subject, bool) {
	switch {
	case ev.Identity != "":
		return scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: ev.Identity}, true
	case ev.TokenID != "":
		return scenarios.Subject{Kind: scenarios.SubjectToken, Value: ev.TokenID}, true
	case ev.Addr != "":
		return scenarios.Subject{Kind: scenarios.SubjectAddress, Value: ev.Addr}, true
	}
	return scenarios.Subject{}, false
}

// decisionSubjects are the subjects a finding against scored blocks: the
// scored subject, and the token too when an identity was scored, so the
// guard can deny the token without a lookup.
func decisionSubjects(ev scenarios.Event, scored scenarios.Subject) []scenarios.Subject {
	if scored.Kind == scenarios.SubjectIdentity && ev.TokenID != "" {
		return []scenarios.Subject{scored, {Kind: scenarios.SubjectToken, Value: ev.TokenID}}
	}
	return []scenarios.Subject{scored}
}
