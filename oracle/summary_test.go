package oracle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/scenarios"
)

func TestStats(t *testing.T) {
	s := func(ms ...int) []time.Duration {
		var out []time.Duration
		for _, m := range ms {
			out = append(out, time.Duration(m)*time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Stats
	}{
		{"none", nil, Stats{}},
		{"one", s(700), Stats{N: 1, Mean: 700 * time.Millisecond, P50: 700 * time.Millisecond, P95: 700 * time.Millisecond}},
		{"unsorted", s(300, 100, 200, 400), Stats{N: 4, Mean: 250 * time.Millisecond, P50: 200 * time.Millisecond, P95: 400 * time.Millisecond}},
		{"twenty", s(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20),
			Stats{N: 20, Mean: 10500 * time.Microsecond, P50: 10 * time.Millisecond, P95: 19 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, stats(tt.in))
		})
	}
}

func TestSummaries(t *testing.T) {
	enumA := series(0, "ssdd", 1)       // contained at 2s
	enumB := series(0, "sssdd", 1)      // contained at 3s
	coupon := series(0, "sssdddd", 500) // money: 1500 before, 0 after
	for i := range enumB {
		enumB[i].Scenario = "enum-b"
	}
	for i := range coupon {
		coupon[i].Scenario, coupon[i].TokenID = "coupon", ""
	}
	coupon[1].Outcome, coupon[1].Leak = scenarios.OutcomeSuccess, 500
	tl := scenarios.Timeline{Exchanges: append(append(enumA, enumB...), coupon...)}
	scs := []scenarios.Scenario{
		scenario(noBounds),
		{ID: "enum-b", Kind: "rest.enumeration", SLA: noBounds},
		{ID: "coupon", Kind: "rest.coupon-stacking", LeakUnit: "cents of discount", SLA: noBounds},
	}
	res := Judge(tl, scs)

	assert.Equal(t, []KindSummary{
		{Kind: "rest.coupon-stacking", Scenarios: 1, Contained: 1,
			MTTC: Stats{N: 1, Mean: 3 * time.Second, P50: 3 * time.Second, P95: 3 * time.Second}},
		{Kind: "rest.enumeration", Scenarios: 2, Contained: 2,
			MTTC: Stats{N: 2, Mean: 2500 * time.Millisecond, P50: 2 * time.Second, P95: 3 * time.Second}},
	}, res.Kinds)
	assert.Equal(t, Resilience{
		AuthAttempts: 9, AuthBlocked: 4, AuthBlockedShare: 4.0 / 9,
		LogicAttempts: 7, LogicPrevented: 4,
		RevenueLeakBefore: 1500, RevenueLeakAfter: 0,
	}, res.Resilience)
}
