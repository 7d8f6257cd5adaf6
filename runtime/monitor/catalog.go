package monitor

import (
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// catalog learns the size of each paginated collection from the pages the
// guard serves, so the scraping and sweep detectors can judge coverage as
// a share of the catalog: a threshold in pages cannot fit both a 30-page
// and a 30,000-page catalog. It is per route and global across subjects,
// so it costs nothing per identity.
//
// A collection read's answer says whether it held items only through its
// size in bytes (events carry no item count): a page whose bytes per
// requested item are at least half the most the route has answered holds
// items; an empty page (past the end) is its envelope alone, a few bytes
// per item. The catalog's size is the end of the furthest page that held
// items, in items: page*size for page numbers counted from 1 (from 0 once
// page 0 answered with items, (page+1)*size), offset+size for offsets, a
// short page counting the items its bytes account for. Asking for pages past the
// end cannot inflate it: they answer empty. Until the route has answered
// a page with items (or where events carry no Bytes) the size is unknown,
// 0, and the detectors keep their absolute thresholds.
//
// Until its end has been seen, the size is only a lower bound: what
// readers have reached so far. When everybody reads the first pages of a
// big catalog, those pages are all the monitor knows of it, and a shopper
// who reads them all has read "all" of it. So the catalog also marks the
// pages read within the detector's window (any reader's, by their first
// item), and tells each read whether it was the page's first: against a
// lower bound, a reader's coverage is the items it was first to read (see
// scraping), and pages everybody reads are nobody's coverage.
//
// Limits: reads of fewer than minLearnSize items teach nothing, since an
// envelope may outweigh them; a filter (a category) reads a sub-catalog
// through the same route, which only makes a filtered reader's coverage
// look smaller; a catalog that shrinks is remembered at its largest until
// the route goes idle for catalogIdle; the marks are a 1,024-bit sketch
// per route over one to two windows, so beyond a few thousand pages read
// in that time unread pages look read (first reads are missed, which only
// makes a reader's coverage of an unended catalog look smaller).
type catalog struct {
	routes *table[catalogRoute]
}

type catalogRoute struct {
	end     uint64  // items up to the end of the furthest page answered with items
	perItem float64 // the most bytes per requested item a page of the route answered
	endPer  float64 // bytes per item of the page that set end
	// ended is set once a read at or past end answered empty: the
	// catalog's end has been seen, so end is its size and not only a lower
	// bound. (A page holding fewer items than asked does not set it: the
	// count from bytes is an estimate, and a full page of short names
	// looked short, which shortened the sweep's run in the demo.)
	ended bool
	// zeroBased is set once page 0 answered with items; until then pages
	// count from 1, as most APIs number them.
	zeroBased bool
	last      int64
	// read marks the pages read within the last window or two, keyed by
	// their first item: whether a read is the page's first.
	read bigSketch
}

// catalogRead is what a collection read tells of the catalog: the items
// it held (0 for an empty page, or when unknown), whether it was the
// first read of its page within the window, and the catalog's size in
// items (0 while unknown) and whether its end has been seen (see size).
type catalogRead struct {
	got, size    uint64
	first, ended bool
}

// pageSpan is a collection read: the end of the items it asked for, with
// pages counted from 0, and how many; whether it named a page number, paged
// by offset, and named its page size.
type pageSpan struct {
	end                       uint64
	size                      uint32
	numbered, byOffset, sized bool
}

const (
	// defaultPageSize is the page size of a read that names none; only
	// ratios of items matter, so the common default is good enough.
	defaultPageSize = 20
	// minLearnSize is the smallest read the catalog learns from: an empty
	// page's bytes per item stay under half a full page's while the
	// envelope weighs less than size items.
	minLearnSize = 5
	// maxCatalogRoutes bounds the collection routes tracked.
	maxCatalogRoutes = 256
	// catalogIdle is how long an idle route's size is remembered.
	catalogIdle = 24 * time.Hour
)

func newCatalog() *catalog {
	return &catalog{routes: newTable(maxCatalogRoutes, catalogIdle, func(r *catalogRoute) int64 { return r.last })}
}

// learn updates route's catalog with an answered read of bytes at now,
// marking its page read for window, and says what the read held.
func (c *catalog) learn(route uint64, s pageSpan, bytes int64, now, window int64) catalogRead {
	if bytes <= 0 || s.size < minLearnSize {
		size, ended := c.size(route)
		return catalogRead{size: size, ended: ended}
	}
	r := c.routes.get(route, now)
	r.last = now
	per := float64(bytes) / float64(s.size)
	if per > r.perItem {
		r.perItem = per
		// The page that set the end looks empty by the new measure: the
		// end was learnt from envelopes, start again from this page.
		if r.endPer < per/2 {
			r.end, r.endPer, r.ended = 0, 0, false
		}
	}
	start := s.end - uint64(s.size)
	if s.numbered {
		switch {
		case start == 0 && per >= r.perItem/2:
			r.zeroBased = true
		case start > 0 && !r.zeroBased:
			start -= uint64(s.size)
		}
	}
	if per < r.perItem/2 {
		// The page right after the furthest with items is empty: the end.
		// (A page far past it only says the catalog is shorter.)
		if r.end > 0 && start == r.end {
			r.ended = true
		}
		return catalogRead{size: r.end, ended: r.ended}
	}
	got := min(uint64(s.size), uint64(float64(bytes)/r.perItem+0.5))
	if end := start + got; end > r.end {
		// Items past an end seen before: the catalog grew.
		r.end, r.endPer, r.ended = end, per, false
	}
	r.read.roll(now, window)
	// Keys odd, as addBit wants.
	first := r.read.add(start<<1 | 1)
	return catalogRead{got: got, size: r.end, first: first, ended: r.ended}
}

// size is route's catalog size in items, 0 while unknown, and whether its
// end has been seen: until then it is the furthest page read with items, a
// lower bound, which one reader going deeper than anyone before makes its
// own depth.
func (c *catalog) size(route uint64) (uint64, bool) {
	if r := c.routes.m[route]; r != nil {
		return r.end, r.ended
	}
	return 0, false
}

// spanOf is the span of items a collection request asked for: its page
// parameter times its page size, or its offset; the first page when it
// names neither. Cursors are not numbered.
func spanOf(op *scenarios.Operation, path string) (pageSpan, bool) {
	_, q, _ := strings.Cut(path, "?")
	var page, offset, limit string
	hasPage, hasOffset := false, false
	for i := range op.Params {
		// By pointer: a Param is some 150 bytes to copy.
		p := &op.Params[i]
		if p.In != scenarios.InQuery {
			continue
		}
		v, ok := queryValue(q, p.Name)
		switch p.Role {
		case scenarios.ParamPage:
			page, hasPage = v, hasPage || ok
		case scenarios.ParamOffset:
			offset, hasOffset = v, hasOffset || ok
		case scenarios.ParamPageSize:
			limit = v
		case scenarios.ParamCursor:
			if ok {
				return pageSpan{}, false
			}
		}
	}
	s := pageSpan{size: defaultPageSize}
	// ParseUint allocates its error: parse only what is there.
	if limit != "" {
		if k, err := strconv.ParseUint(limit, 10, 31); err == nil && k > 0 {
			s.size, s.sized = uint32(k), true
		}
	}
	switch {
	case hasPage:
		n, err := strconv.ParseUint(page, 10, 31)
		s.end, s.numbered = (n+1)*uint64(s.size), true
		return s, err == nil
	case hasOffset:
		n, err := strconv.ParseUint(offset, 10, 31)
		s.end, s.byOffset = n+uint64(s.size), true
		return s, err == nil
	}
	s.end = uint64(s.size)
	return s, true
}

// pages is a catalog of items in pages of the span's size, rounded up.
func (s pageSpan) pages(items uint64) int {
	return int((items + uint64(s.size) - 1) / uint64(s.size))
}
