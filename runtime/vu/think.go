package vu

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// pause draws one think time from t. Draws are bounded by t.Max when it is
// set, so a heavy tail cannot stall a VU past its scenario's end.
func pause(t scenarios.Think, rng *rand.Rand) time.Duration {
	var d time.Duration
	switch t.Dist {
	case scenarios.Constant:
		d = t.Mean
	case scenarios.Uniform:
		lo, hi := t.Min, t.Max
		if hi <= lo {
			return lo
		}
		d = lo + time.Duration(rng.Int64N(int64(hi-lo)))
	case scenarios.Exponential:
		d = time.Duration(rng.ExpFloat64() * float64(t.Mean))
	case scenarios.LogNormal:
		// Mean is the median of the distribution: exp(mu) = Mean.
		sigma := t.Sigma
		if sigma <= 0 {
			sigma = 0.5
		}
		d = time.Duration(float64(t.Mean) * math.Exp(sigma*rng.NormFloat64()))
	}
	if d < t.Min {
		d = t.Min
	}
	if t.Max > 0 && d > t.Max {
		d = t.Max
	}
	return max(d, 0)
}
