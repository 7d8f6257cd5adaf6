package vu

import (
	"fmt"
	"strconv"
	"strings"
)

// Segment is this runner's share of a plan when N runners (GitHub Actions
// matrix jobs, Kubernetes Indexed Jobs) run it together: runner I of N
// (0 <= I < N) owns every VU whose global index g has g mod N == I, and
// every arrival-rate iteration k with k mod N == I. The shares are
// disjoint and together cover the whole plan for any numbers, and an
// identity bound to VU g is used by one runner only. The zero Segment is
// the whole plan.
type Segment struct {
	I, N int
}

// ParseSegment reads "i/n" (0 <= i < n), the form of --segment.
func ParseSegment(s string) (Segment, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Segment{}, fmt.Errorf("segment %q: want i/n, such as 0/4 for the first of four runners", s)
	}
	seg := Segment{I: i, N: n}
	return seg, seg.Validate()
}

// Validate reports a segment that names no share.
func (s Segment) Validate() error {
	if s.N == 0 && s.I == 0 {
		return nil
	}
	if s.N < 1 || s.I < 0 || s.I >= s.N {
		return fmt.Errorf("segment %d/%d: want 0 <= i < n (runner indexes start at 0)", s.I, s.N)
	}
	return nil
}

func (s Segment) n() int {
	if s.N <= 0 {
		return 1
	}
	return s.N
}

// Owns reports whether global index g (a VU or an arrival) is this
// segment's.
func (s Segment) Owns(g int) bool { return g%s.n() == s.I%s.n() }

// Share is how many of the indexes 0..total-1 this segment owns.
func (s Segment) Share(total int) int {
	n, i := s.n(), s.I%s.n()
	if total <= i {
		return 0
	}
	return (total - i + n - 1) / n
}

// Global is the global index of this segment's local-th index.
func (s Segment) Global(local int) int { return local*s.n() + s.I%s.n() }

// String is the --segment form.
func (s Segment) String() string { return fmt.Sprintf("%d/%d", s.I%s.n(), s.n()) }

// within is the segment an open-model executor with at most max VUs uses:
// itself when there are no more runners than VUs; otherwise only the first
// max runners take part, as segments of max, so the runners together never
// hold more than max VUs and still run every arrival once. ok is false
// for a runner left out.
func (s Segment) within(max int) (seg Segment, ok bool) {
	n, i := s.n(), s.I%s.n()
	if n <= max {
		return s, true
	}
	if i >= max {
		return Segment{}, false
	}
	return Segment{I: i, N: max}, true
}
