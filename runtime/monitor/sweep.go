package monitor

import (
	"fmt"
	"math"

	"github.com/abusegate/abusegate/scenarios"
)

// sweep flags a collection harvested collectively: many clients, each far
// under every per-client threshold (a page every few minutes, a new device
// and address per request), that together read a long stretch of
// consecutive pages exactly once each. People browsing a catalog revisit
// its popular pages and jump around, so their pages repeat and leave gaps;
// a partitioned crawl never repeats a page and leaves none. One person
// paging through a category once leaves a run too, but alone: a sweep's run
// needs several distinct clients.
//
// Each collection route keeps a fixed array of page slots (page number
// modulo sweepSlots): the page, whether it was read more than once with
// less than a window between reads, and who read it last. A read that makes a page a singleton
// measures the run of singleton pages around it; every read that extends a
// run past the threshold finds again, naming its reader first, so a sweep
// that goes on under new names is contained name by name (the Monitor does
// not repeat a live decision).
//
// Where the collection's size is known, its end seen (catalog.go, learnt by
// the scraping detector, which runs first), the run needed is CatalogShare
// of its pages when that is shorter than Run, never under Subjects: a
// sweep of a 30-page catalog cannot make a run of 32.
//
// A few accounts with one or two page reads in the window, one in the
// run, are not named (see newcomer): a shopper's first page, at the edge
// of the pages people browse, can complete a crawl's run.
//
// Limits: pages that benign traffic already reads repeatedly within the
// window hide the sweep's single read of them, so the run forms only where
// people rarely go (deep pages); cursor paging is not numbered and left to
// the per-identity scraping detector; a crawl's accounts that read one
// or two pages each, fewer than a quarter of a run's clients, go unnamed
// (the run's other clients are named).
type sweep struct {
	cfg    SweepConfig
	window int64
	routes *table[sweepRoute]
	cat    *catalog
	recs   *records
	h      hasher
	// seen is scratch for counting a run's distinct subjects.
	seen [maxSweepSubjects]uint64
}

var _ Detector = (*sweep)(nil)

// sweepSlots is the page space one collection route tracks: pages beyond
// it share slots, the newest page taking the slot over.
const sweepSlots = 1024

// maxSweepSubjects bounds the subjects one finding names.
const maxSweepSubjects = 256

// maxSweepRoutes bounds the collection routes tracked (~40 KiB each).
const maxSweepRoutes = 64

type sweepSlot struct {
	page    uint32 // page number + 1; 0 for an empty slot
	count   uint16 // reads of the page since a window passed without any, up to 2
	last    int64  // the last read
	key     uint64 // the last reader's record key (Keys.Subject)
	subject scenarios.Subject
}

type sweepRoute struct {
	slots [sweepSlots]sweepSlot
	last  int64
}

func newSweep(cfg SweepConfig, h hasher, cat *catalog, recs *records) *sweep {
	return &sweep{cfg: cfg, window: int64(cfg.Window), h: h, cat: cat, recs: recs,
		routes: newTable(maxSweepRoutes, 2*cfg.Window, func(r *sweepRoute) int64 { return r.last })}
}

func (d *sweep) Name() string { return SweepName }

func (d *sweep) Observe(o *Observation) (Finding, bool) {
	ev := &o.Event
	if o.Op == nil || o.Op.Method != "GET" || !o.Op.Has(scenarios.RoleCollection) || !success(ev.Status) {
		return Finding{}, false
	}
	page, ok := pageNumber(o.pageSpan())
	if !ok {
		return Finding{}, false
	}
	route := o.routeKey(d.h)
	r := d.routes.get(route, o.Now)
	r.last = o.Now
	s := &r.slots[page%sweepSlots]
	d.reader(o)
	// A page counts once more, unless a whole window passed since its
	// last read: a popular page never looks fresh.
	if s.page != page+1 || o.Now-s.last > d.window {
		*s = sweepSlot{page: page + 1}
	}
	s.last = o.Now
	if s.count < 2 {
		s.count++
	}
	if s.count != 1 {
		return Finding{}, false
	}
	s.subject, s.key = o.Subject, o.Keys.Subject
	lo, hi := page, page
	for lo > 0 && page-lo < sweepSlots-1 && d.single(r, lo-1, o.Now) {
		lo--
	}
	for hi-lo < sweepSlots-1 && d.single(r, hi+1, o.Now) {
		hi++
	}
	if int(hi-lo+1) < d.run(route, o) {
		return Finding{}, false
	}
	n := d.distinct(r, lo, hi)
	if n < d.cfg.Subjects {
		return Finding{}, false
	}
	f := Finding{Reason: fmt.Sprintf("%d clients read the %d consecutive pages %d-%d of %s once each within %s: a collective sweep",
		n, hi-lo+1, lo, hi, ev.Route, d.cfg.Window)}
	// The reader that completed the run first, then the rest in page order;
	// a few accounts with one or two page reads are not named (see newcomer).
	spare := d.newcomers(r, lo, hi)*sweepNewcomerShare < n
	f.Subjects = make([]scenarios.Subject, 0, n)
	if !spare || !d.newcomer(s) {
		f.Subjects = append(f.Subjects, o.Subject)
	}
	for p := lo; p <= hi && len(f.Subjects) < d.cfg.MaxSubjects; p++ {
		sl := &r.slots[p%sweepSlots]
		if !containsSubject(f.Subjects, sl.subject) && !(spare && d.newcomer(sl)) {
			f.Subjects = append(f.Subjects, sl.subject)
		}
	}
	if len(f.Subjects) == 0 {
		return Finding{}, false // the Monitor would name the reader
	}
	return f, true
}

