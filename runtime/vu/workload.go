package vu

import (
	"errors"
	"fmt"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Workload is one scenario's VUs: how they are scheduled, who they are and
// what they run.
type Workload struct {
	Scenario string
	Actor    scenarios.Actor
	// Schedule drives the VUs the way a load-testing user expects
	// (constant-vus, ramping-vus, constant- and ramping-arrival-rate,
	// per-vu-iterations). A zero Executor means the short form below.
	Schedule scenarios.Schedule
	// VUs, Start and Duration are the short form: VUs each run their
	// Program once, from Start, for at most Duration (per-vu-iterations
	// with one iteration and no graceful stop).
	VUs      int
	Start    time.Duration
	Duration time.Duration
	// Think is drawn before every request but a VU's first (an
	// arrival-rate iteration's first), on top of the Program's Step.Wait.
	Think scenarios.Think
	// Seed makes the think times reproducible.
	Seed uint64
	// Program returns the logic of VU vu (its global, 0-based index) for a
	// new iteration. Iteration-aware callers set NewProgram instead.
	Program    func(vu int) (scenarios.Program, error)
	NewProgram func(it Iteration) (scenarios.Program, error)
	// Identities, when set, are the credentials the VUs act as, rotated as
	// Rotation says; see Pool.
	Identities *Pool
	Rotation   Rotation
	// Disguise gives each identity its own source address, device and geo
	// hints; see Disguise.
	Disguise Disguise
	// Done, when set, is asked before every iteration: once it says true
	// the workload's VUs begin no more (a scenario's request budget is
	// spent), instead of beginning iterations that send nothing until the
	// schedule ends. It must be safe for concurrent use.
	Done func() bool
}

// Iteration names one run of a Program.
type Iteration struct {
	// VU is the VU's global index, the same in every segment.
	VU int
	// N counts this VU's iterations from 0.
	N int
	// Identity is the identity the iteration starts as (zero without a
	// pool).
	Identity Credential
}

// DefaultMaxDuration bounds a per-vu-iterations executor that names no
// duration, as k6's maxDuration does.
const DefaultMaxDuration = 10 * time.Minute

// schedule is the workload's compiled schedule: the short form expanded,
// defaults applied.
func (w Workload) schedule() scenarios.Schedule {
	s := w.Schedule
	if s.Executor == 0 {
		return scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: w.VUs, Iterations: 1, Start: w.Start, Duration: w.Duration}
	}
	if s.TimeUnit <= 0 {
		s.TimeUnit = time.Second
	}
	switch s.Executor {
	case scenarios.RampingVUs, scenarios.RampingArrivalRate:
		if len(s.Stages) > 0 {
			s.Duration = 0
			for _, st := range s.Stages {
				s.Duration += st.Duration
			}
		}
	case scenarios.PerVUIterations:
		if s.Duration <= 0 {
			s.Duration = DefaultMaxDuration
		}
		if s.Iterations <= 0 {
			s.Iterations = 1
		}
	}
	if s.MaxVUs < s.PreAllocatedVUs {
		s.MaxVUs = s.PreAllocatedVUs
	}
	return s
}

// validate reports every problem of the workload's schedule at once.
func (w Workload) validate() error {
	s := w.schedule()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("vu: scenario %s (%s): "+format, append([]any{w.Scenario, s.Executor}, args...)...))
	}
	if w.Program == nil && w.NewProgram == nil {
		bad("no program")
	}
	if s.Start < 0 || s.Duration < 0 || s.GracefulStop < 0 {
		bad("start, duration and graceful stop must not be negative")
	}
	switch s.Executor {
	case scenarios.ConstantVUs, scenarios.PerVUIterations:
		if s.VUs < 0 {
			bad("vus %d must not be negative", s.VUs)
		}
	case scenarios.RampingVUs, scenarios.RampingArrivalRate:
		if len(s.Stages) == 0 {
			bad("stages: none; a ramp needs at least one {duration, target}")
		}
		for i, st := range s.Stages {
			if st.Duration < 0 || st.Target < 0 {
				bad("stages[%d]: duration and target must not be negative", i)
			}
		}
		if s.Executor == scenarios.RampingArrivalRate && s.MaxVUs <= 0 {
			bad("max VUs (or pre-allocated VUs) must be at least 1")
		}
	case scenarios.ConstantArrivalRate:
		if s.Rate <= 0 {
			bad("rate %d must be at least 1 per %s", s.Rate, s.TimeUnit)
		}
		if s.MaxVUs <= 0 {
			bad("max VUs (or pre-allocated VUs) must be at least 1")
		}
	default:
		bad("unknown executor")
	}
	if s.Executor != scenarios.PerVUIterations && s.Duration <= 0 && len(s.Stages) == 0 {
		bad("duration must be positive")
	}
	return errors.Join(errs...)
}

// maxVUs is the most VUs the workload may run at once in segment seg.
func (w Workload) maxVUs(seg Segment) int {
	s := w.schedule()
	switch s.Executor {
	case scenarios.RampingVUs:
		n := s.VUs
		for _, st := range s.Stages {
			n = max(n, st.Target)
		}
		return seg.Share(n)
	case scenarios.ConstantArrivalRate, scenarios.RampingArrivalRate:
		eff, ok := seg.within(s.MaxVUs)
		if !ok {
			return 0
		}
		return eff.Share(s.MaxVUs)
	default:
		return seg.Share(s.VUs)
	}
}

func (w Workload) program(it Iteration) (scenarios.Program, error) {
	if w.NewProgram != nil {
		return w.NewProgram(it)
	}
	return w.Program(it.VU)
}

// identities is how many distinct identities (source addresses) the
// workload may use in the whole plan: its pool, or one per VU.
func (w Workload) identities() int {
	if w.Identities != nil && len(w.Identities.Creds) > 0 {
		return len(w.Identities.Creds)
	}
	return w.maxVUs(Segment{})
}
