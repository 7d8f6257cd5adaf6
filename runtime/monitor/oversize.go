package monitor

import (
	"fmt"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// OversizeName is the detector of a REST request asking for a page larger
// than the collection allows.
const OversizeName = "oversize"

// oversize flags a request whose page-size query parameter (limit=,
// per_page=...) exceeds the Surface's documented maximum — the x-abuse
// max page size, the parameter's schema maximum or the pagination's
// maximum, whichever is smallest — or, when the spec documents none, the
// policy's absolute cap. One such request can serve a whole catalog: it is
// scored before it is served (Monitor.InspectRequest), so the guard
// refuses the request itself, and a subject that keeps asking is contained
// longer each time (the rule's escalation). A client asking for exactly
// the maximum is within the contract and never flagged.
type oversize struct {
	cfg OversizeConfig
}

// pageCap is the page-size parameter of op and the largest size allowed,
// and whether the spec documents it; ok is false when op takes no size.
func pageCap(op *scenarios.Operation, cap int) (param string, limit int, documented, ok bool) {
	if op == nil || op.Protocol == scenarios.GraphQL {
		return "", 0, false, false
	}
	var max float64
	for i := range op.Params {
		if p := &op.Params[i]; p.Role == scenarios.ParamPageSize && p.In == scenarios.InQuery {
			param, max = p.Name, p.Maximum
			break
		}
	}
	if op.Pagination != nil && op.Pagination.SizeParam != "" && param == "" {
		param = op.Pagination.SizeParam
	}
	if param == "" {
		return "", 0, false, false
	}
	limit = smallestPositive(int(max), op.Rules.MaxPageSize)
	if op.Pagination != nil {
		limit = smallestPositive(limit, op.Pagination.MaxSize)
	}
	if limit > 0 {
		return param, limit, true, true
	}
	return param, cap, false, true
}

func smallestPositive(a, b int) int {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

// size parses a page size written in decimal digits, saturating instead of
// overflowing (limit=99999999999999999999 is oversized, not negative);
// ok is false for anything else, which the target's validation answers.
func size(v string) (n int, ok bool) {
	if v == "" || len(v) > 64 {
		return 0, false
	}
	const ceiling = 1 << 40
	for i := range len(v) {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < ceiling {
			n = n*10 + int(c-'0')
		}
	}
	return n, true
}

// inspect reports a finding when ev asks op for more than its cap.
func (d *oversize) inspect(ev *scenarios.Event, op *scenarios.Operation) (Finding, bool) {
	param, limit, documented, ok := pageCap(op, d.cfg.Cap)
	if !ok {
		return Finding{}, false
	}
	_, q, _ := strings.Cut(ev.Path, "?")
	v, _ := queryValue(q, param)
	n, ok := size(v)
	if !ok || n <= limit {
		return Finding{}, false
	}
	what := "the spec's maximum"
	if !documented {
		what = "the policy's cap (the spec documents no maximum)"
	}
	return Finding{Reason: fmt.Sprintf("asked %s for %s=%d, over %s of %d", op.Key(), param, n, what, limit)}, true
}

// InspectRequest scores one REST request before it is served — whether it
// asks for a page larger than the collection allows (oversize), or for
// more units in a cart than its sender may hold unpaid (hoarding), or
// skips the operation the spec requires before it (flow), or signs up
// from a source past its limit of accounts (signup) — and returns
// the decisions it triggers; the guard enforces them on the request
// itself. The request is not counted for the detectors: Observe it once
// answered. Safe for concurrent use.
func (m *Monitor) InspectRequest(ev scenarios.Event) []scenarios.Decision {
	shaped := shaped(&ev)
	if !shaped && !m.checksBefore(ev.Method) {
		return nil
	}
	mt, _ := m.router.Match(ev.Method, ev.Path)
	return m.inspectRequest(&ev, mt, shaped)
}

// InspectRequestMatched is InspectRequest for a request whose method and
// path the caller has matched already with the monitor's Router (see
// ObserveMatched). ev is read, neither kept nor changed.
func (m *Monitor) InspectRequestMatched(ev *scenarios.Event, mt Match) []scenarios.Decision {
	shaped := shaped(ev)
	if !shaped && !m.checksBefore(ev.Method) {
		return nil
	}
	return m.inspectRequest(ev, mt, shaped)
}

// shaped reports whether ev has a shape to inspect: a query or units.
// A request without one is inspected only when some operation of its
// method is checked before serving (checksBefore).
func shaped(ev *scenarios.Event) bool {
	return ev.Units > 0 || strings.IndexByte(ev.Path, '?') >= 0
}

// inspectRequest is InspectRequest of ev, matched as mt; shaped is
// shaped(ev).
func (m *Monitor) inspectRequest(ev *scenarios.Event, mt Match, shaped bool) []scenarios.Decision {
	if mt.Op == nil {
		return nil
	}
	out := m.inspectOperation(ev, mt, 0)
	if !shaped {
		return out
	}
	detector := OversizeName
	f, ok := m.over.inspect(ev, mt.Op)
	if !ok && ev.Units <= 0 {
		return out
	}
	var obs Observation
	o := &obs
	if !m.unserved(o, *ev, mt) {
		return out
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !ok {
		m.keys(o)
		if f, ok = m.hoard.inspect(o, m.recs.lookup(o.Keys.Subject)); !ok {
			return out
		}
		detector = HoardingName
	}
	return m.decide(out, detector, o, f, context{})
}
