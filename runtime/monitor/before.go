package monitor

import "github.com/abusegate/abusegate/scenarios"

// Checks of one operation before it is served, beside a request's shape
// (oversize, hoarding, amplification): a step called without the one the
// spec requires before it (flow), and a sign-up from a source that has
// created its limit of accounts (signup). The guard refuses the request
// itself on their decisions.

// InspectsBeforeServing reports whether the monitor scores a request for
// op before it is served whatever its shape (InspectRequest,
// InspectOperations): op is a sign-up, or, when the policy checks flows
// before serving, it states a required predecessor or is a checkout. The
// guard asks so that it inspects no other plain request.
func (m *Monitor) InspectsBeforeServing(op *scenarios.Operation) bool {
	if op == nil {
		return false
	}
	if op.Has(scenarios.RoleSignup) {
		return true
	}
	return m.cfg.Policy.Flow.BeforeServing && (len(op.Rules.RequiresPrevious) > 0 || op.Has(scenarios.RoleCheckout))
}

// checksBefore reports whether a request of method may be an operation
// checked before it is served.
func (m *Monitor) checksBefore(method string) bool {
	return m.flow.checksBefore(method) || m.signup.checksBefore(method)
}

// InspectOperations scores the operations of one request before it is
// served — the fields of a GraphQL document, in order — and returns the
// decisions they trigger (one finding a request at most); the guard
// enforces them on the request itself. An operation earlier in the same
// request counts as called before a later one (a document's mutations run
// in order). Like InspectRequest it counts nothing for the detectors:
// Observe each operation once answered. Safe for concurrent use.
func (m *Monitor) InspectOperations(evs []scenarios.Event) []scenarios.Decision {
	var before uint64
	for i := range evs {
		if !m.checksBefore(evs[i].Method) {
			continue
		}
		mt, found := m.router.Match(evs[i].Method, evs[i].Path)
		if !found || mt.Op == nil || mt.Index < 0 {
			continue
		}
		if out := m.inspectOperation(&evs[i], mt, before); out != nil {
			return out
		}
		before |= opBit(mt.Index)
	}
	return nil
}

// inspectOperation is InspectOperations for one operation, matched as mt;
// before are the operations earlier in the same request. It takes ev by
// pointer: most requests are neither a step with a required predecessor
// nor a sign-up, and copying the event cost more than finding that out.
func (m *Monitor) inspectOperation(ev *scenarios.Event, mt Match, before uint64) []scenarios.Decision {
	flowOp := mt.Index >= 0 && mt.Index < len(m.flow.required) && m.flow.required[mt.Index] != 0 && m.flow.checksBefore(ev.Method)
	signupOp := mt.Op != nil && mt.Op.Has(scenarios.RoleSignup)
	if !flowOp && !signupOp {
		return nil
	}
	var obs Observation
	o := &obs
	if !m.unserved(o, *ev, mt) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys(o)
	if flowOp {
		if f, ok := m.flow.inspect(o, m.recs.lookup(o.Keys.Subject), before); ok {
			return m.decide(nil, FlowName, o, f, context{})
		}
	}
	if signupOp {
		if f, ok := m.signup.inspect(o); ok {
			return m.decide(nil, SignupName, o, f, context{})
		}
	}
	return nil
}

// unserved fills o with a request not yet served as the detectors'
// inspections see it: its identity from a learnt token, the subject it is
// scored as, its route; false when nothing tells who sent it. Its Keys
// are left for the caller to fill under the lock. The caller's o can live
// on its stack: nothing keeps it.
func (m *Monitor) unserved(o *Observation, ev scenarios.Event, mt Match) bool {
	if ev.Identity == "" {
		ev.Identity = m.Identity(ev.TokenID)
	}
	subject, known := scoredAs(&ev)
	if !known {
		return false
	}
	ev.Route = mt.Route
	*o = Observation{Event: ev, Subject: subject, Op: mt.Op, OpIndex: mt.Index, Now: ev.Time.UnixNano()}
	return true
}
