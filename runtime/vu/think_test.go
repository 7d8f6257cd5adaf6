package vu

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/scenarios"
)

func TestPause(t *testing.T) {
	tests := []struct {
		name   string
		think  scenarios.Think
		lo, hi time.Duration // every draw within
		meanLo time.Duration // the mean of 10,000 draws within
		meanHi time.Duration
	}{
		{"constant", scenarios.ConstantThink(20 * time.Millisecond), 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond},
		{"uniform", scenarios.Think{Dist: scenarios.Uniform, Min: 100 * time.Millisecond, Max: 300 * time.Millisecond}, 100 * time.Millisecond, 300 * time.Millisecond, 190 * time.Millisecond, 210 * time.Millisecond},
		{"exponential", scenarios.Think{Dist: scenarios.Exponential, Mean: time.Second}, 0, time.Hour, 950 * time.Millisecond, 1050 * time.Millisecond},
		{"exponential capped", scenarios.Think{Dist: scenarios.Exponential, Mean: time.Second, Max: 2 * time.Second}, 0, 2 * time.Second, 800 * time.Millisecond, 900 * time.Millisecond},
		{"log-normal", scenarios.Think{Dist: scenarios.LogNormal, Mean: time.Second, Sigma: 0.5}, 0, time.Hour, 1080 * time.Millisecond, 1180 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var sum time.Duration
			const n = 10_000
			for range n {
				d := pause(tt.think, rng)
				assert.GreaterOrEqual(t, d, tt.lo)
				assert.LessOrEqual(t, d, tt.hi)
				sum += d
			}
			mean := sum / n
			assert.GreaterOrEqual(t, mean, tt.meanLo)
			assert.LessOrEqual(t, mean, tt.meanHi)
		})
	}
}
