package monitor

import (
	"fmt"
	"math"
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
	creds  *table[credUse]
	h      hasher
}

var _ Detector = (*reuse)(nil)

// credUse remembers the recent devices and prefixes of one credential and
// its last place.
type credUse struct {
	last     int64
	fps      []sighting
	prefixes []sighting
	geo      uint64
	geoAt    int64
	lat, lon float64
	hasLL    bool
	geoText  string
}

type sighting struct {
	key uint64
	at  int64
}

func newReuse(cfg ReuseConfig, maxKeys int, h hasher) *reuse {
	return &reuse{cfg: cfg, window: int64(cfg.Window), h: h,
		creds: newTable(maxKeys, max(cfg.Window, cfg.TravelWindow), func(c *credUse) int64 { return c.last })}
}

func (d *reuse) Name() string { return ReuseName }

func (d *reuse) Observe(o *Observation) (Finding, bool) {
	key := o.Keys.Token
	if key == 0 {
		key = o.Keys.Identity
	}
	if key == 0 {
		return Finding{}, false
	}
	c := d.creds.get(key, o.Now)
	c.last = o.Now
	ev := &o.Event
	if o.Keys.Fingerprint != 0 {
		c.fps = sight(c.fps, o.Keys.Fingerprint, o.Now, d.window, d.cfg.Fingerprints)
		if len(c.fps) >= d.cfg.Fingerprints {
			c.fps = c.fps[:0]
			return Finding{Reason: fmt.Sprintf("%s used from %d devices within %s", credName(o), d.cfg.Fingerprints, d.cfg.Window)}, true
		}
	}
	if o.Keys.Prefix != 0 {
		c.prefixes = sight(c.prefixes, o.Keys.Prefix, o.Now, d.window, d.cfg.Addresses)
		if len(c.prefixes) >= d.cfg.Addresses {
			c.prefixes = c.prefixes[:0]
			return Finding{Reason: fmt.Sprintf("%s used from %d networks within %s", credName(o), d.cfg.Addresses, d.cfg.Window)}, true
		}
	}
	if ev.Geo != "" {
		return d.travel(c, ev.Geo, o.Now, o)
	}
	return Finding{}, false
}

func credName(o *Observation) string {
	if o.Event.TokenID != "" {
		return "token " + o.Event.TokenID
	}
	return "identity " + o.Event.Identity
}

// sight records key at now, forgetting sightings older than window; the
// list holds at most limit entries.
func sight(s []sighting, key uint64, now, window int64, limit int) []sighting {
	j := 0
	found := false
	for _, x := range s {
		if now-x.at >= window {
			continue
		}
		if x.key == key {
			x.at, found = now, true
		}
		s[j] = x
		j++
	}
	s = s[:j]
	if !found && len(s) < limit {
		s = append(s, sighting{key: key, at: now})
	}
	return s
}

// travel compares the place with the last one: coordinates must not move
// faster than TravelKMH, region codes must not change within TravelWindow.
func (d *reuse) travel(c *credUse, geo string, now int64, o *Observation) (Finding, bool) {
	g := d.h.key(geo)
	lat, lon, ll := parseLatLon(geo)
	prev, prevAt, prevText, prevLL, plat, plon := c.geo, c.geoAt, c.geoText, c.hasLL, c.lat, c.lon
	c.geo, c.geoAt, c.geoText, c.lat, c.lon, c.hasLL = g, now, geo, lat, lon, ll
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
