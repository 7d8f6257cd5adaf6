package monitor

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// SignupName is the detector of mass account creation (OAT-019).
const SignupName = "signup"

// signup counts successful sign-ups per source within a window: per
// client address, per network (the address's /24, or /64 for IPv6: what
// one actor rotating addresses usually holds) and per device within that
// network (a fingerprint is shared by everyone on one browser build, so a
// device is only told apart inside one network). A person signs up once;
// an office or campus behind one address signs up a few people a day, far
// under the limits. A source that reaches its limit is flagged when its
// last account is answered, and every further sign-up from it is refused
// before it is served (inspect) while its count stays at the limit, so
// rotating addresses inside one network buys no more accounts.
type signup struct {
	cfg     SignupConfig
	window  int64
	addrs   *table[signupCount]
	nets    *table[signupCount]
	devices *table[signupCount]
	h       hasher
	// methods are those of the Surface's sign-up operations, so other
	// requests are not matched before serving.
	methods []string
}

var _ Detector = (*signup)(nil)

type signupCount struct {
	c    counter
	last int64
}

func newSignup(cfg SignupConfig, surface scenarios.Surface, maxKeys int, h hasher) *signup {
	idle := 2 * cfg.Window
	last := func(s *signupCount) int64 { return s.last }
	d := &signup{cfg: cfg, window: int64(cfg.Window), h: h,
		addrs: newTable(maxKeys, idle, last), nets: newTable(maxKeys, idle, last), devices: newTable(maxKeys, idle, last)}
	for _, op := range surface.Operations {
		if op.Has(scenarios.RoleSignup) && !slices.Contains(d.methods, op.Method) {
			d.methods = append(d.methods, op.Method)
		}
	}
	return d
}

func (d *signup) Name() string { return SignupName }

// source is one of the keys a sign-up counts under, with its limit.
type source struct {
	t     *table[signupCount]
	key   uint64
	limit int
	// device says the source is a device in a network, whose finding
	// names the fingerprint too.
	device bool
}

// sources are the address, the device in the network and the network of
// o, the strongest first; a zero key is absent.
func (d *signup) sources(o *Observation) [3]source {
	net := o.Keys.Prefix
	if n, ok := network(o.Event.Addr); ok {
		net = d.h.key(n)
	}
	var dev uint64
	if o.Keys.Fingerprint != 0 && net != 0 {
		dev = o.Keys.Fingerprint*31 ^ net
	}
	return [3]source{
		{t: d.addrs, key: o.Keys.Addr, limit: d.cfg.Address},
		{t: d.devices, key: dev, limit: d.cfg.Device, device: true},
		{t: d.nets, key: net, limit: d.cfg.Network},
	}
}

func (d *signup) Observe(o *Observation) (Finding, bool) {
	if o.Op == nil || !o.Op.Has(scenarios.RoleSignup) || !success(o.Event.Status) {
		return Finding{}, false
	}
	var f Finding
	for _, s := range d.sources(o) {
		c := s.t.get(s.key, o.Now)
		if c == nil {
			continue
		}
		c.last = o.Now
		c.c.roll(o.Now, d.window)
		before := c.c.estimate(o.Now, d.window)
		n := c.c.add(o.Now, d.window)
		if f.Reason == "" && before < float64(s.limit) && n >= float64(s.limit) {
			f = d.finding(o, s, fmt.Sprintf("created %.0f accounts within %s (limit %d)", n, d.cfg.Window, s.limit))
		}
	}
	return f, f.Reason != ""
}

// inspect scores a sign-up before it is served: a finding when one of its
// sources has already created its limit of accounts within the window. It
// counts nothing.
func (d *signup) inspect(o *Observation) (Finding, bool) {
	for _, s := range d.sources(o) {
		c := s.t.m[s.key]
		if s.key == 0 || c == nil {
			continue
		}
		w := c.c
		w.roll(o.Now, d.window)
		if n := w.estimate(o.Now, d.window); n >= float64(s.limit) {
			return d.finding(o, s, fmt.Sprintf("signs up again after %.0f accounts within %s (limit %d): refused before it is served", n, d.cfg.Window, s.limit)), true
		}
	}
	return Finding{}, false
}

// finding is against the sign-up's address, and its device for a device
// source; what names the source in the reason.
func (d *signup) finding(o *Observation, s source, what string) Finding {
	ev := &o.Event
	who := "address " + ev.Addr
	switch {
	case s.device:
		who = "device " + ev.Fingerprint + " in " + networkName(ev.Addr)
	case s.t == d.nets:
		who = "network " + networkName(ev.Addr)
	}
	f := Finding{
		Reason:   who + " " + what,
		Subjects: []scenarios.Subject{subj(scenarios.SubjectAddress, ev.Addr)},
	}
	if s.device {
		f.Subjects = append(f.Subjects, subj(scenarios.SubjectFingerprint, ev.Fingerprint))
	}
	return f
}

func (d *signup) checksBefore(method string) bool { return slices.Contains(d.methods, method) }

// network is the network a sign-up from addr counts under where the
// monitor's address prefix (/24, IPv6 /48) is not it: the /64 of an IPv6
// address, the subnet one site hands out addresses from, and the /24 of
// an IPv4-mapped one (a dual-stack listener or a proxy may write an IPv4
// client so); ok is false for plain IPv4 and anything unparsable.
func network(addr string) (string, bool) {
	if strings.IndexByte(addr, ':') < 0 {
		return "", false
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "", false
	}
	bits := 64
	if a.Is4In6() {
		a, bits = a.Unmap(), 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return "", false
	}
	return p.String(), true
}

// networkName is the network a sign-up counts under, for reasons.
func networkName(addr string) string {
	if n, ok := network(addr); ok {
		return n
	}
	return prefix(addr) + ".0/24"
}
