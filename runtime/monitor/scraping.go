package monitor

import (
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// scraping flags catalog harvesting that stays under every rate limit: an
// identity that covers many distinct catalog items (collection pages and
// object reads) over a long window, or fewer at machine-regular intervals;
// and a cluster of identities sharing a device and an address prefix that
// together cover much of the catalog while barely overlapping, the mark of
// a partitioned crawl. An office shares a device and a prefix too, but its
// people read the same popular items, so their reads overlap.
//
// Where the catalog's size is known (catalog.go) the thresholds are also
// relative to it: an identity whose pages hold more than CatalogShare of
// the catalog within the window (and at least CatalogMinPages distinct
// pages), and a spread crawl — anonymous clients of one address prefix,
// whatever their devices, at least spreadMembers of them, covering that
// share together with at most spreadOverlap overlap — are flagged however
// small the catalog.
//
// The floor is distinct collection pages, not items: object reads do not
// count towards it (three pages and five products are not eight pages).
// And a catalog whose end has not been seen is known only by a lower
// bound, the furthest page anyone has read with items, so a share of it
// says little: when everybody reads the first pages of a big catalog the
// bound is those pages, and anybody reading them all would hold "all" of
// it (measured in BenchmarkSimulatedRequest/served: 550 shoppers re-reading
// pages 1-3 of 20,000 items, each blocked within seconds, 3.9% served).
// Against a lower bound a reader holds only the items of pages it was the
// first to read within the window (catalog.go marks them), so the pages
// everybody reads are nobody's coverage, while a reader alone on the
// catalog, or past where others go, holds what it revealed: a scrape of a
// small catalog nobody else pages through is still contained at the floor,
// before its end is ever asked for.
//
// Limits, against a lower bound: a reader that is the first to read
// CatalogMinPages pages or more, holding more than CatalogShare of what
// anybody has read, is named, whether it is a scraper of a small catalog
// or the first shopper to page through a big one nobody else has read
// deeper (in a shop with traffic the bound soon lies well past one
// person's pages); a scraper that reads only pages others have read
// within the window holds nothing until the end is seen, and is left to
// the absolute thresholds and the sweep.
type scraping struct {
	cfg      ScrapingConfig
	window   int64
	clusters *table[cluster]
	// prefixes are clusters of the members of one address prefix, any
	// device: a crawl spread over addresses of one network that rotates
	// its devices.
	prefixes *table[cluster]
	cat      *catalog
	h        hasher
}

var _ Detector = (*scraping)(nil)

// smallSketch and bigSketch are linear-counting bitmaps of distinct items
// over the current and previous window: 256 bits per member, 1024 per
// cluster. set counts the bits set in either window, kept as bits are set
// and windows roll, so an estimate reads a table instead of recounting
// the bitmaps (most observations ask for two or three).
type smallSketch struct {
	start     int64
	cur, prev [4]uint64
	set       uint16
}

type bigSketch struct {
	start     int64
	cur, prev [16]uint64
	set       uint16
}

func (s *smallSketch) roll(now, window int64) rollKind {
	k := roll(&s.start, now, window)
	switch k {
	case rollOne:
		s.prev, s.cur = s.cur, [4]uint64{}
		s.set = setBits(s.prev[:])
	case rollReset:
		s.prev, s.cur, s.set = [4]uint64{}, [4]uint64{}, 0
	}
	return k
}

func (s *bigSketch) roll(now, window int64) rollKind {
	k := roll(&s.start, now, window)
	switch k {
	case rollOne:
		s.prev, s.cur = s.cur, [16]uint64{}
		s.set = setBits(s.prev[:])
	case rollReset:
		s.prev, s.cur, s.set = [16]uint64{}, [16]uint64{}, 0
	}
	return k
}

// setBits counts the bits set in words.
func setBits(words []uint64) uint16 {
	n := 0
	for _, w := range words {
		n += bits.OnesCount64(w)
	}
	return uint16(n)
}

type rollKind int

const (
	rollNone  rollKind = iota
	rollOne            // one window passed: the current bits become the previous
	rollReset          // new, or two windows passed: clear both
)

// roll advances a window start and says what the bits must do.
func roll(start *int64, now, window int64) rollKind {
	switch el := now - *start; {
	case *start == 0 || el >= 2*window:
		*start = now
		return rollReset
	case el >= window:
		*start += window
		return rollOne
	}
	return rollNone
}

func (s *smallSketch) add(item uint64) bool { return addBit(s.cur[:], s.prev[:], &s.set, item) }
func (s *bigSketch) add(item uint64) bool   { return addBit(s.cur[:], s.prev[:], &s.set, item) }

// distinct estimates the distinct items in both windows by linear counting
// (see linearEstimate), read from a table of every count of set bits.
func (s *smallSketch) distinct() float64 { return smallEstimates[s.set] }
func (s *bigSketch) distinct() float64   { return bigEstimates[s.set] }

// addBit sets the item's bit and reports whether it was new to both
// windows, counting it in set then. The bit is taken from the top of a
// Fibonacci product: item keys are odd (see hasher.key), so two of them
// XORed are even and their low bits would leave half the sketch unused.
func addBit(cur, prev []uint64, set *uint16, item uint64) bool {
	i := (item * 0x9e3779b97f4a7c15) >> (64 - bits.TrailingZeros(uint(len(cur)*64)))
	w, b := i/64, uint64(1)<<(i%64)
	seen := (cur[w]|prev[w])&b != 0
	cur[w] |= b
	if !seen {
		*set++
	}
	return !seen
}

// smallEstimates and bigEstimates are linearEstimate for every count of
// set bits of the two sketch sizes; read-only once built.
var (
	smallEstimates = linearEstimates(len(smallSketch{}.cur) * 64)
	bigEstimates   = linearEstimates(len(bigSketch{}.cur) * 64)
)

func linearEstimates(bits int) []float64 {
	out := make([]float64, bits+1)
	for set := range out {
		out[set] = linearEstimate(bits, set)
	}
	return out
}

// linearEstimate is linear counting's estimate of the distinct items a
// bitmap of size bits has seen when set of them are set.
func linearEstimate(bits, set int) float64 {
	m := float64(bits)
	if set >= bits {
		return m * math.Log(m)
	}
	return -m * math.Log(1-float64(set)/m)
}

// coverage is one member's long-window reads: 256 bits of items, the
// distinct collection pages it read in the current window, the catalog
// items they held and the items of those it was the first to read (see
// catalog), and the running statistics of its inter-arrival gaps
// (Welford).
type coverage struct {
	items    smallSketch
	last     int64
	gaps     uint32
	got      uint32
	pages    uint32
	first    uint32
	mean, m2 float64
}

// held is how many catalog items the member's distinct pages held within
// the current window (windows start at its first read and roll whole): of
// a catalog whose end was seen, every item of them; against a lower bound,
// those it was the first to read. The previous window's share is not added
// as counter.estimate does: for a shopper back an hour later that assumes
// reads spread evenly, and took two short sessions for one long one (a
// benign case fired on it).
func (c *coverage) held(ended bool) uint64 {
	if ended {
		return uint64(c.got)
	}
	return uint64(c.first)
}

// cluster is the union of its members' reads and the sum of what each
// member read that was new to it: union/sum near 1 means no overlap.
type cluster struct {
	items bigSketch
	sum   float64
	// Prefix clusters: reads and the catalog items of their distinct pages,
	// in the current and previous window as the sketch keeps them, and
	// whether the cluster was found (its newcomers are named as they come).
	reads, prevReads uint32
	got, prevGot     uint64
	first, prevFirst uint64 // items of the pages first read, as for coverage.held
	flagged          bool
	last             int64
	// members are the subjects as scored, each with its own kind: a device
	// cluster holds accounts and anonymous addresses alike, and naming them
	// all with the kind of the read that tipped it called a username an
	// address.
	members []scenarios.Subject
	// keys are the members' subject keys (Keys.Subject), keys[i] of
	// members[i]: a member is looked for by its key, its subject compared
	// only on a match, instead of comparing every member's string.
	keys [maxClusterMembers]uint64
}

// member reports whether s, whose subject key is k, is among the members.
func (c *cluster) member(k uint64, s scenarios.Subject) bool {
	for i := range c.members {
		if c.keys[i] == k && c.members[i] == s {
			return true
		}
	}
	return false
}

// join adds s, keyed k, to the members; they must have room.
func (c *cluster) join(k uint64, s scenarios.Subject) {
	c.keys[len(c.members)] = k
	c.members = append(c.members, s)
}

const maxClusterMembers = 16

// spreadOverlap is the most overlap a prefix cluster may show: people of
// one network share it with others who read the same popular pages, and a
// handful of them can read distinct pages by chance, so it is stricter
// than the device cluster's; a partitioned crawl reads each page once.
const spreadOverlap = 0.1

// spreadMembers is the fewest clients a prefix cluster flags: a few
// people of one network reading a few pages each can cover a small
// catalog's share by chance; a crawl spread over addresses has many.
const spreadMembers = 8

// clusterJoin is how many distinct items a member reads before its reads
// count for its cluster.
const clusterJoin = 8

func newScraping(cfg ScrapingConfig, maxKeys int, h hasher, cat *catalog) *scraping {
	last := func(c *cluster) int64 { return c.last }
	return &scraping{cfg: cfg, window: int64(cfg.Window), h: h, cat: cat,
		clusters: newTable(maxKeys/8+1, 2*cfg.Window, last),
		prefixes: newTable(maxKeys/64+1, 2*cfg.Window, last),
	}
}

func (d *scraping) Name() string { return ScrapingName }

func (d *scraping) Observe(o *Observation) (Finding, bool) {
	item, ok := d.item(o)
	if !ok {
		return Finding{}, false
	}
	// The catalog learns from every page served, read by anyone; an event
	// without Bytes teaches nothing, and only the size is looked up.
	var rd catalogRead
	page := o.Op.Has(scenarios.RoleCollection) && !(o.Event.ObjectID != "" && objectRead(o.Op))
	if page {
		if o.Event.Bytes <= 0 {
			rd.size, rd.ended = d.cat.size(o.routeKey(d.h))
		} else if s, ok := o.pageSpan(); ok {
			rd = d.cat.learn(o.routeKey(d.h), s, o.Event.Bytes, o.Now, d.window)
		}
	}
	got := rd.got
	c := &o.rec.cover
	if c.items.roll(o.Now, d.window) != rollNone {
		c.got, c.pages, c.first = 0, 0, 0
	}
	if c.last != 0 {
		c.gap(float64(o.Now-c.last) / 1e9)
	}
	c.last = o.Now
	fresh := c.items.add(item)
	if fresh && page {
		c.pages++
		c.got += uint32(got)
		if rd.first {
			c.first += uint32(got)
		}
	}
	if f, ok := d.member(o, c, rd); ok {
		return f, true
	}
	// Only anonymous clients (scored by address) make a network's crawl:
	// accounts behind one network are an office or a carrier's NAT, whose
	// people read pages at random (measured: in the 24 h simulation, 500
	// logged-in shoppers sharing two /24s, reading pages 1-50 of 100, were
	// flagged within the hour); crawls spread over accounts are the device
	// cluster's and the sweep's.
	if got > 0 && o.Subject.Kind == scenarios.SubjectAddress && o.Keys.Prefix != 0 {
		if f, ok := d.spread(o, item, rd); ok {
			return f, true
		}
	}
	// Only members that read a fair share join their cluster: most users
	// read a handful of items and would cost a cluster each.
	if o.Keys.Cluster == 0 || c.items.distinct() < clusterJoin {
		return Finding{}, false
	}
	return d.cluster(o, item, fresh)
}

// item is the catalog item an observation read: an object of an
// object-read route, or a page of a collection; only answers that read
// something count.
func (d *scraping) item(o *Observation) (uint64, bool) {
	ev := &o.Event
	if o.Op == nil || !success(ev.Status) || o.Op.Method != "GET" {
		return 0, false
	}
	route := o.routeKey(d.h)
	switch {
	case ev.ObjectID != "" && objectRead(o.Op):
		id, _ := objectKey(ev.ObjectID)
		return route ^ id*0x9e3779b97f4a7c15, true
	case o.Op.Has(scenarios.RoleCollection):
		return route ^ d.h.key(pageOf(o.Op, ev.Path)), true
	}
	return 0, false
}

// pageOf is the value of the collection's page, offset or cursor query
// parameter in path, "" for the first page.
func pageOf(op *scenarios.Operation, path string) string {
	_, q, ok := strings.Cut(path, "?")
	if !ok {
		return ""
	}
	for i := range op.Params {
		p := &op.Params[i]
		if p.In != scenarios.InQuery || (p.Role != scenarios.ParamPage && p.Role != scenarios.ParamOffset && p.Role != scenarios.ParamCursor) {
			continue
		}
		if v, ok := queryValue(q, p.Name); ok {
			return v
		}
	}
	return q
}

// queryValue finds name's raw value in a query string without allocating.
func queryValue(q, name string) (string, bool) {
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v, true
		}
	}
	return "", false
}

