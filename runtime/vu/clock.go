package vu

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is where the executor gets time: real for live runs, virtual for
// simulated ones. Nothing in the engine reads the wall clock directly.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first, and
	// returns ctx.Err() in the latter case.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// virtualClock is a Clock the engine may move itself. Given one, a Runner
// runs as a discrete-event loop: it jumps from one scheduled event to the
// next instead of waiting, one VU step at a time, so a run is deterministic
// for a given seed and an hour of pacing takes no wall time.
type virtualClock interface {
	Clock
	AdvanceTo(t time.Time)
}

// SimClock is virtual time: it moves only when told (Advance, AdvanceTo),
// never by itself. Sleepers wake, in deadline order, when time passes their
// deadline. The simulated executor (and every schedule test) runs on it.
// It is safe for concurrent use. It reads in start's location, without a
// monotonic reading; the zero value starts at the zero Time.
type SimClock struct {
	loc *time.Location // nil: UTC
	// sec and nsec are the start, in seconds since the zero Time, and at
	// the time since, in nanoseconds: Now, which the engine, the guard
	// and the monitor ask several times a request, reads it without a
	// lock. It is written under mu.
	sec, nsec int64
	at        atomic.Int64
	mu        sync.Mutex
	sleepers  []*sleeper
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

// NewSimClock returns a simulated clock reading start.
func NewSimClock(start time.Time) *SimClock {
	return &SimClock{loc: start.Location(), sec: start.Unix() - zeroUnix, nsec: int64(start.Nanosecond())}
}

// zeroUnix is the zero Time's Unix time, time.Time{}.Unix().
const zeroUnix = -62135596800

// Now implements Clock.
func (c *SimClock) Now() time.Time {
	loc := c.loc
	if loc == nil {
		loc = time.UTC
	}
	return time.Unix(c.sec+zeroUnix, c.nsec+c.at.Load()).In(loc)
}

// maxSimSeconds bounds how far from its start a SimClock goes, so its
// time since start, in nanoseconds, stays an int64 (as Time.Sub saturates).
const maxSimSeconds = math.MaxInt64/int64(time.Second) - 1

// since is t's time since the start in nanoseconds, saturated at
// maxSimSeconds.
func (c *SimClock) since(t time.Time) int64 {
	s := t.Unix() - zeroUnix - c.sec
	switch {
	case s > maxSimSeconds:
		return maxSimSeconds * int64(time.Second)
	case s < -maxSimSeconds:
		return -maxSimSeconds * int64(time.Second)
	}
	return s*int64(time.Second) + int64(t.Nanosecond()) - c.nsec
}

// Sleep implements Clock: it blocks until another goroutine advances the
// clock by at least d, or ctx is done.
func (c *SimClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	s := &sleeper{until: c.Now().Add(d), wake: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for i, o := range c.sleepers {
			if o == s {
				c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the clock forward by d.
func (c *SimClock) Advance(d time.Duration) { c.AdvanceTo(c.Now().Add(d)) }

// AdvanceTo moves the clock to t (never backwards) and wakes the sleepers
// whose deadline has come.
func (c *SimClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	if d := c.since(t); d > c.at.Load() {
		c.at.Store(d)
	}
	if len(c.sleepers) > 0 {
		now := c.Now()
		kept := c.sleepers[:0]
		for _, s := range c.sleepers {
			if s.until.After(now) {
				kept = append(kept, s)
				continue
			}
			close(s.wake)
		}
		c.sleepers = kept
	}
	c.mu.Unlock() // no defer: the engine moves it once a request
}

// Sleepers is how many goroutines wait on the clock, so a test can advance
// it only once they all do.
func (c *SimClock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}
