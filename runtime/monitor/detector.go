package monitor

import (
	"strings"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Detector names, as decisions carry them in Decision.Detector and
// policies name them.
const (
	RateName        = "rate"
	EnumerationName = "enumeration"
	ScrapingName    = "scraping"
	StuffingName    = "stuffing"
	ReuseName       = "reuse"
	CouponName      = "coupon"
	FlowName        = "flow"
	// AmplificationName is the detector of many operations in one request
	// (GraphQL aliases and batches).
	AmplificationName = "amplification"
	// SweepName is the detector of a collection harvested collectively.
	SweepName = "sweep"
)

// DistinctObjectsName is the enumeration detector's id under its first
// name, kept for callers written against the walking skeleton.
const DistinctObjectsName = EnumerationName

func detectorNames() []string {
	return []string{AmplificationName, CouponName, EnumerationName, FlowName, HoardingName, OversizeName, RateName, ReuseName, ScrapingName, SignupName, StuffingName, SweepName}
}

func knownDetector(name string) bool {
	for _, n := range detectorNames() {
		if n == name {
			return true
		}
	}
	return false
}

// Detector recognises one kind of misuse in a stream of observations; each
// kind is a small stateful type.
//
// The Monitor calls Observe from one goroutine at a time, so a Detector
// need not be safe for concurrent use. Its only clock is Observation.Now,
// and it must bound the memory it keeps per subject. Observe must not
// retain o.
type Detector interface {
	// Name is the stable id decisions carry in Decision.Detector.
	Name() string
	// Observe scores one observation and reports a Finding when a subject
	// crosses the detector's threshold. After a finding the detector starts
	// that subject afresh, so a new finding needs new evidence.
	Observe(o *Observation) (Finding, bool)
}

// Observation is an event as detectors see it: enriched with its route,
// object id and identity, attributed to the subject it is scored as, with
// its keys hashed once for every detector's tables.
//
// Monitor.Observe sets each field in turn, reusing one Observation: a new
// field must be set there too.
type Observation struct {
	Event   scenarios.Event
	Subject scenarios.Subject
	// Op is the Surface operation the event exercised, nil when none
	// matched; OpIndex is its index in the Surface, -1 when nil.
	Op      *scenarios.Operation
	OpIndex int
	// Now is Event.Time in Unix nanoseconds.
	Now  int64
	Keys Keys
	// rec is the subject's record, where each built-in detector keeps its
	// per-subject state: one lookup serves them all.
	rec *record
	// route is the hash of Event.Route when the Monitor knows it from the
	// matched operation (0 otherwise): see routeKey.
	route uint64
	// span is the collection read's span once pageSpan has parsed it from
	// the query, spanned saying whether it has (spanOf's ok in spanOK):
	// scraping and sweep both read it.
	span            pageSpan
	spanned, spanOK bool
}

// pageSpan is spanOf for the observation's operation and path, parsed
// once however many detectors ask.
func (o *Observation) pageSpan() (pageSpan, bool) {
	if !o.spanned {
		o.span, o.spanOK = spanOf(o.Op, o.Event.Path)
		o.spanned = true
	}
	return o.span, o.spanOK
}

// routeKey is the hash of the observation's route, hashed once per
// operation by the Monitor rather than once per event by each detector.
func (o *Observation) routeKey(h hasher) uint64 {
	if o.route != 0 {
		return o.route
	}
	return h.key(o.Event.Route)
}

// Keys are 64-bit hashes of an observation's subjects, 0 when absent.
// Cluster groups a device with an address /24 (or IPv6 /48) prefix.
// Subject is the scored subject's key, salted by its kind so an identity
// and an address spelt alike never share state.
type Keys struct {
	Subject, Identity, Token, Addr, Prefix, Fingerprint, Cluster uint64
}

// Finding is a detector's evidence; the Monitor's risk and policy turn it
// into decisions.
type Finding struct {
	// Reason says in a sentence what the subject did, for reports.
	Reason string
	// Subjects are who the finding is against, strongest first; nil means
	// the observation's subject and, for an identity, its token.
	Subjects []scenarios.Subject
}

// prefix is the /24 of an IPv4 address or the /48 of an IPv6 one, as text,
// without allocating.
func prefix(addr string) string {
	if i := strings.LastIndexByte(addr, '.'); i > 0 && !strings.Contains(addr, ":") {
		return addr[:i]
	}
	n := 0
	for i := range len(addr) {
		if addr[i] == ':' {
			n++
			if n == 3 {
				return addr[:i]
			}
		}
	}
	return addr
}

// objectRead reports whether an operation reads one object by id: tagged
// so by the spec adapter, or a GET with an object-id path parameter.
func objectRead(op *scenarios.Operation) bool {
	if op == nil {
		return false
	}
	if op.Has(scenarios.RoleObjectRead) {
		return true
	}
	if op.Method != "GET" {
		return false
	}
	for i := range op.Params {
		if p := &op.Params[i]; p.Role == scenarios.ParamObjectID {
			return p.In == scenarios.InPath
		}
	}
	return false
}

// deniedOrMissing is an answer that read nothing: refused or not found.
func deniedOrMissing(status int) bool {
	return status == 401 || status == 403 || status == 404 || status == 423
}

func success(status int) bool { return status >= 200 && status < 300 }

func subj(k scenarios.SubjectKind, v string) scenarios.Subject {
	return scenarios.Subject{Kind: k, Value: v}
}

// table is a detector's per-key state, bounded in size: entries idle for
// longer than idle are swept once per idle period, and when the table is
// full an arbitrary entry makes room, so memory follows the active subjects.
type table[T any] struct {
	m     map[uint64]*T
	max   int
	idle  int64
	swept int64
	last  func(*T) int64
}

func newTable[T any](max int, idle time.Duration, last func(*T) int64) *table[T] {
	return &table[T]{m: make(map[uint64]*T), max: max, idle: int64(idle), last: last}
}

// get returns k's state, creating it when absent; nil for a zero key.
func (t *table[T]) get(k uint64, now int64) *T {
	if k == 0 {
		return nil
	}
	t.sweep(now)
	if v := t.m[k]; v != nil {
		return v
	}
	if len(t.m) >= t.max {
		for old := range t.m {
			delete(t.m, old)
			break
		}
	}
	v := new(T)
	t.m[k] = v
	return v
}

func (t *table[T]) sweep(now int64) {
	if now-t.swept < t.idle {
		return
	}
	t.swept = now
	for k, v := range t.m {
		if now-t.last(v) > t.idle {
			delete(t.m, k)
		}
	}
}

// counter counts within a window that restarts once it has passed, keeping
// the previous window's count so the rate it reports slides.
type counter struct {
	start     int64
	cur, prev uint32
}

// add counts one and returns the sliding estimate of the count in the
// last window.
func (c *counter) add(now, window int64) float64 {
	c.roll(now, window)
	c.cur++
	return c.estimate(now, window)
}

func (c *counter) roll(now, window int64) {
	switch el := now - c.start; {
	case c.start == 0 || el >= 2*window:
		c.start, c.cur, c.prev = now, 0, 0
	case el >= window:
		c.start, c.prev, c.cur = c.start+window, c.cur, 0
	}
}

func (c *counter) estimate(now, window int64) float64 {
	frac := float64(window-(now-c.start)) / float64(window)
	return float64(c.prev)*max(frac, 0) + float64(c.cur)
}
