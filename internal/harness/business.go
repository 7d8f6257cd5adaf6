package harness

import (
	"sync"

	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/scenarios"
)

// businessLog keeps, per correlation id, the business fields of the
// requests the harness sent to the Surface's login, coupon and cart
// operations: what the shadow monitor would read in their bodies. Other
// requests cost a map lookup and nothing is kept for them. A nil log notes
// nothing. It is safe for concurrent use.
type businessLog struct {
	ops map[string]*scenarios.Operation // "METHOD /route" -> operation

	mu     sync.Mutex
	fields map[string]business
}

// business is the part of a scenarios.Event read from a request body.
type business struct {
	username, coupon, cart string
	units                  int
}

func newBusinessLog(s scenarios.Surface) *businessLog {
	l := &businessLog{ops: map[string]*scenarios.Operation{}, fields: map[string]business{}}
	for i := range s.Operations {
		op := &s.Operations[i]
		if op.Protocol == scenarios.REST && (op.Has(scenarios.RoleLogin) || op.Has(scenarios.RoleCoupon) || op.Has(scenarios.RoleCart)) {
			l.ops[op.Method+" "+op.Path] = op
		}
	}
	return l
}

// note reads req's business fields, if its operation has any, under corr.
func (l *businessLog) note(req scenarios.Request, corr string) {
	if l == nil || corr == "" {
		return
	}
	route := req.Route
	if route == "" {
		route = req.Path
	}
	op := l.ops[req.Method+" "+route]
	if op == nil {
		return
	}
	var ev scenarios.Event
	guard.Business(req.Method, req.Body, op, &ev)
	b := business{username: ev.Username, coupon: ev.Coupon, cart: ev.Cart, units: ev.Units}
	if b == (business{}) {
		return
	}
	l.mu.Lock()
	l.fields[corr] = b
	l.mu.Unlock()
}

// fill copies the business fields noted under corr into ev, reporting
// whether there were any.
func (l *businessLog) fill(corr string, ev *scenarios.Event) bool {
	if l == nil || corr == "" {
		return false
	}
	l.mu.Lock()
	b, ok := l.fields[corr]
	l.mu.Unlock()
	if ok {
		ev.Username, ev.Coupon, ev.Cart, ev.Units = b.username, b.coupon, b.cart, b.units
	}
	return ok
}