func (c *coverage) gap(g float64) {
	c.gaps++
	delta := g - c.mean
	c.mean += delta / float64(c.gaps)
	c.m2 += delta * (g - c.mean)
}

// cv is the coefficient of variation of the gaps: near 0 for a timer,
// about 1 for a person.
func (c *coverage) cv() float64 {
	if c.gaps < 2 || c.mean <= 0 {
		return math.Inf(1)
	}
	return math.Sqrt(c.m2/float64(c.gaps-1)) / c.mean
}

// covers reports whether distinct pages holding held items are more than
// the policy's share of a catalog of size items (a lower bound where its
// end was not seen: held then counts first reads only).
func (d *scraping) covers(pages float64, held, size uint64) bool {
	return size > 0 && pages >= float64(d.cfg.CatalogMinPages) && float64(held) > d.cfg.CatalogShare*float64(size)
}

// shareOf says what share of the catalog held items are, as a reason
// clause.
func shareOf(held uint64, rd catalogRead) string {
	pct := 100 * float64(held) / float64(rd.size)
	if rd.ended {
		return fmt.Sprintf("holding %d of the ~%d-item catalog (%.0f%%)", held, rd.size, pct)
	}
	return fmt.Sprintf("first read by it, holding %d of the %d items anybody has read of the catalog (%.0f%%; its end not seen)", held, rd.size, pct)
}

