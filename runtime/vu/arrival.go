package vu

import (
	"math"
	"math/bits"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// arrivals yields the start offsets of an arrival-rate executor's
// iterations: iteration k starts when the integral of the rate reaches k.
// A constant rate is computed exactly in integers; a ramp solves the
// quadratic of each linear stage.
type arrivals struct {
	unit   time.Duration
	rate   int // constant-arrival-rate, per unit
	dur    time.Duration
	stages []scenarios.Stage
	from   int // ramping: the rate at the start of the ramp
}

func newArrivals(s scenarios.Schedule) arrivals {
	a := arrivals{unit: s.TimeUnit, rate: s.Rate, dur: s.Duration}
	if s.Executor == scenarios.RampingArrivalRate {
		a.stages, a.from, a.rate = s.Stages, s.Rate, 0
	}
	return a
}

// at returns the offset of iteration k, or false once it falls past the
// executor's end.
func (a arrivals) at(k int) (time.Duration, bool) {
	if a.stages == nil {
		if a.rate <= 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(uint64(k), uint64(a.unit))
		if hi >= uint64(a.rate) {
			return 0, false
		}
		q, _ := bits.Div64(hi, lo, uint64(a.rate))
		if q > math.MaxInt64 || time.Duration(q) >= a.dur {
			return 0, false
		}
		return time.Duration(q), true
	}
	// Rates per nanosecond, iterations as a float: plenty of precision for
	// the sizes of a plan, and deterministic.
	left := float64(k)
	var off time.Duration
	r0 := float64(a.from) / float64(a.unit)
	for _, st := range a.stages {
		r1 := float64(st.Target) / float64(a.unit)
		d := float64(st.Duration)
		area := (r0 + r1) / 2 * d
		if left < area || (left == 0 && (r0 > 0 || r1 > 0)) {
			var tau float64
			if r1 == r0 {
				tau = left / r0
			} else {
				slope := (r1 - r0) / (2 * d)
				tau = (-r0 + math.Sqrt(r0*r0+4*slope*left)) / (2 * slope)
			}
			return off + time.Duration(tau), true
		}
		left -= area
		off += st.Duration
		r0 = r1
	}
	return 0, false
}
