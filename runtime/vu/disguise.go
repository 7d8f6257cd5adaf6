package vu

import (
	"net"
	"net/http"
	"net/netip"
)

// Disguise makes a workload's identities look like distinct people on
// distinct machines, the way a distributed attacker or a real crowd does.
type Disguise struct {
	// Sources binds each identity's connections to its own loopback
	// address (127.0.0.2, 127.0.0.3, ...), so the target sees distinct
	// peers. Without a pool, each VU is an identity.
	Sources bool
	// Networks, with Sources, puts each identity's address in a /24 of its
	// own (127.0.1.2, 127.0.2.2, ...), as people on distinct networks
	// rather than neighbours behind one router: a detector that groups
	// clients by network prefix sees them apart. Workloads with and
	// without it share no address unless one without it has more than
	// 254 identities.
	Networks bool
	// Devices are assigned to identities deterministically; nil sends the
	// harness's own User-Agent.
	Devices []Device
	// OwnDevices gives identity k Devices[k mod len(Devices)] instead of a
	// hashed pick, so a crowd of one device per person shares none (the
	// hash put three of 20 benign shoppers on one device).
	OwnDevices bool
	// Geos are assigned likewise: Accept-Language, and with Forwarded a
	// client address from the geo's prefix.
	Geos []Geo
	// Forwarded sends X-Forwarded-For and Forwarded (RFC 7239) headers;
	// only when a plan opts in, since a target that trusts them is itself
	// a finding.
	Forwarded bool
}

// Device is a client fingerprint: the user agent and the headers a real
// browser sends with it, client hints included.
type Device struct {
	Name      string
	UserAgent string
	// Headers are set on every request, in the order a browser sends
	// them, names in the case given. The lean HTTP/1.1 client writes them
	// in this order (after Host; a "User-Agent" entry places the user
	// agent); net/http (TLS, HTTP/2) writes its own order.
	Headers [][2]string
}

func (d *Device) apply(h http.Header) {
	for _, kv := range d.Headers {
		h.Set(kv[0], kv[1])
	}
}

// Geo is where an identity pretends to be.
type Geo struct {
	Country        string
	AcceptLanguage string
	TimeZone       string
	// Prefix holds the client addresses claimed in forwarding headers.
	Prefix netip.Prefix
}

func (g *Geo) apply(h http.Header, forwardedFor string) {
	if g.AcceptLanguage != "" {
		h.Set("Accept-Language", g.AcceptLanguage)
	}
	if forwardedFor != "" {
		h.Set("X-Forwarded-For", forwardedFor)
		h.Set("Forwarded", "for="+forwardedFor)
	}
}

// addr is identity key's address inside the geo's prefix.
func (g *Geo) addr(key int) string {
	if !g.Prefix.IsValid() || !g.Prefix.Addr().Is4() {
		return ""
	}
	base := g.Prefix.Masked().Addr().As4()
	hostBits := 32 - g.Prefix.Bits()
	if hostBits < 2 {
		return g.Prefix.Addr().String()
	}
	span := uint32(1)<<hostBits - 2
	n := uint32(mix(uint64(key)))%span + 1
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// SourceAddr is the loopback address of identity n: 127.0.0.2 for 0, then
// upwards through 127.0.0.0/8 (127.0.0.1 stays the harness's own).
func SourceAddr(n int) net.IP {
	v := uint32(n%(1<<24-3)) + 2
	return net.IPv4(127, byte(v>>16), byte(v>>8), byte(v))
}

// DefaultDevices are common desktop and mobile browsers.
func DefaultDevices() []Device {
	chromium := func(name, ua, brand, platform, mobile string) Device {
		return Device{Name: name, UserAgent: ua, Headers: [][2]string{
			{"Sec-Ch-Ua", brand}, {"Sec-Ch-Ua-Mobile", mobile}, {"Sec-Ch-Ua-Platform", platform},
			{"Accept", "application/json, text/plain, */*"}, {"Accept-Language", "en-US,en;q=0.9"},
			{"Sec-Fetch-Site", "same-origin"}, {"Sec-Fetch-Mode", "cors"}, {"Sec-Fetch-Dest", "empty"},
			{"Accept-Encoding", "gzip, deflate, br"},
		}}
	}
	return []Device{
		chromium("chrome-windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
			`"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"`, `"Windows"`, "?0"),
		chromium("chrome-macos", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
			`"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"`, `"macOS"`, "?0"),
		chromium("edge-windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
			`"Chromium";v="124", "Microsoft Edge";v="124", "Not-A.Brand";v="99"`, `"Windows"`, "?0"),
		chromium("chrome-android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
			`"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"`, `"Android"`, "?1"),
		{Name: "firefox-linux", UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", Headers: [][2]string{
			{"Accept", "application/json, text/plain, */*"}, {"Accept-Language", "en-US,en;q=0.5"}, {"Accept-Encoding", "gzip, deflate, br"},
			{"Sec-Fetch-Dest", "empty"}, {"Sec-Fetch-Mode", "cors"}, {"Sec-Fetch-Site", "same-origin"},
		}},
		{Name: "safari-ios", UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1", Headers: [][2]string{
			{"Accept", "application/json, text/plain, */*"}, {"Accept-Language", "en-GB,en;q=0.9"}, {"Accept-Encoding", "gzip, deflate, br"},
		}},
	}
}

