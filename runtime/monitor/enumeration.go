package monitor

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// enumeration flags a subject that walks the objects of one object-read
// route (BOLA): many distinct ids within a window whatever the answers, or
// fewer when the ids are sequential or mostly denied or missing, the marks
// of a counter walk and of probing other users' objects. A power user who
// pages through a dozen of their own orders stays under both.
type enumeration struct {
	cfg    EnumerationConfig
	window int64
	walks  *table[walk]
}

var _ Detector = (*enumeration)(nil)

// walk holds at most cfg.Distinct ids; numeric ids are kept as numbers so
// sequentiality can be read, others as hashes.
type walk struct {
	seen   []seenObject
	last   int64
	nonNum bool
}

type seenObject struct {
	id     uint64
	at     int64
	denied bool
}

func newEnumeration(cfg EnumerationConfig, maxKeys int) *enumeration {
	return &enumeration{cfg: cfg, window: int64(cfg.Window),
		walks: newTable(maxKeys, 2*cfg.Window, func(w *walk) int64 { return w.last })}
}

func (d *enumeration) Name() string { return EnumerationName }

func (d *enumeration) Observe(o *Observation) (Finding, bool) {
	ev := &o.Event
	if ev.ObjectID == "" || !objectRead(o.Op) {
		return Finding{}, false
	}
	// An anonymous walk that the target already refuses reads nothing, and
	// an address can be shared by many users behind one NAT: blocking it
	// would hurt them and contain nothing.
	if o.Subject.Kind == scenarios.SubjectAddress && scenarios.DeniedStatus(ev.Status) {
		return Finding{}, false
	}
	w := d.walks.get(o.Keys.Subject^uint64(o.OpIndex+1)*0x9e3779b97f4a7c15, o.Now)
	if w.seen == nil {
		w.seen = make([]seenObject, 0, 4)
	}
	w.last = o.Now
	w.evict(o.Now, d.window)
	id, num := objectKey(ev.ObjectID)
	w.nonNum = w.nonNum && len(w.seen) > 0 || !num
	w.touch(seenObject{id: id, at: o.Now, denied: deniedOrMissing(ev.Status)})
	n := len(w.seen)
	if n < d.cfg.Suspicious {
		return Finding{}, false
	}
	denied := w.deniedRatio()
	lo, hi, seq := w.sequential()
	if n < d.cfg.Distinct && !(seq && n >= d.cfg.Sequential) && denied < d.cfg.DeniedRatio {
		return Finding{}, false
	}
	r := fmt.Sprintf("read %d distinct %s objects in %s", n, ev.Route, time.Duration(w.span()).Round(100*time.Millisecond))
	if seq {
		r += fmt.Sprintf(", sequential ids %d..%d", lo, hi)
	}
	if denied >= d.cfg.DeniedRatio {
		r += fmt.Sprintf(", %.0f%% denied or missing", 100*denied)
	}
	w.seen = w.seen[:0]
	return Finding{Reason: r}, true
}

// objectKey is a numeric id as itself, any other id as a hash.
func objectKey(id string) (uint64, bool) {
	if n, err := strconv.ParseUint(id, 10, 63); err == nil {
		return n, true
	}
	var h uint64 = 14695981039346656037
	for i := range len(id) {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	return h | 1<<63, false
}

func (w *walk) evict(now, window int64) {
	w.seen = slices.DeleteFunc(w.seen, func(s seenObject) bool { return now-s.at >= window })
}

func (w *walk) touch(s seenObject) {
	for i := range w.seen {
		if w.seen[i].id == s.id {
			w.seen[i] = s
			return
		}
	}
	w.seen = append(w.seen, s)
}

func (w *walk) span() int64 {
	lo, hi := w.seen[0].at, w.seen[0].at
	for _, s := range w.seen[1:] {
		lo, hi = min(lo, s.at), max(hi, s.at)
	}
	return hi - lo
}

func (w *walk) deniedRatio() float64 {
	n := 0
	for _, s := range w.seen {
		if s.denied {
			n++
		}
	}
	return float64(n) / float64(len(w.seen))
}

// sequential reports whether the ids are numbers and at least 80% of the
// gaps between them, sorted, are 1: the signature of a counter walk.
func (w *walk) sequential() (lo, hi uint64, ok bool) {
	if w.nonNum || len(w.seen) < 2 {
		return 0, 0, false
	}
	var buf [64]uint64
	ids := buf[:0]
	for _, s := range w.seen {
		ids = append(ids, s.id)
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
