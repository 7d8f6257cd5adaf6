package monitor

import (
	"fmt"

	"github.com/abusegate/abusegate/scenarios"
)

// coupon flags coupon abuse: many attempts on one cart or by one identity,
// mostly failing attempts (guessing codes), one code redeemed by several
// accounts from one device or /24 (multi-accounting), and one identity
// redeeming the same code again and again (replay or stacking). A public
// campaign code is used by many accounts too, but from their own devices.
type coupon struct {
	cfg    CouponConfig
	window int64
	tries  *table[couponTries]
	shared *table[codeAccounts]
	reuse  *table[couponTries]
	h      hasher
}

var _ Detector = (*coupon)(nil)

type couponTries struct {
	start, last        int64
	attempts, failures int
}

type codeAccounts struct {
	start, last int64
	accounts    []uint64
}

func newCoupon(cfg CouponConfig, maxKeys int, h hasher) *coupon {
	idle := 2 * cfg.Window
	last := func(t *couponTries) int64 { return t.last }
	return &coupon{cfg: cfg, window: int64(cfg.Window), h: h,
		tries:  newTable(maxKeys, idle, last),
		reuse:  newTable(maxKeys, idle, last),
		shared: newTable(maxKeys, idle, func(c *codeAccounts) int64 { return c.last })}
}

func (d *coupon) Name() string { return CouponName }

func (d *coupon) Observe(o *Observation) (Finding, bool) {
	ev := &o.Event
	if ev.Coupon == "" && (o.Op == nil || !o.Op.Has(scenarios.RoleCoupon)) {
		return Finding{}, false
	}
	ok := success(ev.Status)
	code := d.h.key(ev.Coupon)
	// Attempts per cart when the request names one, else per subject.
	cart := d.h.key(ev.Cart)
	where := "cart " + ev.Cart
	if cart == 0 {
		cart, where = o.Keys.Subject, o.Subject.String()
	}
	t := d.tries.get(cart^0x5bd1e995, o.Now)
	d.count(t, o.Now, ok)
	switch {
	case t.attempts >= d.cfg.Attempts:
		f := Finding{Reason: fmt.Sprintf("%d coupon attempts on %s within %s", t.attempts, where, d.cfg.Window)}
		*t = couponTries{last: o.Now}
		return f, true
	case t.failures >= d.cfg.Failures && float64(t.failures) >= d.cfg.FailureRatio*float64(t.attempts):
		f := Finding{Reason: fmt.Sprintf("%d of %d coupon codes rejected on %s within %s: guessing codes", t.failures, t.attempts, where, d.cfg.Window)}
		*t = couponTries{last: o.Now}
		return f, true
	}
	if code == 0 || !ok {
		return Finding{}, false
	}
	if r := d.reuse.get(o.Keys.Subject^code, o.Now); r != nil {
		d.count(r, o.Now, true)
		if r.attempts >= d.cfg.Repeats {
			*r = couponTries{last: o.Now}
			return Finding{Reason: fmt.Sprintf("redeemed coupon %q %d times", ev.Coupon, d.cfg.Repeats)}, true
		}
	}
	return d.sharedCode(o, code)
}

func (d *coupon) count(t *couponTries, now int64, ok bool) {
	if now-t.start >= d.window {
		*t = couponTries{start: now}
	}
	t.last = now
	t.attempts++
	if !ok {
		t.failures++
	}
}

// sharedCode counts the accounts redeeming one code from one device (or,
// without a fingerprint, one /24).
func (d *coupon) sharedCode(o *Observation, code uint64) (Finding, bool) {
	dev, kind, name := o.Keys.Fingerprint, scenarios.SubjectFingerprint, o.Event.Fingerprint
	if dev == 0 {
		dev, kind, name = o.Keys.Prefix, scenarios.SubjectAddress, o.Event.Addr
	}
	if dev == 0 || o.Keys.Subject == 0 {
		return Finding{}, false
	}
	c := d.shared.get(dev^code*0x9e3779b97f4a7c15, o.Now)
	if o.Now-c.start >= d.window {
		*c = codeAccounts{start: o.Now, accounts: c.accounts[:0]}
	}
	c.last = o.Now
	if !containsKey(c.accounts, o.Keys.Subject) && len(c.accounts) < d.cfg.AccountsPerDevice {
		c.accounts = append(c.accounts, o.Keys.Subject)
	}
	if len(c.accounts) < d.cfg.AccountsPerDevice {
		return Finding{}, false
	}
	*c = codeAccounts{last: o.Now}
	return Finding{
		Reason:   fmt.Sprintf("coupon %q redeemed by %d accounts from one %s within %s", o.Event.Coupon, d.cfg.AccountsPerDevice, kind, d.cfg.Window),
		Subjects: []scenarios.Subject{o.Subject, subj(kind, name)},
	}, true
}