// mix spreads neighbouring keys over a list (splitmix64's finaliser).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// identityState is who a VU is right now: credential, client with its
// session's cookie jar bound to the identity's source, device and geo.
type identityState struct {
	// The fields every request reads come first (with the credential's
	// kind and username), so they share two cache lines: with thousands
	// of identities each one's state is cold.
	device *Device
	// lines are the identity's own header lines (base).
	lines *baseFields
	jar   *sessionJar
	// addr is the source address as the target sees it; remote is addr
	// with a port, as a server's Request.RemoteAddr.
	addr, remote string
	// sess caches the session's name (sessionName).
	sess struct {
		name  string
		vu, n int
	}
	session   int
	uses      int
	cred      Credential
	key       int // pool index, or the VU's global index without a pool
	sourceKey int // the SourceAddr index; -1: the default address
	// pool is the lean client's pool of the identity's source (nil when
	// the run uses net/http); client is the net/http client of the
	// session, made on first use.
	pool         *h1Pool
	client       *http.Client
	geo          *Geo
	forwardedFor string
}

// identify settles who v is before a request (begin: before an
// iteration): the pool's rotation, a fresh session per iteration.
func (e *engine) identify(v *vuState, begin bool) {
	x := v.x
	pool := x.w.Identities
	if pool == nil || len(pool.Creds) == 0 {
		if v.id == nil {
			v.id = e.newIdentity(x, v.g, Credential{})
		} else if begin {
			v.id.newSession(e)
		}
		return
	}
	every := x.w.Rotation.every()
	var idx int
	switch {
	case v.id == nil && every == 0:
		idx = v.g % len(pool.Creds)
	case v.id == nil || (every > 0 && v.id.uses >= every):
		k := int(pool.next.Add(1) - 1)
		idx = x.seg.Global(k) % len(pool.Creds)
	default:
		if begin {
			v.id.newSession(e)
		}
		return
	}
	if v.id != nil && v.id.key == idx {
		v.id.uses = 0
		return
	}
	v.id = e.newIdentity(x, idx, pool.Creds[idx])
}

func (e *engine) newIdentity(x *execution, key int, c Credential) *identityState {
	id := &identityState{cred: c, key: key, sourceKey: -1}
	d := x.w.Disguise
	if d.Sources {
		id.sourceKey = x.srcBase + key
		if d.Networks {
			id.sourceKey = (id.sourceKey + 1) << 8
		}
	}
	id.addr = "127.0.0.1"
	if l := id.local(); l != "" {
		id.addr = l
	}
	id.remote = id.addr + ":40000"

	if n := len(d.Devices); n > 0 {
		i := mix(uint64(key)) % uint64(n)
		if d.OwnDevices {
			i = uint64(key) % uint64(n)
		}
		id.device = &d.Devices[i]
	}
	if n := len(d.Geos); n > 0 {
		id.geo = &d.Geos[mix(uint64(key)+1)%uint64(n)]
		if d.Forwarded {
			id.forwardedFor = id.geo.addr(key)
		}
	}
	id.lines = e.linesOf(id)
	id.newSession(e)
	return id
}

// newSession gives the identity a fresh cookie jar on its source.
func (id *identityState) newSession(e *engine) {
	id.session++
	id.jar, id.client = newSessionJar(), nil
	if e.leanHTTP && id.pool == nil {
		id.pool = e.r.srcs.pool(e.r, id.local(), e.wall)
	}
}

func (id *identityState) local() string {
	if id.sourceKey < 0 {
		return ""
	}
	return SourceAddr(id.sourceKey).String()
}

// stdClient is the session's net/http client: the Runner's own Client
// with the session's jar, or one over the source's transport.
func (id *identityState) stdClient(e *engine) *http.Client {
	if id.client != nil {
		return id.client
	}
	if e.r.Client != nil {
		c := *e.r.Client
		c.Jar = id.jar
		id.client = &c
		return id.client
	}
	id.client = e.r.newClient(e.r.srcs.transport(e.r, id.local()), id.jar)
	return id.client
}
