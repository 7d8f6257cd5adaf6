package vu

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// inlineSteps bounds how many requests a VU with no wait sends in a row
// before it goes back to the heap, so VUs share workers fairly.
const inlineSteps = 16

// emptyIterationPause is how long, in simulated time, a VU of a closed
// executor waits after an iteration that sent no request before it begins
// the next one (in real time the wall clock moves on by itself).
const emptyIterationPause = time.Second

// step runs VU v until it has to wait (it goes back on the heap) or stops
// (it retires). Only the holder of v calls it.
func (e *engine) step(v *vuState) {
	x := v.x
	for n := 0; ; n++ {
		if e.stopping.Load() {
			e.retire(v)
			return
		}
		now := e.now()
		if !v.pending {
			if v.prog == nil {
				if !x.mayBegin(v, now) || !e.begin(v) {
					e.retire(v)
					return
				}
			}
			st, ok := v.prog.Next(v.prev)
			if !ok {
				v.endIteration()
				x.stats.Iterations.Add(1)
				if e.virtual != nil && !x.open && v.sent == v.iterSent {
					// An iteration that sent nothing would begin again at
					// the same virtual instant, forever: the next one
					// waits, so the simulated clock moves on.
					at := now.Add(emptyIterationPause)
					if at.UnixNano() >= v.stopAt.Load() {
						e.retire(v)
						return
					}
					e.push(v, at)
					return
				}
				continue
			}
			wait := st.Wait
			if (x.open && !v.first) || (!x.open && v.sent > 0) {
				if v.rng == nil {
					v.pcg.Seed(x.w.Seed, uint64(v.g)) // as rand.NewPCG
					v.rnd = *rand.New(&v.pcg)
					v.rng = &v.rnd
				}
				wait += pause(x.w.Think, v.rng)
			}
			v.step, v.pending = st, true
			if wait > 0 {
				at := now.Add(wait)
				if at.UnixNano() >= v.stopAt.Load() {
					e.retire(v)
					return
				}
				e.push(v, at)
				return
			}
		}
		if now.UnixNano() >= v.stopAt.Load() {
			e.retire(v)
			return
		}
		if e.r.limit != nil && !v.reserved {
			if d := e.r.limit.reserve(now); d > 0 {
				v.reserved = true
				e.push(v, now.Add(d))
				return
			}
		}
		if e.r.sent.Add(1) > e.r.MaxRequests {
			e.budget.Store(true)
			e.stop()
			e.retire(v)
			return
		}
		// The VU's own Result, filled in place: the Program may use it
		// until its next Next returns (scenarios.Result).
		e.send(v, &v.res)
		v.prev = &v.res
		v.pending, v.reserved, v.first = false, false, false
		v.sent++
		if n >= inlineSteps {
			e.push(v, e.now())
			return
		}
	}
}

// begin starts v's next iteration with a fresh Program.
func (e *engine) begin(v *vuState) bool {
	x := v.x
	e.identify(v, true)
	it := Iteration{VU: v.g, N: v.iter}
	if v.id != nil {
		it.Identity = v.id.cred
	}
	prog, err := x.w.program(it)
	if err != nil {
		e.fail(fmt.Errorf("vu: %s vu %d iteration %d: %w", x.w.Scenario, v.g, v.iter, err))
		return false
	}
	v.prog, v.prev, v.first = prog, nil, true
	v.iter++
	v.iterSent = v.sent
	return true
}
