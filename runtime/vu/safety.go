package vu

import (
	"sync"
	"time"
)

// bucket is the run's global rate cap, a token bucket kept as the
// theoretical arrival time of the next request (GCRA). Reservations never
// block: the caller learns how long to wait and schedules itself, so the
// cap works the same on a virtual clock.
type bucket struct {
	mu       sync.Mutex
	interval time.Duration
	tau      time.Duration // burst tolerance
	tat      time.Time
}

func newBucket(rate float64, burst int) *bucket {
	iv := time.Duration(float64(time.Second) / rate)
	if iv <= 0 {
		iv = 1
	}
	return &bucket{interval: iv, tau: time.Duration(max(burst, 1)-1) * iv}
}

// reserve takes the next token and returns how long after now it may be
// used.
func (b *bucket) reserve(now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tat.Before(now) {
		b.tat = now
	}
	at := b.tat.Add(-b.tau)
	b.tat = b.tat.Add(b.interval)
	if at.After(now) {
		return at.Sub(now)
	}
	return 0
}