func (d *scraping) member(o *Observation, c *coverage, rd catalogRead) (Finding, bool) {
	n := c.items.distinct()
	regular := n >= float64(d.cfg.Regular) && c.cv() <= d.cfg.RegularityCV
	held := c.held(rd.ended)
	share := d.covers(float64(c.pages), held, rd.size)
	if n < float64(d.cfg.Distinct) && !regular && !share {
		return Finding{}, false
	}
	r := fmt.Sprintf("read ~%.0f distinct catalog items within %s", n, d.cfg.Window)
	if share {
		r += ", pages " + shareOf(held, rd)
	}
	if regular {
		r += fmt.Sprintf(", one every %.1fs with a timer's regularity (cv %.2f)", c.mean, c.cv())
	}
	*c = coverage{last: o.Now}
	return Finding{Reason: r}, true
}

func (d *scraping) cluster(o *Observation, item uint64, fresh bool) (Finding, bool) {
	cl := d.clusters.get(o.Keys.Cluster, o.Now)
	if cl.items.start != 0 && o.Now-cl.items.start >= d.window {
		cl.sum = 0
	}
	cl.items.roll(o.Now, d.window)
	cl.last = o.Now
	cl.items.add(item)
	if fresh {
		cl.sum++
	}
	if len(cl.members) < maxClusterMembers && !cl.member(o.Keys.Subject, o.Subject) {
		cl.join(o.Keys.Subject, o.Subject)
	}
	union := cl.items.distinct()
	if union < float64(d.cfg.ClusterDistinct) || len(cl.members) < d.cfg.ClusterMembers || cl.sum == 0 {
		return Finding{}, false
	}
	overlap := max(0, 1-union/cl.sum)
	if overlap > d.cfg.ClusterOverlap {
		return Finding{}, false
	}
	ev := &o.Event
	f := Finding{
		Reason: fmt.Sprintf("%d accounts on one device from %s.* read ~%.0f distinct catalog items within %s with %.0f%% overlap",
			len(cl.members), prefix(ev.Addr), union, d.cfg.Window, 100*overlap),
		Subjects: []scenarios.Subject{subj(scenarios.SubjectFingerprint, ev.Fingerprint)},
	}
	f.Subjects = append(f.Subjects, cl.members...)
	*cl = cluster{last: o.Now}
	return f, true
}

