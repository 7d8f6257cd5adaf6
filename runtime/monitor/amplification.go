package monitor

import (
	"fmt"

	"github.com/abusegate/abusegate/scenarios"
)

// amplification flags one HTTP request that carries many operations: the
// same GraphQL field under many aliases, or repeated across the elements
// of a batch, or simply very many fields. A hundred login attempts, ten
// profile reads or ten oversized lists in one request are one request to
// anything that counts requests; no client asks for one sensitive field
// five times at once, and a dashboard asks for several different fields,
// each once or twice.
//
// It scores a request's shape before it is served (Monitor.Inspect), so
// the guard can refuse the request itself instead of learning from its
// answers what it already gave away. The per-field detectors still see
// every field of the requests it lets through (Monitor.Observe).
type amplification struct {
	cfg AmplificationConfig
}

// opCount is how many fields of one operation a request carries.
type opCount struct {
	index int
	op    *scenarios.Operation
	n     int
}

// inspect counts the fields of evs by operation and reports a finding
// when one operation is repeated past its limit or the fields are too
// many; op is the operation the finding is about (the most repeated).
func (d *amplification) inspect(r *Router, evs []scenarios.Event) (f Finding, op opCount, ok bool) {
	var counts []opCount
	for i := range evs {
		mt, found := r.Match(evs[i].Method, evs[i].Path)
		if !found || mt.Op == nil {
			continue
		}
		j := 0
		for j < len(counts) && counts[j].index != mt.Index {
			j++
		}
		if j == len(counts) {
			counts = append(counts, opCount{index: mt.Index, op: mt.Op})
		}
		counts[j].n++
		if counts[j].n > op.n {
			op = counts[j]
		}
	}
	if op.op == nil {
		return Finding{}, op, false
	}
	limit := d.cfg.Copies
	what := "copies of the"
	if sensitive(op.op) {
		limit, what = d.cfg.SensitiveCopies, "copies of the sensitive"
	}
	switch {
	case op.n >= limit:
		return Finding{Reason: fmt.Sprintf("one request carried %d %s field %s (aliases or a batch; limit %d)", op.n, what, op.op.Key(), limit)}, op, true
	case len(evs) >= d.cfg.Fields:
		return Finding{Reason: fmt.Sprintf("one request carried %d fields (limit %d)", len(evs), d.cfg.Fields)}, op, true
	}
	return Finding{}, op, false
}

// sensitive is an operation whose repetition in one request is an attack
// in itself: a credential, money or another user's record changes hands.
func sensitive(op *scenarios.Operation) bool {
	for _, r := range []scenarios.Role{scenarios.RoleLogin, scenarios.RoleSignup, scenarios.RoleCoupon, scenarios.RoleCheckout} {
		if op.Has(r) {
			return true
		}
	}
	return objectRead(op) || op.Sensitivity >= scenarios.SensitivityHigh
}

// Inspect scores the shape of one HTTP request that carries several
// operations — the fields of a GraphQL document, its aliases and the
// elements of a batch, one event each (Method "QUERY" or "MUTATION",
// Path the field name, the request's time and subjects) — before it is
// served, and returns the decisions it triggers. The guard enforces them
// on the request itself. Inspect does not count the fields for the other
// detectors: Observe each of them once answered. Safe for concurrent use.
func (m *Monitor) Inspect(evs []scenarios.Event) []scenarios.Decision {
	if len(evs) < 2 {
		return nil
	}
	f, op, ok := m.amp.inspect(m.router, evs)
	if !ok {
		return nil
	}
	ev := evs[0]
	if ev.Identity == "" {
		ev.Identity = m.Identity(ev.TokenID)
	}
	subject, ok := scoredAs(&ev)
	if !ok {
		return nil
	}
	ev.Route = op.op.Key()
	o := &Observation{Event: ev, Subject: subject, Op: op.op, OpIndex: op.index, Now: ev.Time.UnixNano()}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.decide(nil, AmplificationName, o, f, context{})
}
