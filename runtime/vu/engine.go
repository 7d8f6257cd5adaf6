package vu

import (
	"context"

	"github.com/abusegate/abusegate/scenarios"
	"sync"
	"sync/atomic"
	"time"
)

// engine schedules VU state machines on a timer heap and an elastic pool of
// workers: a VU waiting for its next request is a heap entry, not a parked
// goroutine, so ten thousand paced VUs cost their state and the few
// workers that are busy at any moment.
//
// With a virtual clock the same heap is run as a discrete-event loop on one
// goroutine: pop the earliest event, move the clock to it, run it.
type engine struct {
	r       *Runner
	base    baseURL // r.Target
	clock   Clock
	virtual virtualClock
	// instant is the simulated clock's reading while the loop runs a
	// step: only the loop moves it, between steps, so a step and its
	// exchanges, sent in process in no time, read it here (now).
	instant time.Time
	// leanHTTP sends plain-HTTP requests over the lean client; wall gives
	// its I/O deadlines, which the kernel keeps on the wall clock.
	leanHTTP bool
	wall     func() time.Time

	mu    sync.Mutex
	tasks taskHeap
	// items are the tasks in the heap, by entry.ref; free are the
	// indexes of items not in use.
	items []task
	free  []int
	// epoch is when the run began; a task's key is its time from epoch.
	epoch    time.Time
	seq      uint64
	inflight int
	workers  int // only the dispatcher reads and writes it
	max      int
	wake     chan struct{}
	ready    chan *vuState

	// shared are the in-process scratches on the simulated clock, most
	// recently used first (engine.scratch).
	shared []*inproc
	// ex and wire are the exchange and request being sent on the
	// simulated clock (send).
	ex   scenarios.Exchange
	wire wireRequest
	// lines are the header lines of a request with Program headers on the
	// simulated clock (fieldMemo.fields).
	lines []hfield
	// bases are the identities' own header lines (linesOf), shapes
	// their names' layouts.
	linesMu sync.Mutex
	bases   map[baseKey]*baseFields
	shapes  map[string]*lineShape

	rec      *Recorder
	stopping atomic.Bool
	budget   atomic.Bool
	errMu    sync.Mutex
	err      error
	// reqCtx outlives the run's ctx by the grace period, so requests in
	// flight at cancellation can finish.
	reqCtx context.Context
}

// task is what the heap schedules: a VU due to run its next step, or a
// controller event of an executor (start VUs, ramp, an arrival).
type task struct {
	at time.Time
	vu *vuState
	fn func(now time.Time)
}

// entry is a task's place in the heap: its time as the time since the
// engine's epoch (monotonic when the clock has a reading, as at.Before
// would compare), worked out once at push, so the heap compares integers,
// not times; and the task's index in engine.items. It holds no pointer,
// so moving entries costs no write barrier, and the heap of a few
// thousand VUs stays in the L1 cache.
type entry struct {
	key int64
	seq uint64
	ref int
}

// taskHeap is a binary min-heap of entries by (key, seq), typed so a push
// or pop neither boxes an entry nor calls through an interface.
type taskHeap []entry

func (h taskHeap) less(i, j int) bool {
	if a, b := h[i].key, h[j].key; a != b {
		return a < b
	}
	return h[i].seq < h[j].seq
}

// before is less for an entry not (yet) in the heap.
func before(a, b *entry) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return a.seq < b.seq
}

// push and pop move a hole rather than swap: each level writes one entry
// instead of two. The comparisons, and so the order, are a swapping
// heap's.
func (h *taskHeap) push(t entry) {
	*h = append(*h, entry{})
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !before(&t, &s[p]) {
			break
		}
		s[i] = s[p]
		i = p
	}
	s[i] = t
}

func (h *taskHeap) pop() entry {
	s := *h
	t := s[0]
	n := len(s) - 1
	last := s[n]
	s = s[:n]
	if n > 0 {
		i := 0
		for {
			l := 2*i + 1
			if l >= n {
				break
			}
			m := l
			if r := l + 1; r < n && s.less(r, l) {
				m = r
			}
			if !before(&s[m], &last) {
				break
			}
			s[i] = s[m]
			i = m
		}
		s[i] = last
	}
	*h = s
	return t
}

