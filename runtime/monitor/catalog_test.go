package monitor

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

// pageOp is a collection paged by page number and size.
var pageOp = &scenarios.Operation{Method: "GET", Path: "/items", Params: []scenarios.Param{
	{Name: "page", In: scenarios.InQuery, Role: scenarios.ParamPage},
	{Name: "offset", In: scenarios.InQuery, Role: scenarios.ParamOffset},
	{Name: "limit", In: scenarios.InQuery, Role: scenarios.ParamPageSize},
	{Name: "cursor", In: scenarios.InQuery, Role: scenarios.ParamCursor},
}}

// A 30-page catalog of 20: a full page is 45 bytes of envelope and 60 per
// item, a page past the end the envelope alone.
func pageBytes(page, size, catalog int) int64 {
	start := (page - 1) * size
	n := max(0, min(size, catalog-start))
	return int64(45 + 60*n)
}

type catalogAsk struct {
	page, size int
}

func TestCatalogLearnsItsSize(t *testing.T) {
	const catalog = 600
	tests := []struct {
		name  string
		reads []catalogAsk
		size  uint64
		ended bool
	}{
		{"pages in order, then past the end", []catalogAsk{{1, 20}, {2, 20}, {30, 20}, {31, 20}}, 600, true},
		{"past the end first: an envelope cannot set the size", []catalogAsk{{1000, 20}, {3, 20}}, 60, false},
		{"far past the end after pages is not the end", []catalogAsk{{2, 20}, {100000, 20}}, 40, false},
		{"another page size counts in items", []catalogAsk{{1, 20}, {60, 10}}, 600, false},
		{"reads under minLearnSize teach nothing", []catalogAsk{{500, 1}, {2, 4}}, 0, false},
		{"a page larger than the catalog counts the items its bytes hold", []catalogAsk{{2, 20}, {1, 1000}}, 579, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCatalog()
			for i, r := range tt.reads {
				s, ok := spanOf(pageOp, "/items?page="+strconv.Itoa(r.page)+"&limit="+strconv.Itoa(r.size))
				require.True(t, ok)
				c.learn(7, s, pageBytes(r.page, r.size, catalog), int64(i+1), int64(time.Hour))
			}
			size, ended := c.size(7)
			assert.Equal(t, tt.size, size)
			assert.Equal(t, tt.ended, ended)
		})
	}
}

func TestCatalogWithoutBytesIsUnknown(t *testing.T) {
	c := newCatalog()
	s, ok := spanOf(pageOp, "/items?page=3")
	require.True(t, ok)
	rd := c.learn(7, s, 0, 1, int64(time.Hour))
	assert.Equal(t, catalogRead{}, rd)
}

func TestSpanOf(t *testing.T) {
	for _, c := range []struct {
		path string
		want pageSpan
		ok   bool
	}{
		{"/items", pageSpan{end: 20, size: 20}, true},
		{"/items?page=3&limit=10", pageSpan{end: 40, size: 10, numbered: true, sized: true}, true},
		{"/items?offset=60&limit=20", pageSpan{end: 80, size: 20, byOffset: true, sized: true}, true},
		{"/items?offset=60", pageSpan{end: 80, size: 20, byOffset: true}, true},
		{"/items?limit=x&page=2", pageSpan{end: 60, size: 20, numbered: true}, true},
		{"/items?cursor=abc", pageSpan{}, false},
		{"/items?page=x", pageSpan{size: 20, numbered: true}, false},
	} {
		t.Run(c.path, func(t *testing.T) {
			s, ok := spanOf(pageOp, c.path)
			assert.Equal(t, c.ok, ok)
			if ok {
				assert.Equal(t, c.want, s)
			}
		})
	}
}

// A read is its page's first within the window whoever read it before,
// and the marks roll with the window: the pages everybody reads are
// nobody's first read, a page unread for two windows is new again.
func TestCatalogFirstReads(t *testing.T) {
	const window = int64(time.Hour)
	c := newCatalog()
	read := func(page int, at int64) catalogRead {
		s, ok := spanOf(pageOp, "/items?page="+strconv.Itoa(page)+"&limit=20")
		require.True(t, ok)
		return c.learn(7, s, pageBytes(page, 20, 600), at, window)
	}
	assert.True(t, read(1, 1).first)
	assert.True(t, read(3, 2).first, "a page past a gap")
	assert.False(t, read(1, 3).first, "a page read before, by anyone")
	assert.True(t, read(2, 4).first, "the gap's page, read later")
	assert.False(t, read(1, 5+window).first, "read in the window before")
	rd := read(1, 6+3*window)
	assert.True(t, rd.first, "unread for two windows")
	assert.Equal(t, catalogRead{got: 20, size: 60, first: true}, rd)
	past := read(31, 7+3*window)
	assert.False(t, past.first, "an empty page holds nothing to read first")
	assert.Zero(t, past.got)
}
