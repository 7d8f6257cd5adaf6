package oracle

import (
	"slices"
	"strings"
	"time"
)

// Stats summarizes durations measured over several scenarios or repeats.
type Stats struct {
	N    int
	Mean time.Duration
	P50  time.Duration
	P95  time.Duration
}

// KindSummary is MTTD and MTTC per misuse kind, over its scenarios (and
// their repeats): what a security team tracks from release to release.
type KindSummary struct {
	Kind      string
	Scenarios int
	Detected  int
	Contained int
	// MTTD and MTTC cover the scenarios that were detected or contained.
	MTTD Stats
	MTTC Stats
}

// Resilience are the run-level figures security teams report beside MTTD
// and MTTC.
type Resilience struct {
	// AuthAttempts are abusive requests that carried credentials (a token);
	// AuthBlocked those the target or guard denied.
	AuthAttempts int
	AuthBlocked  int
	// AuthBlockedShare is AuthBlocked/AuthAttempts, 0 without attempts.
	AuthBlockedShare float64
	// LogicAttempts are abusive requests of business-logic kinds (coupon,
	// checkout, flow, inventory); LogicPrevented those denied.
	LogicAttempts  int
	LogicPrevented int
	// RevenueLeakBefore and RevenueLeakAfter are the discount obtained
	// (in cents) before and after containment by scenarios whose leak is
	// money.
	RevenueLeakBefore int
	RevenueLeakAfter  int
}

// businessLogic reports whether a kind abuses business rules rather than
// data access or authentication.
func businessLogic(kind string) bool {
	for _, w := range []string{"coupon", "checkout", "flow", "inventory", "hoard"} {
		if strings.Contains(kind, w) {
			return true
		}
	}
	return false
}

// money reports whether a leak unit counts money.
func money(unit string) bool {
	return strings.Contains(unit, "cent") || strings.Contains(unit, "discount")
}

func summarize(vs []Verdict) ([]KindSummary, Resilience) {
	byKind := map[string]*KindSummary{}
	mttd := map[string][]time.Duration{}
	mttc := map[string][]time.Duration{}
	var r Resilience
	for _, v := range vs {
		k := byKind[v.Kind]
		if k == nil {
			k = &KindSummary{Kind: v.Kind}
			byKind[v.Kind] = k
		}
		k.Scenarios++
		if v.Detected {
			k.Detected++
			mttd[v.Kind] = append(mttd[v.Kind], v.MTTD)
		}
		if v.Contained {
			k.Contained++
			mttc[v.Kind] = append(mttc[v.Kind], v.MTTC)
		}
		r.AuthAttempts += v.AuthRequests
		r.AuthBlocked += v.AuthDenied
		if businessLogic(v.Kind) {
			r.LogicAttempts += v.Requests
			r.LogicPrevented += v.Denied
		}
		if money(v.LeakUnit) {
			r.RevenueLeakBefore += v.LeakBefore
			r.RevenueLeakAfter += v.LeakTotal - v.LeakBefore
		}
	}
	if r.AuthAttempts > 0 {
		r.AuthBlockedShare = float64(r.AuthBlocked) / float64(r.AuthAttempts)
	}
	out := make([]KindSummary, 0, len(byKind))
	for kind, k := range byKind {
		k.MTTD = stats(mttd[kind])
		k.MTTC = stats(mttc[kind])
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b KindSummary) int { return strings.Compare(a.Kind, b.Kind) })
	return out, r
}

// stats uses the nearest-rank percentile: with few samples it reports a
// measured value rather than an interpolation nobody observed.
func stats(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return Stats{N: len(s), Mean: sum / time.Duration(len(s)), P50: rank(0.50), P95: rank(0.95)}
}
