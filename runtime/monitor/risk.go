package monitor

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// risk keeps a decaying score per subject that findings raise, weighted by
// context: the operation's sensitivity, a device or place new to the
// identity, a young account. Scores halve every HalfLife, so old evidence
// fades and a subject that stops misbehaving recovers.
type risk struct {
	cfg     RiskConfig
	scores  map[scenarios.Subject]*riskState
	created map[string]int64
	maxKeys int
	// recs are the monitor's subject records, where each identity keeps
	// its profile and, once known, its creation time.
	recs *records
	h    hasher
}

type riskState struct {
	score   float64
	at      int64
	reasons []reasonEntry
}

type reasonEntry struct {
	points float64
	at     int64
	text   string
}

// maxReasons is how many contributions a score explains itself by.
const maxReasons = 3

// profile is what the monitor knows of an identity's usual context; the
// identity's record keeps it.
type profile struct {
	last int64
	fps  [2]uint64
	geo  uint64
}

// context is an observation's risk context, computed before its profile
// learns from it.
type context struct {
	newDevice, newGeo, young bool
}

// profileIdle is how long an identity's profile outlives its last request.
const profileIdle = 24 * time.Hour

func newRisk(cfg RiskConfig, maxKeys int, recs *records, h hasher) *risk {
	return &risk{cfg: cfg, scores: map[scenarios.Subject]*riskState{}, created: map[string]int64{}, maxKeys: maxKeys,
		recs: recs, h: h}
}

// observe updates the identity's profile and returns the context the
// observation came in. fresh says o.rec was just created.
func (r *risk) observe(o *Observation, fresh bool) context {
	var c context
	ev := &o.Event
	if o.Op != nil && o.Op.Has(scenarios.RoleSignup) && success(ev.Status) && ev.Username != "" {
		r.accountCreated(ev.Username, o.Now)
	}
	if o.Subject.Kind != scenarios.SubjectIdentity {
		return c
	}
	rec := o.rec
	if fresh {
		rec.identity = true
		rec.created, rec.hasCreated = r.created[ev.Identity]
	}
	if rec.hasCreated {
		c.young = o.Now-rec.created < int64(r.cfg.YoungAccountAge)
	}
	p := &rec.profile
	known := p.last != 0
	p.last = o.Now
	if fp := o.Keys.Fingerprint; fp != 0 && p.fps[0] != fp && p.fps[1] != fp {
		c.newDevice = known && p.fps[0] != 0
		p.fps[1], p.fps[0] = p.fps[0], fp
	}
	if ev.Geo != "" {
		g := r.h.key(ev.Geo)
		c.newGeo = known && p.geo != 0 && p.geo != g
		p.geo = g
	}
	return c
}

func (r *risk) accountCreated(identity string, at int64) {
	if len(r.created) >= r.maxKeys {
		for k := range r.created {
			delete(r.created, k)
			break
		}
	}
	r.created[identity] = at
	if rec := r.recs.lookup(r.h.key(identity)); rec != nil && rec.identity {
		rec.created, rec.hasCreated = at, true
	}
}

// weigh is a finding's points after context, and the context that raised
// them, for the reason.
func (r *risk) weigh(detector string, op *scenarios.Operation, c context) (float64, string) {
	pts := r.cfg.Points[detector]
	var notes []string
	if op != nil && int(op.Sensitivity) < len(r.cfg.Sensitivity) && op.Sensitivity > scenarios.SensitivityLow {
		pts *= r.cfg.Sensitivity[op.Sensitivity]
		notes = append(notes, op.Sensitivity.String()+"-sensitivity operation")
	}
	if c.newDevice && r.cfg.NewDevice != 1 {
		pts *= r.cfg.NewDevice
		notes = append(notes, "new device")
	}
	if c.newGeo && r.cfg.NewGeo != 1 {
		pts *= r.cfg.NewGeo
		notes = append(notes, "new location")
	}
	if c.young && r.cfg.YoungAccount != 1 {
		pts *= r.cfg.YoungAccount
		notes = append(notes, "young account")
	}
	if len(notes) == 0 {
		return pts, ""
	}
	return pts, " [" + joinComma(notes) + "]"
}

func joinComma(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

// add raises subject's score by points and returns the new score and its
// top reasons, strongest first.
func (r *risk) add(s scenarios.Subject, points float64, text string, now int64) (float64, []string) {
	st := r.scores[s]
	if st == nil {
		r.sweep(now)
		st = &riskState{}
		r.scores[s] = st
	}
	f := r.decay(now - st.at)
	st.score = st.score*f + points
	st.at = now
	st.reasons = append(st.reasons, reasonEntry{points: points, at: now, text: text})
	sort.SliceStable(st.reasons, func(i, j int) bool {
		return st.reasons[i].points*r.decay(now-st.reasons[i].at) > st.reasons[j].points*r.decay(now-st.reasons[j].at)
	})
	if len(st.reasons) > maxReasons {
		st.reasons = slices.Clone(st.reasons[:maxReasons])
	}
	out := make([]string, len(st.reasons))
	for i, e := range st.reasons {
		out[i] = fmt.Sprintf("%.0f: %s", e.points*r.decay(now-e.at), e.text)
	}
	return st.score, out
}

func (r *risk) decay(dt int64) float64 {
	if dt <= 0 {
		return 1
	}
	return math.Exp2(-float64(dt) / float64(r.cfg.HalfLife))
}

// sweep forgets scores that decayed below one point, once the table grew.
func (r *risk) sweep(now int64) {
	if len(r.scores) < 1024 && len(r.scores) < r.maxKeys {
		return
	}
	for k, st := range r.scores {
		if st.score*r.decay(now-st.at) < 1 || len(r.scores) >= r.maxKeys {
			delete(r.scores, k)
		}
	}
}
