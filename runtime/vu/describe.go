package vu

import (
	"fmt"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// maxCounted bounds how many arrivals Describe counts.
const maxCounted = 10_000_000

// Describe is the dry run of a plan: one paragraph per workload saying
// when its VUs or iterations start and stop, in segment seg, without
// sending anything.
func Describe(loads []Workload, seg Segment) string {
	var b strings.Builder
	if seg.N > 1 {
		fmt.Fprintf(&b, "segment %s: this runner's share of every scenario\n", seg)
	}
	for _, w := range loads {
		b.WriteString(w.Describe(seg))
		b.WriteByte('\n')
	}
	return b.String()
}

// Describe is one workload's schedule as text.
func (w Workload) Describe(seg Segment) string {
	s := w.schedule()
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", w.Scenario, w.Actor, s.Executor)
	if err := w.validate(); err != nil {
		fmt.Fprintf(&b, " INVALID: %v", err)
		return b.String()
	}
	window := fmt.Sprintf("from +%s to +%s", s.Start, s.Start+s.Duration)
	switch s.Executor {
	case scenarios.ConstantVUs:
		fmt.Fprintf(&b, ", %s, %s", vus(seg, s.VUs), window)
	case scenarios.PerVUIterations:
		fmt.Fprintf(&b, ", %s × %d iterations, %s at most", vus(seg, s.VUs), s.Iterations, window)
	case scenarios.RampingVUs:
		fmt.Fprintf(&b, " from %s, %s:", vus(seg, s.VUs), window)
		from, off := s.VUs, s.Start
		for _, st := range s.Stages {
			fmt.Fprintf(&b, "\n  +%s..+%s: %d -> %d VUs", off, off+st.Duration, seg.Share(from), seg.Share(st.Target))
			from, off = st.Target, off+st.Duration
		}
	default:
		a := newArrivals(s)
		n := 0
		for ; n < maxCounted; n++ {
			if _, ok := a.at(n); !ok {
				break
			}
		}
		eff, ok := seg.within(s.MaxVUs)
		mine, pool, pre := 0, 0, 0
		if ok {
			mine, pool = eff.Share(n), max(1, eff.Share(s.MaxVUs))
			pre = min(pool, max(1, eff.Share(s.PreAllocatedVUs)))
		}
		if s.Executor == scenarios.ConstantArrivalRate {
			fmt.Fprintf(&b, ", %d iterations per %s", s.Rate, s.TimeUnit)
		} else {
			fmt.Fprintf(&b, " from %d iterations per %s", s.Rate, s.TimeUnit)
		}
		fmt.Fprintf(&b, ", %s: %d iterations planned", window, mine)
		if seg.N > 1 {
			fmt.Fprintf(&b, " of %d", n)
		}
		fmt.Fprintf(&b, ", VUs %d pre-allocated, at most %d (iterations finding none are dropped)",
			pre, pool)
		from, off := s.Rate, s.Start
		for _, st := range s.Stages {
			fmt.Fprintf(&b, "\n  +%s..+%s: %d -> %d iterations per %s", off, off+st.Duration, from, st.Target, s.TimeUnit)
			from, off = st.Target, off+st.Duration
		}
	}
	fmt.Fprintf(&b, "; graceful stop %s", s.GracefulStop)
	if t := w.Think; t != (scenarios.Think{}) {
		fmt.Fprintf(&b, "; think %s", describeThink(t))
	}
	if w.Identities != nil {
		fmt.Fprintf(&b, "; %d %s identities rotated %s", len(w.Identities.Creds), w.Identities.Kind, w.Rotation.Mode)
	}
	if w.Disguise.Sources {
		b.WriteString("; a loopback source address per identity")
	}
	return b.String()
}

func vus(seg Segment, n int) string {
	if seg.N > 1 {
		return fmt.Sprintf("%d of %d VUs", seg.Share(n), n)
	}
	return fmt.Sprintf("%d VUs", n)
}

func describeThink(t scenarios.Think) string {
	switch t.Dist {
	case scenarios.Uniform:
		return fmt.Sprintf("uniform %s..%s", t.Min, t.Max)
	case scenarios.Constant:
		return fmt.Sprintf("constant %s", t.Mean)
	}
	s := fmt.Sprintf("%s mean %s", t.Dist, t.Mean)
	if t.Max > 0 {
		s += fmt.Sprintf(" (at most %s)", t.Max)
	}
	return s
}
