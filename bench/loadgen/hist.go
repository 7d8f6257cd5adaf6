package main

import (
	"math"
	"math/bits"
	"time"
)

// hist is an HDR-style log-linear latency histogram: values (in
// nanoseconds) fall in buckets of 2^k magnitude split into subBuckets
// linear steps, so every recorded value is known to within 1/subBuckets
// (about 1.6%) however large, in constant memory.
type hist struct {
	counts [64][subBuckets]uint64
	total  uint64
	max    int64
}

const (
	subBits    = 6
	subBuckets = 1 << subBits
)

func (h *hist) record(d time.Duration) {
	v := max(int64(d), 0)
	mag, sub := bucket(uint64(v))
	h.counts[mag][sub]++
	h.total++
	h.max = max(h.max, v)
}

// bucket returns the magnitude and linear sub-bucket of v: values below
// subBuckets are exact; above, the top subBits bits below the leading one
// pick the sub-bucket.
func bucket(v uint64) (int, int) {
	if v < subBuckets {
		return 0, int(v)
	}
	lead := bits.Len64(v) - 1 // v >= 2^lead
	shift := lead - subBits
	return shift + 1, int(v>>shift) - subBuckets
}

// lowest is the smallest value of a bucket, which a percentile reports
// (as HDR's "value at percentile" reports a bucket's equivalent value).
func lowest(mag, sub int) int64 {
	if mag == 0 {
		return int64(sub)
	}
	shift := mag - 1
	return int64(uint64(sub+subBuckets) << shift)
}

// quantile is the smallest value at or below which a fraction q of the
// recorded values fall.
func (h *hist) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	want := max(uint64(math.Ceil(q*float64(h.total))), 1)
	var seen uint64
	for mag := range h.counts {
		for sub, c := range h.counts[mag] {
			seen += c
			if seen >= want {
				return time.Duration(lowest(mag, sub))
			}
		}
	}
	return time.Duration(h.max)
}

func (h *hist) merge(o *hist) {
	for mag := range h.counts {
		for sub := range h.counts[mag] {
			h.counts[mag][sub] += o.counts[mag][sub]
		}
	}
	h.total += o.total
	h.max = max(h.max, o.max)
}
