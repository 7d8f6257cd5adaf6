package monitor

import "log/slog"

// Config sets up a Monitor. Config{} is a sensible monitor: the embedded
// default policy, bounded tables.
type Config struct {
	// Policy holds the detectors' thresholds, the risk weights and the
	// rules; nil means DefaultPolicy().
	Policy *Policy
	// IDPrefix starts every decision id, so replicas sharing a decision
	// store never mint the same id ("d-<prefix>-000001").
	IDPrefix string
	// MaxKeys bounds each detector table (subjects, walks, sessions);
	// when full, an arbitrary entry makes room. Zero means 1<<20.
	MaxKeys int
	// Seed seeds the hashes the detectors key their tables and coverage
	// sketches on. Zero means a fixed built-in seed, so the same events
	// give the same decisions in every run (simulations are byte-identical
	// for a plan's seed); a guard facing the internet may set a secret one
	// so no one can precompute colliding keys.
	Seed uint64
	// Logger receives the monitor's operational messages; nil discards.
	Logger *slog.Logger
}

const defaultMaxKeys = 1 << 20

func (c Config) withDefaults() Config {
	if c.Policy == nil {
		c.Policy = DefaultPolicy()
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = defaultMaxKeys
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
