package monitor

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// reuse flags one credential used from several places at once: a token
// (or, without one, an identity) seen from many devices or from addresses
// in many distinct prefixes within a window, or an identity whose geo hint
// moves faster than travel allows. A mobile user switching between Wi-Fi
// and a carrier changes address, not device nor place.
type reuse struct {
	cfg    ReuseConfig
	window int64
	h      hasher
}

var _ Detector = (*reuse)(nil)

// credUse is what the subject's record keeps for reuse: the recent devices
// and networks of each of its credentials (a sighting names the token it
// was seen with, so an identity's phone and laptop, each with its own
// token, are not one credential on two devices), and the identity's last
// place.
type credUse struct {
	seen []sighting
	geo  *place
}

type sighting struct {
	key    uint64 // device or /24 prefix
	at     int64
	tok    uint32 // low bits of the token's key, 0 without a token
	prefix bool
}

type place struct {
	key      uint64
	at       int64
	lat, lon float64
	hasLL    bool
	text     string
}

// maxSightings bounds a record's sightings across its credentials: an
// identity logging in again and again gets a new token each time.
const maxSightings = 32

func newReuse(cfg ReuseConfig, h hasher) *reuse {
	return &reuse{cfg: cfg, window: int64(cfg.Window), h: h}
}

func (d *reuse) Name() string { return ReuseName }

func (d *reuse) Observe(o *Observation) (Finding, bool) {
	if o.Keys.Token == 0 && o.Keys.Identity == 0 {
		return Finding{}, false
	}
	c := &o.rec.cred
	tok := uint32(o.Keys.Token)
	c.expire(o.Now, d.window)
	if fp := o.Keys.Fingerprint; fp != 0 {
		if c.sight(sighting{key: fp, at: o.Now, tok: tok}) >= d.cfg.Fingerprints {
			c.forget(tok, false)
			return Finding{Reason: fmt.Sprintf("%s used from %d devices within %s", credName(o), d.cfg.Fingerprints, d.cfg.Window)}, true
		}
	}
	if p := o.Keys.Prefix; p != 0 {
		if c.sight(sighting{key: p, at: o.Now, tok: tok, prefix: true}) >= d.cfg.Addresses {
			c.forget(tok, true)
			return Finding{Reason: fmt.Sprintf("%s used from %d networks within %s", credName(o), d.cfg.Addresses, d.cfg.Window)}, true
		}
	}
	if ev := &o.Event; ev.Geo != "" {
		if c.geo == nil {
			c.geo = &place{}
		}
		return d.travel(c.geo, ev.Geo, o.Now, o)
	}
	return Finding{}, false
}

func credName(o *Observation) string {
	if o.Event.TokenID != "" {
		return "token " + o.Event.TokenID
	}
	return "identity " + o.Event.Identity
}

// expire forgets sightings older than window; as walk.evict, a plain loop
// first tells whether there are any.
func (c *credUse) expire(now, window int64) {
	for i := range c.seen {
		if now-c.seen[i].at >= window {
			c.seen = slices.DeleteFunc(c.seen, func(s sighting) bool { return now-s.at >= window })
			return
		}
	}
}

// sight records s (refreshing an earlier sighting of the same place by the
// same credential) and returns how many places of its kind that
// credential was seen at. When full, the oldest sighting makes room.
func (c *credUse) sight(s sighting) int {
	n, found := 0, false
	for i := range c.seen {
		x := &c.seen[i]
		if x.tok != s.tok || x.prefix != s.prefix {
			continue
		}
		n++
		if x.key == s.key {
			x.at, found = s.at, true
		}
	}
	if found {
		return n
	}
	if len(c.seen) >= maxSightings {
		oldest := 0
		for i := range c.seen {
			if c.seen[i].at < c.seen[oldest].at {
				oldest = i
			}
		}
		c.seen = slices.Delete(c.seen, oldest, oldest+1)
	}
	c.seen = append(c.seen, s)
	return n + 1
}

// forget drops one credential's sightings of a kind, after a finding.
func (c *credUse) forget(tok uint32, prefix bool) {
	c.seen = slices.DeleteFunc(c.seen, func(s sighting) bool { return s.tok == tok && s.prefix == prefix })
}

// travel compares the place with the last one: coordinates must not move
// faster than TravelKMH, region codes must not change within TravelWindow.
func (d *reuse) travel(c *place, geo string, now int64, o *Observation) (Finding, bool) {
	g := d.h.key(geo)
	lat, lon, ll := parseLatLon(geo)
	prev, prevAt, prevText, prevLL, plat, plon := c.key, c.at, c.text, c.hasLL, c.lat, c.lon
	c.key, c.at, c.text, c.lat, c.lon, c.hasLL = g, now, geo, lat, lon, ll
	if prev == 0 || prev == g {
		return Finding{}, false
	}
	dt := time.Duration(now - prevAt)
	who := credName(o)
	if ll && prevLL {
		km := haversineKM(plat, plon, lat, lon)
		hours := max(dt.Hours(), 1.0/3600)
		if km/hours <= d.cfg.TravelKMH {
			return Finding{}, false
		}
		return Finding{Reason: fmt.Sprintf("impossible travel: %s moved %.0f km in %s (%s -> %s)", who, km, dt.Round(time.Second), prevText, geo)}, true
	}
	if dt >= d.cfg.TravelWindow {
		return Finding{}, false
	}
	return Finding{Reason: fmt.Sprintf("impossible travel: %s seen in %s then %s within %s", who, prevText, geo, dt.Round(time.Second))}, true
}

// parseLatLon reads "lat,lon".
func parseLatLon(s string) (float64, float64, bool) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || math.Abs(lat) > 90 || math.Abs(lon) > 180 {
		return 0, 0, false
	}
	return lat, lon, true
}

func haversineKM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
