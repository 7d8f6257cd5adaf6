package vu

import (
	"slices"
	"sync"

	"github.com/abusegate/abusegate/scenarios"
)

// Recorder collects the exchanges of a run. It is safe for concurrent use.
type Recorder struct {
	mu        sync.Mutex
	exchanges []scenarios.Exchange
}

// Record appends one exchange.
func (r *Recorder) Record(e scenarios.Exchange) {
	r.mu.Lock()
	r.exchanges = append(r.exchanges, e)
	r.mu.Unlock()
}

// Exchanges returns the recorded exchanges sorted by send time.
func (r *Recorder) Exchanges() []scenarios.Exchange {
	r.mu.Lock()
	out := slices.Clone(r.exchanges)
	r.mu.Unlock()
	slices.SortStableFunc(out, func(a, b scenarios.Exchange) int { return a.Sent.Compare(b.Sent) })
	return out
}

// Len is the number of recorded exchanges.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.exchanges)
}
