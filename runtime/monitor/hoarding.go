package monitor

import (
	"fmt"

	"github.com/abusegate/abusegate/scenarios"
)

// HoardingName is the detector of stock held in carts never paid.
const HoardingName = "hoarding"

// hoarding counts, per subject, the units its successful add-to-cart (or
// reservation) requests held since its last successful checkout, and
// flags a subject holding more than the policy's Units: stock held away
// from real buyers (denial of inventory) by carts that are never paid. A
// shopper who fills a big cart and pays starts afresh at the checkout; a
// cart left alone longer than the window is taken as expired. Its state is
// a few words in the subject's record.
type hoarding struct {
	cfg    HoardingConfig
	window int64
}

var _ Detector = (*hoarding)(nil)

// held is one subject's unpaid units (hoarding).
type held struct {
	units int32
	adds  int32
	since int64 // first add since the last checkout or expiry
}

func newHoarding(cfg HoardingConfig) *hoarding {
	return &hoarding{cfg: cfg, window: int64(cfg.Window)}
}

func (d *hoarding) Name() string { return HoardingName }

func (d *hoarding) Observe(o *Observation) (Finding, bool) {
	if o.Op == nil || o.rec == nil || !success(o.Event.Status) {
		return Finding{}, false
	}
	h := &o.rec.held
	switch {
	case o.Op.Has(scenarios.RoleCheckout):
		*h = held{}
		return Finding{}, false
	case !o.Op.Has(scenarios.RoleCart) || o.Op.Method == "GET" || o.Op.Method == "DELETE":
		return Finding{}, false
	}
	if h.adds > 0 && o.Now-h.since > d.window {
		*h = held{}
	}
	if h.adds == 0 {
		h.since = o.Now
	}
	units := max(o.Event.Units, 1)
	h.units = int32(min(int64(h.units)+int64(units), 1<<30))
	h.adds++
	if int(h.units) < d.cfg.Units {
		return Finding{}, false
	}
	f := Finding{Reason: fmt.Sprintf("holds %d units in %d cart additions never checked out (limit %d within %s)", h.units, h.adds, d.cfg.Units, d.cfg.Window)}
	*h = held{}
	return f, true
}

// inspect scores an add-to-cart before it is served: a finding when the
// units it asks for would take the subject's unpaid units to the limit,
// so the guard refuses the add itself (one request for a warehouse's
// stock is refused, not flagged once served). It reads the record only.
func (d *hoarding) inspect(o *Observation, rec *record) (Finding, bool) {
	if o.Op == nil || !o.Op.Has(scenarios.RoleCart) || o.Event.Units <= 0 {
		return Finding{}, false
	}
	var h held
	if rec != nil && !(rec.held.adds > 0 && o.Now-rec.held.since > d.window) {
		h = rec.held
	}
	units := int64(h.units) + int64(o.Event.Units)
	if units < int64(d.cfg.Units) {
		return Finding{}, false
	}
	return Finding{Reason: fmt.Sprintf("would hold %d units in %d cart additions never checked out (limit %d within %s)", units, h.adds+1, d.cfg.Units, d.cfg.Window)}, true
}