// push schedules v at at; the caller must not hold mu.
func (e *engine) push(v *vuState, at time.Time) {
	e.mu.Lock()
	e.pushLocked(task{at: at, vu: v})
	e.mu.Unlock()
	if e.virtual == nil { // the simulated loop is the one pushing
		e.signal()
	}
}

// pushLocked adds a task; the caller holds mu (controller events do).
func (e *engine) pushLocked(t task) {
	e.seq++
	var ref int
	if n := len(e.free); n > 0 {
		ref = e.free[n-1]
		e.free = e.free[:n-1]
		e.items[ref] = t
	} else {
		ref = len(e.items)
		e.items = append(e.items, t)
	}
	e.tasks.push(entry{key: int64(t.at.Sub(e.epoch)), seq: e.seq, ref: ref})
}

// popLocked takes the earliest task off the heap; the caller holds mu.
func (e *engine) popLocked() task {
	ref := e.tasks.pop().ref
	t := e.items[ref]
	e.items[ref] = task{}
	e.free = append(e.free, ref)
	return t
}

// now is the time as the engine stamps a step and its exchange: the
// clock's, or on the simulated clock the loop's instant.
func (e *engine) now() time.Time {
	if e.virtual != nil {
		return e.instant
	}
	return e.clock.Now()
}

func (e *engine) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// fail records the first fatal error and stops the run.
func (e *engine) fail(err error) {
	e.errMu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.errMu.Unlock()
	e.stop()
}

func (e *engine) stop() {
	e.stopping.Store(true)
	e.signal()
}

// loop runs until every VU has retired and no event is left, or until the
// run stops and the steps in flight have returned.
func (e *engine) loop(ctx context.Context) {
	if e.virtual != nil {
		e.loopVirtual()
		return
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		e.mu.Lock()
		if e.inflight == 0 && (e.stopping.Load() || len(e.tasks) == 0) {
			e.mu.Unlock()
			close(e.ready)
			e.drain()
			return
		}
		wait := time.Hour
		if !e.stopping.Load() && len(e.tasks) > 0 {
			now := e.clock.Now()
			if t := e.items[e.tasks[0].ref]; !t.at.After(now) {
				e.popLocked()
				if t.fn != nil {
					t.fn(now)
					e.mu.Unlock()
					continue
				}
				e.inflight++
				e.mu.Unlock()
				e.dispatch(t.vu)
				continue
			} else {
				wait = t.at.Sub(now)
			}
		}
		e.mu.Unlock()
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-e.wake:
		case <-ctx.Done():
			e.stop()
		}
	}
}

// dispatch hands v to an idle worker, or to a new one while the pool is
// below its maximum; past it, it waits for a worker.
func (e *engine) dispatch(v *vuState) {
	select {
	case e.ready <- v:
		return
	default:
	}
	if e.workers < e.max {
		e.workers++
		go e.worker(v)
		return
	}
	e.ready <- v
}

func (e *engine) worker(v *vuState) {
	for {
		e.step(v)
		e.mu.Lock()
		e.inflight--
		idle := e.inflight == 0
		e.mu.Unlock()
		if idle {
			e.signal()
		}
		var ok bool
		if v, ok = <-e.ready; !ok {
			return
		}
	}
}

// drain retires the VUs still waiting on the heap when the run stops, so
// an iteration cut short while its VU waited counts as interrupted like
// one cut short at a worker.
func (e *engine) drain() {
	e.mu.Lock()
	var waiting []*vuState
	for _, t := range e.tasks {
		if v := e.items[t.ref].vu; v != nil {
			waiting = append(waiting, v)
		}
	}
	e.tasks, e.items, e.free = nil, nil, nil
	e.mu.Unlock()
	for _, v := range waiting {
		e.retire(v)
	}
}

func (e *engine) loopVirtual() {
	for {
		e.mu.Lock()
		if e.stopping.Load() || len(e.tasks) == 0 {
			e.mu.Unlock()
			e.drain()
			return
		}
		t := e.popLocked()
		e.virtual.AdvanceTo(t.at)
		e.instant = e.clock.Now()
		if t.fn != nil {
			t.fn(t.at)
			e.mu.Unlock()
			continue
		}
		e.mu.Unlock()
		e.step(t.vu)
	}
}
