package monitor

import (
	"fmt"
	"math"

	"github.com/abusegate/abusegate/scenarios"
)

// rate flags a subject whose request rate over a sliding window exceeds
// its limit. Identified traffic counts against the identity only: an
// office behind one NAT, or everyone on one browser build, shares an
// address or a device fingerprint, so those are rated only for requests no
// identity speaks for.
//
// A fingerprint is a hash of a browser build's headers (User-Agent,
// Accept-Language, client hints, the set of header names), so thousands
// of people on the same build share one: it names a device only while
// few addresses stand behind it. The device limit therefore grows with
// the distinct addresses that sent the fingerprint's anonymous requests
// (within the window and the one before, a 256-bit sketch, so up to
// ~1,400 addresses): it is
//
//	max(Fingerprint, addresses × Fingerprint/deviceAddressShare)
//
// requests a window, at the default policy 600 or 60 an address. A crowd
// on a popular browser sends a person's pace per address (measured:
// BenchmarkSimulatedRequest's 550 people on six default devices, ~92
// addresses and ~2,750 requests a minute a fingerprint, were throttled at
// 601 with the flat limit; now their limit is ~5,500). A bot farm behind
// one fingerprint sends more than a person's pace through each of its
// proxies, to get anything out of them under the address limit (20
// proxies at 150 a minute: limit 1,200, throttled within half a minute,
// TestBotFarmBehindOneDeviceIsThrottled).
//
// Given up: a farm that takes a new address every few requests (under
// Fingerprint/deviceAddressShare a window per address, on average) is a
// crowd by this rule; no rate rule tells it from one, since people on one
// build also come from many addresses, each sending little. Its requests
// still meet the behaviour detectors, which count what is read or tried,
// not from where (the sweep, scraping's clusters, stuffing's and
// coupon's device rules, enumeration by identity).
type rate struct {
	cfg    RateConfig
	window int64
	fps    *table[rateState]
}

// deviceAddressShare: each distinct address behind a fingerprint raises
// its limit by Fingerprint/deviceAddressShare, a pace no person on one
// browser sustains for a window on average (60 a minute at the default).
const deviceAddressShare = 10

type rateState struct {
	c     counter
	addrs smallSketch // the addresses behind the fingerprint
	last  int64
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
		s.addrs.roll(o.Now, d.window)
		if o.Keys.Addr != 0 {
			s.addrs.add(o.Keys.Addr)
		}
		// The sketch is read only past the flat limit: most fingerprints
		// never get there.
		if n := s.c.add(o.Now, d.window); n > float64(d.cfg.Fingerprint) {
			addrs := s.addrs.distinct()
			if limit := d.deviceLimit(addrs); n > limit {
				s.c = counter{}
				f.Subjects = append(f.Subjects, subj(scenarios.SubjectFingerprint, ev.Fingerprint))
				if f.Reason == "" {
					f.Reason = fmt.Sprintf("%.0f requests in %s from one device behind ~%.0f addresses (limit %.0f: %d, or %d an address)",
						n, d.cfg.Window, addrs, limit, d.cfg.Fingerprint, d.cfg.Fingerprint/deviceAddressShare)
				}
			}
		}
	}
	return f, len(f.Subjects) > 0
}

// deviceLimit is a fingerprint's limit with addrs distinct addresses
// behind it.
func (d *rate) deviceLimit(addrs float64) float64 {
	return max(float64(d.cfg.Fingerprint), math.Round(addrs)*float64(d.cfg.Fingerprint)/deviceAddressShare)
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
	if who == "address" {
		return d.cfg.Address
	}
	return d.cfg.Identity
}
