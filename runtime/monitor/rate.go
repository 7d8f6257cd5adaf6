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
	ids    *table[rateState]
	addrs  *table[rateState]
	fps    *table[rateState]
}

type rateState struct {
	c    counter
	last int64
}

var _ Detector = (*rate)(nil)

func newRate(cfg RateConfig, maxKeys int) *rate {
	last := func(s *rateState) int64 { return s.last }
	return &rate{
		cfg: cfg, window: int64(cfg.Window),
		ids:   newTable(maxKeys, 2*cfg.Window, last),
		addrs: newTable(maxKeys, 2*cfg.Window, last),
		fps:   newTable(maxKeys, 2*cfg.Window, last),
	}
}

func (d *rate) Name() string { return RateName }

func (d *rate) Observe(o *Observation) (Finding, bool) {
	ev := &o.Event
	if o.Subject.Kind == scenarios.SubjectIdentity || o.Subject.Kind == scenarios.SubjectToken {
		if n, ok := d.count(d.ids, o.Keys.Subject, o.Now, d.cfg.Identity); ok {
			return Finding{Reason: d.reason(n, o.Subject.Kind.String())}, true
		}
		return Finding{}, false
	}
	var f Finding
	if n, ok := d.count(d.addrs, o.Keys.Addr, o.Now, d.cfg.Address); ok {
		f.Subjects = append(f.Subjects, subj(scenarios.SubjectAddress, ev.Addr))
		f.Reason = d.reason(n, "address")
	}
	if n, ok := d.count(d.fps, o.Keys.Fingerprint, o.Now, d.cfg.Fingerprint); ok {
		f.Subjects = append(f.Subjects, subj(scenarios.SubjectFingerprint, ev.Fingerprint))
		if f.Reason == "" {
			f.Reason = d.reason(n, "device")
		}
	}
	return f, len(f.Subjects) > 0
}

func (d *rate) count(t *table[rateState], k uint64, now int64, limit int) (float64, bool) {
	s := t.get(k, now)
	if s == nil {
		return 0, false
	}
	s.last = now
	n := s.c.add(now, d.window)
	if n <= float64(limit) {
		return 0, false
	}
	s.c = counter{}
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