// run is the run of pages that makes a sweep of route: Run, or the
// policy's share of a known catalog's pages when shorter, never under
// Subjects. Only a catalog whose end has been seen counts: against a lower
// bound, shoppers' single reads of the first pages and a sweep's first
// pages made a short run together (measured in the demo: shoppers
// contained, and the sweep contained later, 2,380-9,080 items instead of
// ~1,700).
func (d *sweep) run(route uint64, o *Observation) int {
	size, ended := d.cat.size(route)
	if size == 0 || !ended {
		return d.cfg.Run
	}
	s, ok := o.pageSpan()
	if !ok {
		return d.cfg.Run
	}
	n := int(math.Ceil(d.cfg.CatalogShare * float64(s.pages(size))))
	return min(d.cfg.Run, max(n, d.cfg.Subjects))
}

// single reports whether page was read once within the last window, and
// not within a window before that read.
func (d *sweep) single(r *sweepRoute, page uint32, now int64) bool {
	s := &r.slots[page%sweepSlots]
	return s.page == page+1 && s.count == 1 && now-s.last <= d.window
}

// distinct counts the run's readers, up to MaxSubjects, without allocating.
func (d *sweep) distinct(r *sweepRoute, lo, hi uint32) int {
	n := 0
	for p := lo; p <= hi && n < d.cfg.MaxSubjects; p++ {
		s := &r.slots[p%sweepSlots].subject
		k := d.h.key(s.Value) ^ uint64(s.Kind)<<1
		found := false
		for _, v := range d.seen[:n] {
			if v == k {
				found = true
				break
			}
		}
		if !found {
			d.seen[n] = k
			n++
		}
	}
	return n
}

func containsSubject(xs []scenarios.Subject, x scenarios.Subject) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// pageNumber is the page a collection request read, given its span (see
// spanOf; ok false for a cursor or a bad number): its page parameter, or
// its offset divided by its page size (the offset itself where it names
// none); the first page when the request names neither. Cursors are not
// numbered.
func pageNumber(s pageSpan, ok bool) (uint32, bool) {
	switch {
	case !ok:
		return 0, false
	case s.byOffset && !s.sized:
		return uint32(s.end - uint64(s.size)), true
	}
	return uint32(s.end/uint64(s.size) - 1), true
}

// sweepReader counts one client's page reads of sweep routes within a
// window starting at its first.
type sweepReader struct {
	start int64
	reads uint32
}

// reader counts o's page read in its subject's record.
func (d *sweep) reader(o *Observation) {
	if o.rec == nil {
		return
	}
	c := &o.rec.reader
	if c.start == 0 || o.Now-c.start > d.window {
		*c = sweepReader{start: o.Now}
	}
	if c.reads < math.MaxUint32 {
		c.reads++
	}
}

// newcomer reports whether the last reader of slot is an account (a
// logged-in identity) with fewer than sweepNewcomerReads page reads within
// the window: a shopper's first page read, at the edge of the pages people
// browse, can complete a crawl's run (the crawl's reader of that page
// already refused, or not there yet). In the demo's shape
// (TestSweepEarlyInACrawl, 1,000 seeds) 23 findings held a shopper's
// page, 22 on its first page read and one on its second.
// Newcomers are not named while they are fewer than 1/sweepNewcomerShare
// of the run's clients: they are people who happened on the run, and the
// crawl's other clients are named. A crawl whose accounts read a page or
// two each is mostly newcomers, and all of them are named (the 24 h
// simulation's 100-page crawl: two pages per account). Anonymous clients
// are never spared: a crawl that takes a new address per request has no
// more history than one read.
func (d *sweep) newcomer(s *sweepSlot) bool {
	if s.subject.Kind != scenarios.SubjectIdentity {
		return false
	}
	rec := d.recs.lookup(s.key)
	return rec != nil && rec.reader.reads < sweepNewcomerReads
}

// sweepNewcomerReads: an account with fewer page reads in the window is a
// newcomer.
const sweepNewcomerReads = 3

// sweepNewcomerShare: newcomers are spared while fewer than 1/4 of a run's
// clients.
const sweepNewcomerShare = 4

// newcomers counts the run's pages read last by a newcomer, up to
// MaxSubjects (a newcomer holds at most two).
func (d *sweep) newcomers(r *sweepRoute, lo, hi uint32) int {
	n := 0
	for p := lo; p <= hi && n < d.cfg.MaxSubjects; p++ {
		if d.newcomer(&r.slots[p%sweepSlots]) {
			n++
		}
	}
	return n
}
