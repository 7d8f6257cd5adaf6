package monitor

import (
	"fmt"
	"slices"

	"github.com/abusegate/abusegate/scenarios"
)

// stuffing flags a source address or device whose logins mostly fail
// across many usernames: a credential list being tried. A user who forgets
// a password fails on one username; an office NAT logs many users in, but
// mostly successfully.
type stuffing struct {
	cfg    StuffingConfig
	window int64
	addrs  *table[loginStats]
	fps    *table[loginStats]
	h      hasher
}

var _ Detector = (*stuffing)(nil)

// loginStats slide like the rate detector's counters: attempts and
// failures over the last window, and the usernames tried within it.
type loginStats struct {
	last               int64
	attempts, failures counter
	usernames          []sighting
}

func newStuffing(cfg StuffingConfig, maxKeys int, h hasher) *stuffing {
	last := func(s *loginStats) int64 { return s.last }
	return &stuffing{cfg: cfg, window: int64(cfg.Window), h: h,
		addrs: newTable(maxKeys, cfg.Window, last), fps: newTable(maxKeys, cfg.Window, last)}
}

func (d *stuffing) Name() string { return StuffingName }

func (d *stuffing) Observe(o *Observation) (Finding, bool) {
	if o.Op == nil || !o.Op.Has(scenarios.RoleLogin) {
		return Finding{}, false
	}
	ev := &o.Event
	user := d.h.key(ev.Username)
	fail := !success(ev.Status)
	var f Finding
	if s := d.addrs.get(o.Keys.Addr, o.Now); s != nil && d.add(s, o.Now, user, fail) {
		f.Subjects = append(f.Subjects, subj(scenarios.SubjectAddress, ev.Addr))
		f.Reason = d.reason(s, "address "+ev.Addr)
	}
	if s := d.fps.get(o.Keys.Fingerprint, o.Now); s != nil && d.add(s, o.Now, user, fail) {
		f.Subjects = append(f.Subjects, subj(scenarios.SubjectFingerprint, ev.Fingerprint))
		if f.Reason == "" {
			f.Reason = d.reason(s, "device "+ev.Fingerprint)
		}
	}
	for _, s := range []*loginStats{d.addrs.m[o.Keys.Addr], d.fps.m[o.Keys.Fingerprint]} {
		if s != nil && len(f.Subjects) > 0 {
			*s = loginStats{last: o.Now}
		}
	}
	return f, len(f.Subjects) > 0
}

// add counts one login and reports whether the source crossed the line.
func (d *stuffing) add(s *loginStats, now int64, user uint64, fail bool) bool {
	s.last = now
	attempts := s.attempts.add(now, d.window)
	s.failures.roll(now, d.window)
	if fail {
		s.failures.cur++
	}
	failures := s.failures.estimate(now, d.window)
	s.usernames = slices.DeleteFunc(s.usernames, func(u sighting) bool { return now-u.at >= d.window })
	if user != 0 {
		if i := slices.IndexFunc(s.usernames, func(u sighting) bool { return u.key == user }); i >= 0 {
			s.usernames[i].at = now
		} else if len(s.usernames) < d.cfg.Usernames {
			s.usernames = append(s.usernames, sighting{key: user, at: now})
		}
	}
	return failures >= float64(d.cfg.Failures) && len(s.usernames) >= d.cfg.Usernames &&
		failures >= d.cfg.FailureRatio*attempts
}

func (d *stuffing) reason(s *loginStats, who string) string {
	return fmt.Sprintf("%.0f of %.0f logins failed from %s, %d+ distinct usernames within %s",
		s.failures.estimate(s.last, d.window), s.attempts.estimate(s.last, d.window), who, len(s.usernames), d.cfg.Window)
}
