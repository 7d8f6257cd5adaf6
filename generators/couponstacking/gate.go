package couponstacking

import (
	"sync"
	"time"
)

// DefaultGate is how long a race's gate stays open after its first VU is
// ready: VUs whose set-up (login, cart) finishes within it all redeem at
// the instant it closes.
const DefaultGate = 2 * time.Second

// Gate lines up the redemptions of a race, as a race tester's gate holds
// requests back and releases them together (Turbo Intruder's gates): the
// first VU ready sets the release instant Window later, and every VU ready
// before that instant waits for it. The wait is an ordinary Step.Wait
// computed on the executor's clock, so a gate never blocks a VU and works
// the same on the simulated clock. A VU ready after the release starts
// the next round (another iteration's race). Safe for concurrent use.
type Gate struct {
	Window time.Duration

	mu      sync.Mutex
	release time.Time
}

// Wait returns how long a VU ready at now waits before it redeems.
func (g *Gate) Wait(now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.release.IsZero() || now.After(g.release) {
		g.release = now.Add(g.Window)
	}
	return g.release.Sub(now)
}

// gate returns scenario id's gate, shared by its VUs.
func (k *Kind) gate(id string, window time.Duration) *Gate {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.gates == nil {
		k.gates = map[string]*Gate{}
	}
	g, ok := k.gates[id]
	if !ok {
		g = &Gate{Window: window}
		k.gates[id] = g
	}
	return g
}
