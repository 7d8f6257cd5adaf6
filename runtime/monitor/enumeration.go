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
	cfg     EnumerationConfig
	window  int64
	maxSeen int
}

var _ Detector = (*enumeration)(nil)

// walk holds the objects a subject read within the window, across
// object-read routes, at most maxSeen of them; numeric ids are kept as
// numbers so sequentiality can be read, others as hashes with the top bit
// set.
type walk struct {
	seen []seenObject
}

type seenObject struct {
	id     uint64
	at     int64
	op     int32
	denied bool
}

const nonNumeric = 1 << 63

func newEnumeration(cfg EnumerationConfig) *enumeration {
	return &enumeration{cfg: cfg, window: int64(cfg.Window), maxSeen: max(4*cfg.Distinct, 64)}
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
	w := &o.rec.walk
	w.evict(o.Now, d.window)
	id, _ := objectKey(ev.ObjectID)
	op := int32(o.OpIndex)
	w.touch(seenObject{id: id, at: o.Now, op: op, denied: deniedOrMissing(ev.Status)}, d.maxSeen)
	n, denied := w.count(op)
	if n < d.cfg.Suspicious {
		return Finding{}, false
	}
	ratio := float64(denied) / float64(n)
	lo, hi, seq := w.sequential(op)
	if n < d.cfg.Distinct && !(seq && n >= d.cfg.Sequential) && ratio < d.cfg.DeniedRatio {
		return Finding{}, false
	}
	r := fmt.Sprintf("read %d distinct %s objects in %s", n, ev.Route, time.Duration(w.span(op)).Round(100*time.Millisecond))
	if seq {
		r += fmt.Sprintf(", sequential ids %d..%d", lo, hi)
	}
	if ratio >= d.cfg.DeniedRatio {
		r += fmt.Sprintf(", %.0f%% denied or missing", 100*ratio)
	}
	w.seen = slices.DeleteFunc(w.seen, func(s seenObject) bool { return s.op == op })
	return Finding{Reason: r}, true
}

// objectKey is a numeric id as itself, any other id as a hash with the
// top bit set.
func objectKey(id string) (uint64, bool) {
	if n, err := strconv.ParseUint(id, 10, 63); err == nil {
		return n, true
	}
	var h uint64 = 14695981039346656037
	for i := range len(id) {
		h = (h ^ uint64(id[i])) * 1099511628211
	}
	return h | nonNumeric, false
}

// evict forgets reads older than window. Most calls find none: a plain
// loop tells, and only then does DeleteFunc (whose predicate is a call
// per read) compact the walk.
func (w *walk) evict(now, window int64) {
	for i := range w.seen {
		if now-w.seen[i].at >= window {
			w.seen = slices.DeleteFunc(w.seen, func(s seenObject) bool { return now-s.at >= window })
			return
		}
	}
}

// touch records s, replacing an earlier read of the same object; when the
// walk is full the oldest read makes room.
func (w *walk) touch(s seenObject, maxSeen int) {
	for i := range w.seen {
		if w.seen[i].id == s.id && w.seen[i].op == s.op {
			w.seen[i] = s
			return
		}
	}
	if len(w.seen) >= maxSeen {
		oldest := 0
		for i := range w.seen {
			if w.seen[i].at < w.seen[oldest].at {
				oldest = i
			}
		}
		w.seen = slices.Delete(w.seen, oldest, oldest+1)
	}
	w.seen = append(w.seen, s)
}

// count is how many objects of op the walk holds, and how many of them
// were denied or missing.
func (w *walk) count(op int32) (n, denied int) {
	for _, s := range w.seen {
		if s.op == op {
			n++
			if s.denied {
				denied++
			}
		}
	}
	return n, denied
}

func (w *walk) span(op int32) int64 {
	lo, hi := int64(0), int64(0)
	first := true
	for _, s := range w.seen {
		if s.op != op {
			continue
		}
		if first {
			lo, hi, first = s.at, s.at, false
		}
		lo, hi = min(lo, s.at), max(hi, s.at)
	}
	return hi - lo
}

// sequential reports whether op's ids are numbers and at least 80% of the
// gaps between them, sorted, are 1: the signature of a counter walk.
func (w *walk) sequential(op int32) (lo, hi uint64, ok bool) {
	var buf [64]uint64
	ids := buf[:0]
	for _, s := range w.seen {
		if s.op != op {
			continue
		}
		if s.id&nonNumeric != 0 {
			return 0, 0, false
		}
		ids = append(ids, s.id)
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
