package scenarios

import (
	"fmt"
	"time"
)

// Schedule says how many VUs run a scenario and when: the executors of a
// load-testing tool, so that a plan reads the way its users expect.
type Schedule struct {
	Executor Executor
	// Start is the offset from the run's start: attackers start inside a
	// running benign baseline.
	Start time.Duration
	// Duration bounds the executor's run; GracefulStop lets iterations in
	// flight finish after it.
	Duration     time.Duration
	GracefulStop time.Duration
	// VUs is the number of VUs (constant-vus, per-vu-iterations) or the
	// starting number (ramping-vus).
	VUs int
	// Iterations per VU (per-vu-iterations).
	Iterations int
	// Stages ramp VUs (ramping-vus) or the arrival rate
	// (ramping-arrival-rate) linearly to Target over Duration each.
	Stages []Stage
	// Rate iterations start per TimeUnit (arrival-rate executors, an open
	// model); PreAllocatedVUs are ready at the start, MaxVUs bounds the pool.
	Rate            int
	TimeUnit        time.Duration
	PreAllocatedVUs int
	MaxVUs          int
}

// Stage is one step of a ramp.
type Stage struct {
	Duration time.Duration
	Target   int
}

// Executor is a scheduling model.
type Executor int

// Executors.
const (
	ConstantVUs Executor = iota + 1
	RampingVUs
	ConstantArrivalRate
	RampingArrivalRate
	PerVUIterations
)

var executorNames = [...]string{
	ConstantVUs: "constant-vus", RampingVUs: "ramping-vus", ConstantArrivalRate: "constant-arrival-rate",
	RampingArrivalRate: "ramping-arrival-rate", PerVUIterations: "per-vu-iterations",
}

func (e Executor) String() string {
	if e > 0 && int(e) < len(executorNames) {
		return executorNames[e]
	}
	return fmt.Sprintf("Executor(%d)", int(e))
}

// MarshalText makes executors readable in JSON and YAML.
func (e Executor) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// ParseExecutor is the inverse of Executor.String.
func ParseExecutor(s string) (Executor, bool) {
	for e, name := range executorNames {
		if name != "" && name == s {
			return Executor(e), true
		}
	}
	return 0, false
}

// Think is the pause between two requests of one VU.
type Think struct {
	Dist Dist
	// Mean is the average pause; Min and Max bound it (uniform: the
	// range). Sigma shapes log-normal pauses.
	Mean  time.Duration
	Min   time.Duration
	Max   time.Duration
	Sigma float64
}

// Dist is a think-time distribution.
type Dist int

// Distributions.
const (
	Constant Dist = iota
	Uniform
	Exponential
	LogNormal
)

var distNames = [...]string{"constant", "uniform", "exponential", "log-normal"}

func (d Dist) String() string {
	if d >= 0 && int(d) < len(distNames) {
		return distNames[d]
	}
	return fmt.Sprintf("Dist(%d)", int(d))
}

// MarshalText makes distributions readable in JSON and YAML.
func (d Dist) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// ConstantThink is a fixed pause.
func ConstantThink(d time.Duration) Think { return Think{Dist: Constant, Mean: d} }
