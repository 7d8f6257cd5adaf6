package monitor

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/scenarios"
)

func TestPageCap(t *testing.T) {
	size := func(max float64) scenarios.Param {
		return scenarios.Param{Name: "limit", In: scenarios.InQuery, Role: scenarios.ParamPageSize, Maximum: max}
	}
	for _, tc := range []struct {
		name       string
		op         scenarios.Operation
		limit      int
		documented bool
		ok         bool
	}{
		{"no size parameter", scenarios.Operation{Method: "GET", Path: "/x"}, 0, false, false},
		{"schema maximum", scenarios.Operation{Params: []scenarios.Param{size(100)}}, 100, true, true},
		{"x-abuse smaller than schema", scenarios.Operation{Params: []scenarios.Param{size(100)}, Rules: scenarios.Rules{MaxPageSize: 50}}, 50, true, true},
		{"pagination maximum", scenarios.Operation{Params: []scenarios.Param{size(0)}, Pagination: &scenarios.Pagination{SizeParam: "limit", MaxSize: 25}}, 25, true, true},
		{"pagination names the parameter", scenarios.Operation{Pagination: &scenarios.Pagination{SizeParam: "n", MaxSize: 10}}, 10, true, true},
		{"undocumented: the cap", scenarios.Operation{Params: []scenarios.Param{size(0)}}, 1000, false, true},
		{"GraphQL is Inspect's", scenarios.Operation{Protocol: scenarios.GraphQL, Params: []scenarios.Param{size(100)}}, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, limit, documented, ok := pageCap(&tc.op, 1000)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.limit, limit)
			assert.Equal(t, tc.documented, documented)
		})
	}
}

func TestPageSizeParsing(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  int
		ok bool
	}{
		{"100", 100, true}, {"0", 0, true}, {"", 0, false}, {"-5", 0, false}, {"1e9", 0, false}, {"10%30", 0, false},
		{"99999999999999999999999999", 1 << 40, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			n, ok := size(tc.in)
			assert.Equal(t, tc.ok, ok)
			if ok {
				assert.GreaterOrEqual(t, n, min(tc.n, 1<<40))
			}
		})
	}
}

func TestInspectRequestAllocatesNothingWhenWithinLimits(t *testing.T) {
	m := New(shopSurface(), Config{})
	ev := scenarios.Event{Method: "GET", Path: "/products?page=2&limit=100", Addr: "10.0.0.1"}
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = m.InspectRequest(ev) }))
	ev.Path = "/products/7"
	assert.Zero(t, testing.AllocsPerRun(100, func() { _ = m.InspectRequest(ev) }))
}
