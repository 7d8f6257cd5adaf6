package generators

import (
	"sync"

	"github.com/abusegate/abusegate/scenarios"
)

// Harvest remembers, per scenario, the records or items a run's VUs have
// obtained, so that a leak counted in distinct things does not grow when a
// later iteration, another VU or a second identity reads one again. The
// zero value is ready to use and it is safe for concurrent use (judges run
// on the VUs' goroutines). A Kind that holds one is built fresh for each
// run (builtin.Register), so a run's harvest starts empty.
type Harvest struct {
	mu   sync.Mutex
	seen map[string]map[string]struct{}
}

// Take records id as obtained by scenario and reports whether it is new.
func (h *Harvest) Take(scenario, id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.seen == nil {
		h.seen = map[string]map[string]struct{}{}
	}
	s, ok := h.seen[scenario]
	if !ok {
		s = map[string]struct{}{}
		h.seen[scenario] = s
	}
	if _, dup := s[id]; dup {
		return false
	}
	s[id] = struct{}{}
	return true
}

// Len is how many distinct things scenario has obtained.
func (h *Harvest) Len(scenario string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.seen[scenario])
}

// Once wraps judge so that what it finds counts once per scenario: a leak
// is kept only the first time id is taken (the account a login opened, a
// record read). A nil Harvest returns judge as it is.
func (h *Harvest) Once(scenario, id string, judge func(scenarios.Result) (scenarios.Outcome, int)) func(scenarios.Result) (scenarios.Outcome, int) {
	if h == nil {
		return judge
	}
	return func(r scenarios.Result) (scenarios.Outcome, int) {
		o, leak := judge(r)
		if leak > 0 && !h.Take(scenario, id) {
			leak = 0
		}
		return o, leak
	}
}
