package monitor

import (
	"fmt"
	"slices"

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

// couponTries slide like the rate detector's counters.
type couponTries struct {
	last               int64
	attempts, failures counter
}

// codeAccounts are the accounts that redeemed one code from one device
// within the window, each with when it last did.
type codeAccounts struct {
	last     int64
	accounts []sighting
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
	attempts, failures := d.count(t, o.Now, ok)
	switch {
	case attempts >= float64(d.cfg.Attempts):
		f := Finding{Reason: fmt.Sprintf("%.0f coupon attempts on %s within %s", attempts, where, d.cfg.Window)}
		*t = couponTries{last: o.Now}
		return f, true
	case failures >= float64(d.cfg.Failures) && failures >= d.cfg.FailureRatio*attempts:
		f := Finding{Reason: fmt.Sprintf("%.0f of %.0f coupon codes rejected on %s within %s: guessing codes", failures, attempts, where, d.cfg.Window)}
		*t = couponTries{last: o.Now}
		return f, true
	}
	if code == 0 || !ok {
		return Finding{}, false
	}
	if r := d.reuse.get(o.Keys.Subject^code, o.Now); r != nil {
		if n, _ := d.count(r, o.Now, true); n >= float64(d.cfg.Repeats) {
			*r = couponTries{last: o.Now}
			return Finding{Reason: fmt.Sprintf("redeemed coupon %q %d times", ev.Coupon, d.cfg.Repeats)}, true
		}
	}
	return d.sharedCode(o, code)
}

// count adds one attempt and returns the sliding attempts and failures.
func (d *coupon) count(t *couponTries, now int64, ok bool) (attempts, failures float64) {
	t.last = now
	attempts = t.attempts.add(now, d.window)
	t.failures.roll(now, d.window)
	if !ok {
		t.failures.cur++
	}
	return attempts, t.failures.estimate(now, d.window)
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
	c.last = o.Now
	c.accounts = slices.DeleteFunc(c.accounts, func(a sighting) bool { return o.Now-a.at >= d.window })
	if i := slices.IndexFunc(c.accounts, func(a sighting) bool { return a.key == o.Keys.Subject }); i >= 0 {
		c.accounts[i].at = o.Now
	} else if len(c.accounts) < d.cfg.AccountsPerDevice {
		c.accounts = append(c.accounts, sighting{key: o.Keys.Subject, at: o.Now})
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
