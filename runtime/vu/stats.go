package vu

import (
	"sync/atomic"

	"github.com/abusegate/abusegate/scenarios"
)

// Stats are one scenario's live counters, read by progress reporting while
// the run goes on.
type Stats struct {
	Scenario string
	// VUs running now.
	VUs atomic.Int64
	// Iterations completed, and interrupted by a stop.
	Iterations  atomic.Int64
	Interrupted atomic.Int64
	// Dropped counts the arrival-rate iterations that found no free VU.
	Dropped  atomic.Int64
	Requests atomic.Int64
	Success  atomic.Int64
	Denied   atomic.Int64
	Failed   atomic.Int64
	Errors   atomic.Int64
}

// Snapshot is a copy of a scenario's counters at one moment.
type Snapshot struct {
	Scenario                                  string
	VUs, Iterations, Interrupted, Dropped     int64
	Requests, Success, Denied, Failed, Errors int64
}

func (s *Stats) snapshot() Snapshot {
	return Snapshot{
		Scenario: s.Scenario, VUs: s.VUs.Load(), Iterations: s.Iterations.Load(), Interrupted: s.Interrupted.Load(),
		Dropped: s.Dropped.Load(), Requests: s.Requests.Load(), Success: s.Success.Load(), Denied: s.Denied.Load(),
		Failed: s.Failed.Load(), Errors: s.Errors.Load(),
	}
}

func (s *Stats) count(o scenarios.Outcome) {
	s.Requests.Add(1)
	switch o {
	case scenarios.OutcomeSuccess:
		s.Success.Add(1)
	case scenarios.OutcomeDenied:
		s.Denied.Add(1)
	case scenarios.OutcomeError:
		s.Errors.Add(1)
	default:
		s.Failed.Add(1)
	}
}
