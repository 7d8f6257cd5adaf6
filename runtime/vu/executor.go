package vu

import (
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// execution is one workload's executor in one run.
type execution struct {
	w     Workload
	s     scenarios.Schedule
	seg   Segment
	open  bool      // arrival-rate: a fresh Program per iteration
	start time.Time // when the executor starts
	end   time.Time // no iteration starts at or after end
	hard  time.Time // no request is sent at or after hard (end + graceful stop)
	vus   []*vuState
	free  []*vuState // arrival-rate: VUs between iterations; guarded by engine.mu
	pool  int        // arrival-rate: the most VUs it may allocate
	level int        // ramping-vus: global VUs 0..level-1 are active
	// idle: an arrival-rate executor this segment has no share of (more
	// runners than its max VUs).
	idle bool
	// srcBase is the first source address index of the workload's
	// identities, so two workloads never share a source.
	srcBase int
	arr     arrivals
	stats   Stats
}

// vuState is everything a VU is between two steps. It is owned by whoever
// holds it: the heap, or the one worker running its step.
type vuState struct {
	// The fields a step reads come first, so a VU's step touches few
	// cache lines: with thousands of VUs each one's state is cold.
	x    *execution
	g    int // global index
	prog scenarios.Program
	id   *identityState
	prev *scenarios.Result // nil or &res
	iter int               // iterations begun
	// iterSent is sent when the current iteration began: an iteration
	// that ends with sent == iterSent sent nothing.
	iterSent int
	sent     int
	// pending: step is chosen and waits to be sent; reserved: its rate-cap
	// token is already taken; first: the next request opens an iteration.
	pending, reserved, first bool
	ticket                   bool // arrival-rate: an iteration is assigned
	// running is guarded by engine.mu: the VU is in the heap or at a
	// worker. active and stopAt are written by ramp events while a worker
	// may read them.
	running bool
	active  atomic.Bool
	stopAt  atomic.Int64
	// rng is rnd over pcg once the VU first thinks, held in the state
	// rather than apart from it.
	rng  *rand.Rand
	step scenarios.Step
	rnd  rand.Rand
	pcg  rand.PCG
	// memo and lines are the VU's header lines on the wall clock, reused
	// from request to request (fieldMemo.fields).
	memo  fieldMemo
	lines []hfield
	// wire and ex are the request and exchange being sent on the wall
	// clock (engine.scratchOf), filled in place (a local escaped to the
	// heap: one 350-byte allocation a request); ex is handed to the
	// recorder.
	wire wireRequest
	ex   scenarios.Exchange
	// res is the answer the Program is handed next (prev), reused from
	// request to request; answer holds its header and body when a
	// Runner's Handler served it.
	res    scenarios.Result
	answer answerBuf
	// corr is the last correlation id, its first corrLen bytes the
	// VU's own prefix (correlationID).
	corr    []byte
	corrLen int
}

// endIteration drops v's Program and its last answer, so a VU between
// iterations (or retired) holds no response body: only its empty header
// map stays, for the next iteration's answers.
func (v *vuState) endIteration() {
	v.prog, v.prev, v.res = nil, nil, scenarios.Result{}
	v.answer.drop()
}

func newExecution(w Workload, seg Segment, t0 time.Time) *execution {
	s := w.schedule()
	x := &execution{w: w, s: s, seg: seg, start: t0.Add(s.Start)}
	x.end = x.start.Add(s.Duration)
	x.hard = x.end.Add(s.GracefulStop)
	x.stats.Scenario = w.Scenario
	x.open = s.Executor == scenarios.ConstantArrivalRate || s.Executor == scenarios.RampingArrivalRate
	if x.open {
		x.arr = newArrivals(s)
		var ok bool
		if x.seg, ok = seg.within(s.MaxVUs); !ok {
			x.idle = true
			return x
		}
		x.pool = max(1, x.seg.Share(s.MaxVUs))
		for range min(x.pool, max(1, x.seg.Share(s.PreAllocatedVUs))) {
			x.newVU()
		}
		x.free = append(x.free, x.vus...)
		return x
	}
	for range w.maxVUs(seg) {
		x.newVU()
	}
	return x
}

func (x *execution) newVU() *vuState {
	v := &vuState{x: x, g: x.seg.Global(len(x.vus))}
	v.stopAt.Store(x.hard.UnixNano())
	x.vus = append(x.vus, v)
	return v
}

// schedule puts the executor's controller events on the heap; the caller
// holds e.mu.
func (x *execution) schedule(e *engine) {
	switch x.s.Executor {
	case scenarios.ConstantVUs, scenarios.PerVUIterations:
		e.pushLocked(task{at: x.start, fn: func(now time.Time) {
			for _, v := range x.vus {
				v.active.Store(true)
				e.startLocked(v, now)
			}
		}})
	case scenarios.RampingVUs:
		x.scheduleRamp(e)
	default:
		if !x.idle {
			x.scheduleArrival(e, x.seg.I%x.seg.n())
		}
	}
}

// startLocked sets v running now unless it already is.
func (e *engine) startLocked(v *vuState, now time.Time) {
	if v.running {
		return
	}
	v.running = true
	v.x.stats.VUs.Add(1)
	e.pushLocked(task{at: now, vu: v})
}

// scheduleRamp turns the stages into one event per VU started or stopped:
// going from a to b VUs over d starts VU k at d*(k-a)/(b-a).
func (x *execution) scheduleRamp(e *engine) {
	level := func(n int, at time.Time) {
		e.pushLocked(task{at: at, fn: func(now time.Time) { x.setLevel(e, n, now) }})
	}
	level(x.s.VUs, x.start)
	a, off := x.s.VUs, time.Duration(0)
	for _, st := range x.s.Stages {
		b := st.Target
		for k := a + 1; k <= b; k++ {
			level(k, x.start.Add(off+time.Duration(int64(st.Duration)*int64(k-a)/int64(b-a))))
		}
		for k := a - 1; k >= b; k-- {
			level(k, x.start.Add(off+time.Duration(int64(st.Duration)*int64(a-k)/int64(a-b))))
		}
		a, off = b, off+st.Duration
	}
}

// setLevel makes global VUs 0..n-1 active and stops the others after a
// graceful stop; only this segment's VUs between the old and the new level
// are touched.
func (x *execution) setLevel(e *engine, n int, now time.Time) {
	for g := min(x.level, n); g < max(x.level, n); g++ {
		if !x.seg.Owns(g) {
			continue
		}
		v := x.vus[g/x.seg.n()]
		on := g < n
		v.active.Store(on)
		if on {
			v.stopAt.Store(x.hard.UnixNano())
			e.startLocked(v, now)
			continue
		}
		v.stopAt.Store(min(now.Add(x.s.GracefulStop).UnixNano(), x.hard.UnixNano()))
	}
	x.level = n
}

// scheduleArrival puts iteration k's arrival on the heap; each arrival
// schedules the segment's next one.
func (x *execution) scheduleArrival(e *engine, k int) {
	off, ok := x.arr.at(k)
	if !ok {
		return
	}
	e.pushLocked(task{at: x.start.Add(off), fn: func(now time.Time) {
		x.arrive(e, now)
		x.scheduleArrival(e, k+x.seg.n())
	}})
}

// arrive starts one iteration on a free VU, allocating one while the pool
// is below its maximum; past it the iteration is dropped and counted.
func (x *execution) arrive(e *engine, now time.Time) {
	var v *vuState
	switch {
	case len(x.free) > 0:
		v = x.free[len(x.free)-1]
		x.free = x.free[:len(x.free)-1]
	case len(x.vus) < x.pool:
		v = x.newVU()
	default:
		x.stats.Dropped.Add(1)
		return
	}
	v.ticket = true
	e.startLocked(v, now)
}

// mayBegin reports whether v starts another iteration at now.
func (x *execution) mayBegin(v *vuState, now time.Time) bool {
	if x.w.Done != nil && x.w.Done() {
		v.ticket = false
		return false
	}
	if x.open {
		t := v.ticket
		v.ticket = false
		return t
	}
	if !now.Before(x.end) {
		return false
	}
	if x.s.Executor == scenarios.PerVUIterations {
		return v.iter < x.s.Iterations
	}
	return v.active.Load()
}

// retire takes v off the schedule: back to the pool for arrival-rate
// executors, done for the others until a ramp starts it again.
func (e *engine) retire(v *vuState) {
	e.mu.Lock()
	v.running = false
	v.pending, v.reserved = false, false
	if v.prog != nil {
		v.endIteration()
		v.x.stats.Interrupted.Add(1)
	}
	v.x.stats.VUs.Add(-1)
	if v.x.open {
		v.ticket = false
		v.x.free = append(v.x.free, v)
	}
	e.mu.Unlock()
}
