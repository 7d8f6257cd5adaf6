package monitor

import (
	"fmt"

	"github.com/abusegate/abusegate/scenarios"
)

// rate flags a subject whose request rate over a sliding window exceeds
// its limit. Identified traffic counts against the identity only: an
// office behind one NAT, or everyone on one browser build, shares an
// address or a device fingerprint, so those are rated only for requests no
// identity speaks for.
type rate struct {
	cfg    RateConfig
	window int64
	fps    *table[rateState]
}

type rateState struct {
	c    counter
	last int64
}

var _ Detector = (*rate)(nil)

func newRate(cfg RateConfig, maxKeys int) *rate {
	return &rate{cfg: cfg, window: int64(cfg.Window),
		fps: newTable(maxKeys, 2*cfg.Window, func(s *rateState) int64 { return s.last })}
}

func (d *rate) Name() string { return RateName }

func (d *rate) Observe(o *Observation) (Finding, bool) {
	ev := &o.Event
	if o.Subject.Kind != scenarios.SubjectAddress {
		if n, ok := d.count(&o.rec.rate, o.Now, d.cfg.Identity); ok {
			return Finding{Reason: d.reason(n, o.Subject.Kind.String())}, true
		}
		return Finding{}, false
	}
	// Anonymous: the subject is the address.
	var f Finding
	if n, ok := d.count(&o.rec.rate, o.Now, d.cfg.Address); ok {
		f.Subjects = append(f.Subjects, subj(scenarios.SubjectAddress, ev.Addr))
		f.Reason = d.reason(n, "address")
	}
	if s := d.fps.get(o.Keys.Fingerprint, o.Now); s != nil {
		s.last = o.Now
		if n, ok := d.count(&s.c, o.Now, d.cfg.Fingerprint); ok {
			f.Subjects = append(f.Subjects, subj(scenarios.SubjectFingerprint, ev.Fingerprint))
			if f.Reason == "" {
				f.Reason = d.reason(n, "device")
			}
		}
	}
	return f, len(f.Subjects) > 0
}

// count adds one request to c and reports the sliding count when it is
// over limit, starting c afresh.
func (d *rate) count(c *counter, now int64, limit int) (float64, bool) {
	n := c.add(now, d.window)
	if n <= float64(limit) {
		return 0, false
	}
	*c = counter{}
	return n, true
}

func (d *rate) reason(n float64, who string) string {
	return fmt.Sprintf("%.0f requests in %s from one %s (limit %d)", n, d.cfg.Window, who, d.limitFor(who))
}

func (d *rate) limitFor(who string) int {
	switch who {
	case "address":
		return d.cfg.Address
	case "device":
		return d.cfg.Fingerprint
	}
	return d.cfg.Identity
}
