package guard

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Store holds the live containment decisions the guard enforces. The
// memory store serves one guard; the Redis store lets replicas share them.
// Implementations are safe for concurrent use, and Check must be O(1) in
// the number of live decisions: it is on every request's path.
type Store interface {
	// Put makes d live until d.Expires. A subject keeps its harshest live
	// decision (the longer one on a tie).
	Put(ctx context.Context, d scenarios.Decision) error
	// Check returns the harshest live decision on any of subjects; subjects
	// with an empty Value are skipped.
	Check(ctx context.Context, now time.Time, subjects []scenarios.Subject) (scenarios.Decision, bool, error)
	// Delete lifts a decision by id, reporting whether it was live.
	Delete(ctx context.Context, id string) (bool, error)
}

// harsher reports whether a should replace b as a subject's decision.
func harsher(a, b *scenarios.Decision) bool {
	if sa, sb := a.Action.Severity(), b.Action.Severity(); sa != sb {
		return sa > sb
	}
	return a.Expires.After(b.Expires)
}

// MemoryStore is a bounded in-process Store: past its limit, expired
// decisions are swept and, if still full, arbitrary ones make room.
type MemoryStore struct {
	mu sync.RWMutex
	// live holds each subject's decision, never changed once stored, by
	// pointer: Check looks up several subjects on every request, and a
	// Decision is a few hundred bytes to copy.
	live  map[scenarios.Subject]*scenarios.Decision
	ids   map[string]scenarios.Subject
	limit int
	// held is len(live), kept under mu and read without it: while nobody
	// is contained (most requests), check returns without taking the
	// lock. A Put racing such a check is a Check before the Put.
	held atomic.Int64
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns a store holding at most limit live decisions
// (<= 0: 1<<20).
func NewMemoryStore(limit int) *MemoryStore {
	if limit <= 0 {
		limit = 1 << 20
	}
	return &MemoryStore{live: map[scenarios.Subject]*scenarios.Decision{}, ids: map[string]scenarios.Subject{}, limit: limit}
}

// Put implements Store.
func (s *MemoryStore) Put(_ context.Context, d scenarios.Decision) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.live[d.Subject]; ok && d.Time.Before(old.Expires) && !harsher(&d, old) {
		return nil
	}
	if old, ok := s.live[d.Subject]; ok {
		delete(s.ids, old.ID)
	}
	if len(s.live) >= s.limit {
		s.sweep(d.Time)
	}
	s.live[d.Subject] = &d
	s.ids[d.ID] = d.Subject
	s.held.Store(int64(len(s.live)))
	return nil
}

func (s *MemoryStore) sweep(now time.Time) {
	for k, d := range s.live {
		if !now.Before(d.Expires) || len(s.live) >= s.limit {
			delete(s.live, k)
			delete(s.ids, d.ID)
		}
	}
	s.held.Store(int64(len(s.live)))
}

// Check implements Store.
func (s *MemoryStore) Check(_ context.Context, now time.Time, subjects []scenarios.Subject) (scenarios.Decision, bool, error) {
	if d := s.check(now, subjects); d != nil {
		return *d, true, nil
	}
	return scenarios.Decision{}, false, nil
}

// check is Check's decision as stored (never changed once stored), nil
// when none applies.
func (s *MemoryStore) check(now time.Time, subjects []scenarios.Subject) *scenarios.Decision {
	if s.held.Load() == 0 { // most requests, where nobody is contained
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var best *scenarios.Decision
	for _, subj := range subjects {
		if subj.Value == "" {
			continue
		}
		if d, ok := s.live[subj]; ok && now.Before(d.Expires) && (best == nil || harsher(d, best)) {
			best = d
		}
	}
	return best
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	subj, ok := s.ids[id]
	if !ok {
		return false, nil
	}
	delete(s.ids, id)
	delete(s.live, subj)
	s.held.Store(int64(len(s.live)))
	return true, nil
}

// decisionLog keeps the decisions this guard made, for Decisions and the
// admin API; it keeps the most recent max of them.
type decisionLog struct {
	mu  sync.RWMutex
	all []scenarios.Decision
	max int
}

func (l *decisionLog) add(ds []scenarios.Decision) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, ds...)
	if over := len(l.all) - l.max; over > 0 {
		l.all = append(l.all[:0], l.all[over:]...)
	}
}

func (l *decisionLog) snapshot() []scenarios.Decision {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]scenarios.Decision(nil), l.all...)
}
