package monitor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// flow flags a session that calls an operation without the operations that
// must precede it: those the spec names (Rules.RequiresPrevious), a cart
// operation before a checkout, or, once trained on benign traffic, the
// operations every benign session called before it.
//
// The spec's requirements are also checked before a request is served
// (Monitor.InspectRequest, InspectFlow), so the guard refuses the first
// out-of-order request instead of judging it once answered: a bypass that
// works once is an order placed for free. Learnt requirements are judged
// only once answered: a model of benign habits is evidence, not a contract.
type flow struct {
	cfg      FlowConfig
	ops      []scenarios.Operation
	required []uint64 // per operation index: predecessors of which one is needed (spec, cart)
	learned  []uint64 // per operation index: predecessors all needed (trained)
	idle     int64
	// methods are those of the operations with a required predecessor,
	// so a request of any other method is not matched before serving.
	methods []string
	// flagged are the operations (bits, as session.seen) each subject was
	// found calling out of order before the request was served, so its
	// observation once answered does not score the same request again.
	flagged *table[flagged]
}

type flagged struct {
	ops  uint64
	last int64
}

var _ Detector = (*flow)(nil)

// sessionIdle is how long a session's history lasts without requests.
const sessionIdle = 30 * time.Minute

// session is what the subject's record keeps for flow.
type session struct {
	seen uint64 // bit i: operation i (mod 64) was called
	last int64
}

func opBit(i int) uint64 { return 1 << (uint(i) % 64) }

func newFlow(cfg FlowConfig, surface scenarios.Surface) *flow {
	d := &flow{cfg: cfg, ops: surface.Operations, required: make([]uint64, len(surface.Operations)),
		learned: make([]uint64, len(surface.Operations)), idle: int64(sessionIdle)}
	index := map[string]int{}
	var carts uint64
	for i, op := range surface.Operations {
		index[op.Key()] = i
		if op.Has(scenarios.RoleCart) {
			carts |= opBit(i)
		}
	}
	for i, op := range surface.Operations {
		for _, k := range op.Rules.RequiresPrevious {
			if j, ok := index[k]; ok {
				d.required[i] |= opBit(j)
			}
		}
		if d.required[i] == 0 && op.Has(scenarios.RoleCheckout) {
			d.required[i] = carts
		}
		if d.required[i] != 0 && !slices.Contains(d.methods, op.Method) {
			d.methods = append(d.methods, op.Method)
		}
	}
	if !cfg.BeforeServing {
		d.methods = nil
	}
	d.flagged = newTable(maxFlagged, time.Minute, func(f *flagged) int64 { return f.last })
	return d
}

// maxFlagged bounds the subjects found out of order before serving whose
// answer has not been observed yet; findings are rare.
const maxFlagged = 1 << 14

func (d *flow) Name() string { return FlowName }

func (d *flow) Observe(o *Observation) (Finding, bool) {
	if o.OpIndex < 0 || o.Keys.Subject == 0 || o.Subject.Kind == scenarios.SubjectAddress {
		return Finding{}, false
	}
	s := &o.rec.flow
	if o.Now-s.last > d.idle {
		s.seen = 0
	}
	s.last = o.Now
	need, all := d.required[o.OpIndex], d.learned[o.OpIndex]
	s.seen |= opBit(o.OpIndex)
	if all != 0 && s.seen&all != all {
		need = all &^ s.seen
	} else if need == 0 || s.seen&need != 0 || d.wasFlagged(o) {
		return Finding{}, false
	}
	return Finding{Reason: fmt.Sprintf("called %s (answered %d) without %s first", d.ops[o.OpIndex].Key(), o.Event.Status, d.names(need))}, true
}

func (d *flow) names(mask uint64) string {
	var names []string
	for i := range d.ops {
		if mask&opBit(i) != 0 {
			names = append(names, d.ops[i].Key())
		}
	}
	return strings.Join(names, " or ")
}

// Train learns required predecessors from benign sessions, each a list of
// operation indices in call order: an operation that MinSessions sessions
// reached, every time after the operations X and Y, requires both. Rules from the spec
// stay; training only adds to operations that have none.
func (d *flow) Train(sessions [][]int) {
	reached := make([]int, len(d.ops))
	common := make([]uint64, len(d.ops))
	for i := range common {
		common[i] = ^uint64(0)
	}
	for _, s := range sessions {
		var before uint64
		firstSeen := uint64(0)
		for _, i := range s {
			if i < 0 || i >= len(d.ops) {
				continue
			}
			if firstSeen&opBit(i) == 0 {
				firstSeen |= opBit(i)
				reached[i]++
				common[i] &= before
			}
			before |= opBit(i)
		}
	}
	for i := range d.ops {
		if d.required[i] == 0 && reached[i] >= d.cfg.MinSessions {
			d.learned[i] = common[i] &^ opBit(i)
		}
	}
}

// wasFlagged reports whether the observed request was found out of order
// before it was served, forgetting it: it was scored then.
func (d *flow) wasFlagged(o *Observation) bool {
	f := d.flagged.m[o.Keys.Subject]
	if f == nil || f.ops&opBit(o.OpIndex) == 0 {
		return false
	}
	f.ops &^= opBit(o.OpIndex)
	return true
}

// inspect scores a request for o's operation before it is served: a
// finding when the spec requires a predecessor that neither the subject's
// session (rec, nil for a subject not seen yet) nor an earlier operation
// of the same request (before: a GraphQL document's mutations run in
// order) called. It changes no session.
func (d *flow) inspect(o *Observation, rec *record, before uint64) (Finding, bool) {
	if o.OpIndex < 0 || o.OpIndex >= len(d.required) || o.Subject.Kind == scenarios.SubjectAddress {
		return Finding{}, false
	}
	need := d.required[o.OpIndex]
	seen := before
	if rec != nil && o.Now-rec.flow.last <= d.idle {
		seen |= rec.flow.seen
	}
	if need == 0 || seen&need != 0 {
		return Finding{}, false
	}
	if f := d.flagged.get(o.Keys.Subject, o.Now); f != nil {
		f.ops |= opBit(o.OpIndex)
		f.last = o.Now
	}
	return Finding{Reason: fmt.Sprintf("calls %s without %s first (refused before it is served)", d.ops[o.OpIndex].Key(), d.names(need))}, true
}

// checksBefore reports whether requests of method may need a predecessor
// checked before they are served.
func (d *flow) checksBefore(method string) bool {
	return slices.Contains(d.methods, method)
}