// spread judges a prefix cluster: the members of one address prefix, any
// device, whose distinct pages hold more than the policy's share of the
// catalog with little overlap. Only reads of pages with items count, once
// the catalog's size is known; every read counts in the sum, so a page
// read again, by another member or the same one, is overlap: people go
// back to the popular pages, a partitioned crawl reads each page once.
func (d *scraping) spread(o *Observation, item uint64, rd catalogRead) (Finding, bool) {
	cl := d.prefixes.get(o.Keys.Prefix, o.Now)
	// The union, the reads and the items held slide together over the
	// sketch's two windows, so overlap is judged on every read the union
	// holds (a window starting afresh would judge a network's people on
	// their first few reads, distinct by chance).
	switch cl.items.roll(o.Now, d.window) {
	case rollOne:
		cl.prevReads, cl.reads, cl.prevGot, cl.got, cl.prevFirst, cl.first = cl.reads, 0, cl.got, 0, cl.first, 0
		cl.flagged, cl.members = false, cl.members[:0]
	case rollReset:
		cl.prevReads, cl.reads, cl.prevGot, cl.got, cl.prevFirst, cl.first = 0, 0, 0, 0, 0, 0
		cl.flagged, cl.members = false, cl.members[:0]
	}
	cl.last = o.Now
	news := cl.items.add(item)
	if news {
		cl.got += rd.got
		if rd.first {
			cl.first += rd.got
		}
	}
	cl.reads++
	known := cl.member(o.Keys.Subject, o.Subject)
	if !known && len(cl.members) < maxClusterMembers {
		cl.join(o.Keys.Subject, o.Subject)
	}
	// Once found, the crawl's other clients are named as they read a page
	// new to the cluster: it is not started afresh, or the clients the
	// finding did not name (not yet seen, or past maxClusterMembers) would
	// go on. Someone else of the network re-reading a page read before is
	// not named.
	if cl.flagged {
		if known || !news {
			return Finding{}, false
		}
		return Finding{Reason: fmt.Sprintf("joined the crawl of the catalog from %s.* found within %s", prefix(o.Event.Addr), d.cfg.Window)}, true
	}
	union, reads, held := cl.items.distinct(), float64(cl.reads+cl.prevReads), cl.got+cl.prevGot
	if !rd.ended {
		held = cl.first + cl.prevFirst
	}
	if len(cl.members) < max(d.cfg.ClusterMembers, spreadMembers) || !d.covers(union, held, rd.size) {
		return Finding{}, false
	}
	overlap := max(0, 1-union/reads)
	if overlap > min(d.cfg.ClusterOverlap, spreadOverlap) {
		return Finding{}, false
	}
	f := Finding{
		Reason: fmt.Sprintf("%d clients from %s.* read ~%.0f distinct pages %s within %s with %.0f%% overlap",
			len(cl.members), prefix(o.Event.Addr), union, shareOf(held, rd), d.cfg.Window, 100*overlap),
		Subjects: make([]scenarios.Subject, 0, len(cl.members)),
	}
	// The member that crossed the line first.
	f.Subjects = append(f.Subjects, o.Subject)
	for _, m := range cl.members {
		if m != o.Subject {
			f.Subjects = append(f.Subjects, m)
		}
	}
	cl.flagged = true
	return f, true
}
