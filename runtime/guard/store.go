package guard

import (
	"slices"
	"sync"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// store keeps every decision the guard received, in arrival order, and an
// index of the live blocks by subject for the O(1) check on each request.
// It is safe for concurrent use.
type store struct {
	mu     sync.RWMutex
	all    []scenarios.Decision
	blocks map[scenarios.Subject]scenarios.Decision
}

func newStore() *store {
	return &store{blocks: make(map[scenarios.Subject]scenarios.Decision)}
}

// add records decisions; enforced blocks join the live index, replacing an
// earlier block of the same subject when they last longer.
func (s *store) add(ds []scenarios.Decision, now time.Time) {
	if len(ds) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, ds...)
	for _, d := range ds {
		if !d.Enforced || d.Action != scenarios.ActionBlock || !now.Before(d.Expires) {
			continue
		}
		if old, ok := s.blocks[d.Subject]; ok && old.Expires.After(d.Expires) {
			continue
		}
		s.blocks[d.Subject] = d
	}
	s.sweep(now)
}

// sweep forgets expired blocks once the index has grown; callers hold mu.
func (s *store) sweep(now time.Time) {
	if len(s.blocks) < 256 {
		return
	}
	for k, d := range s.blocks {
		if !now.Before(d.Expires) {
			delete(s.blocks, k)
		}
	}
}

// blocked returns the live block of the first subject that has one;
// subjects with an empty Value are skipped.
func (s *store) blocked(now time.Time, subjects ...scenarios.Subject) (scenarios.Decision, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, subj := range subjects {
		if subj.Value == "" {
			continue
		}
		if d, ok := s.blocks[subj]; ok && now.Before(d.Expires) {
			return d, true
		}
	}
	return scenarios.Decision{}, false
}

// decisions returns a copy of every decision in time order.
func (s *store) decisions() []scenarios.Decision {
	s.mu.RLock()
	out := slices.Clone(s.all)
	s.mu.RUnlock()
	slices.SortStableFunc(out, func(a, b scenarios.Decision) int { return a.Time.Compare(b.Time) })
	return out
}
