package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestHistQuantiles(t *testing.T) {
	tests := []struct {
		name   string
		values []time.Duration
		q      float64
		want   time.Duration
	}{
		{name: "exact small values", values: []time.Duration{1, 2, 3, 4}, q: 0.5, want: 2},
		{name: "p99 of 1..1000us", values: spread(1000, time.Microsecond), q: 0.99, want: 990 * time.Microsecond},
		{name: "p50 of 1..1000us", values: spread(1000, time.Microsecond), q: 0.5, want: 500 * time.Microsecond},
		{name: "one slow outlier sets p99.9 of 1000", values: append(spread(999, time.Millisecond), 5*time.Second), q: 0.9999, want: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h hist
			for _, v := range tt.values {
				h.record(v)
			}
			got := h.quantile(tt.q)
			assert.InEpsilon(t, float64(tt.want), float64(got), 1.0/subBuckets, "got %v want %v", got, tt.want)
			assert.LessOrEqual(t, got, tt.want, "a percentile never overstates the bucket")
		})
	}
}

func TestHistMerge(t *testing.T) {
	var a, b hist
	a.record(time.Millisecond)
	b.record(3 * time.Millisecond)
	a.merge(&b)
	assert.Equal(t, uint64(2), a.total)
	assert.Equal(t, int64(3*time.Millisecond), a.max)
	assert.InEpsilon(t, float64(3*time.Millisecond), float64(a.quantile(1)), 1.0/subBuckets)
}

func TestBucketRoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 123456789, 1 << 40} {
		mag, sub := bucket(v)
		lo := uint64(lowest(mag, sub))
		assert.LessOrEqual(t, lo, v, "%d", v)
		assert.Less(t, float64(v-lo), float64(v)/subBuckets+1, "%d within one sub-bucket", v)
	}
}

func spread(n int, unit time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * unit
	}
	return out
}
