package monitor

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// DistinctObjectsName is the id of the enumeration (BOLA) detector.
const DistinctObjectsName = "distinct-objects"

// distinctObjects flags a subject that reads many distinct objects of one
// object-read route within a sliding window, whatever the answers were: an
// enumeration probes ids, and 404s or 403s are part of the walk.
type distinctObjects struct {
	window time.Duration
	limit  int
	walks  map[walkKey]*walk
	// swept is the event time of the last sweep of idle walks.
	swept time.Time
}

var _ Detector = (*distinctObjects)(nil)

type walkKey struct {
	subject scenarios.Subject
	route   string
}

// walk holds at most limit distinct ids, the time each was last read.
type walk struct {
	seen []seenObject
}

type seenObject struct {
	id string
	at time.Time
}

func newDistinctObjects(window time.Duration, limit int) *distinctObjects {
	return &distinctObjects{window: window, limit: limit, walks: make(map[walkKey]*walk)}
}

func (d *distinctObjects) Name() string { return DistinctObjectsName }

func (d *distinctObjects) Observe(o Observation) (Finding, bool) {
	ev := o.Event
	d.sweep(ev.Time)
	if ev.ObjectID == "" || !objectRead(o.Op) {
		return Finding{}, false
	}
	// An anonymous walk that the target already refuses reads nothing, and
	// an address can be shared by many users behind one NAT: blocking it
	// would hurt them and contain nothing.
	if o.Subject.Kind == scenarios.SubjectAddress && scenarios.DeniedStatus(ev.Status) {
		return Finding{}, false
	}
	k := walkKey{subject: o.Subject, route: ev.Route}
	w := d.walks[k]
	if w == nil {
		w = &walk{seen: make([]seenObject, 0, min(d.limit, 8))}
		d.walks[k] = w
	}
	w.evict(ev.Time, d.window)
	w.touch(ev.ObjectID, ev.Time)
	if len(w.seen) < d.limit {
		return Finding{}, false
	}
	delete(d.walks, k)
	return Finding{Reason: w.reason(ev.Route)}, true
}

// sweep drops walks that went idle, at most once per window, so memory
// follows the active subjects rather than every subject ever seen.
func (d *distinctObjects) sweep(now time.Time) {
	if now.Sub(d.swept) < d.window {
		return
	}
	d.swept = now
	for k, w := range d.walks {
		w.evict(now, d.window)
		if len(w.seen) == 0 {
			delete(d.walks, k)
		}
	}
}

func (w *walk) evict(now time.Time, window time.Duration) {
	w.seen = slices.DeleteFunc(w.seen, func(s seenObject) bool { return !inWindow(s.at, now, window) })
}

func (w *walk) touch(id string, at time.Time) {
	for i := range w.seen {
		if w.seen[i].id == id {
			if at.After(w.seen[i].at) {
				w.seen[i].at = at
			}
			return
		}
	}
	w.seen = append(w.seen, seenObject{id: id, at: at})
}

func (w *walk) reason(route string) string {
	first, last := w.seen[0].at, w.seen[0].at
	for _, s := range w.seen[1:] {
		if s.at.Before(first) {
			first = s.at
		}
		if s.at.After(last) {
			last = s.at
		}
	}
	r := fmt.Sprintf("read %d distinct %s objects in %s", len(w.seen), route, last.Sub(first).Round(100*time.Millisecond))
	if lo, hi, ok := w.sequential(); ok {
		r += fmt.Sprintf(", sequential ids %d..%d", lo, hi)
	}
	return r
}

// sequential reports whether the ids are integers and at least 80% of the
// gaps between them, sorted, are 1: the signature of a counter walk.
func (w *walk) sequential() (lo, hi int64, ok bool) {
	ids := make([]int64, 0, len(w.seen))
	for _, s := range w.seen {
		n, err := strconv.ParseInt(s.id, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		ids = append(ids, n)
	}
	if len(ids) < 2 {
		return 0, 0, false
	}
	slices.Sort(ids)
	steps := 0
	for i := 1; i < len(ids); i++ {
		if ids[i]-ids[i-1] == 1 {
			steps++
		}
	}
	return ids[0], ids[len(ids)-1], steps*5 >= (len(ids)-1)*4
}
