package monitor

import "time"

// Config tunes the built-in detectors and the policy. Zero fields take the
// defaults of withDefaults, so Config{} is a sensible monitor.
type Config struct {
	// Window is how far back the sliding-window detectors look.
	Window time.Duration
	// DistinctObjects is how many distinct objects of one object-read
	// route a subject may read within Window before it is blocked.
	DistinctObjects int
	// BlockTTL is how long a block decision lasts.
	BlockTTL time.Duration
}

// Defaults applied by withDefaults.
const (
	defaultWindow          = 10 * time.Second
	defaultDistinctObjects = 20
	defaultBlockTTL        = 5 * time.Minute
)

func (c Config) withDefaults() Config {
	if c.Window <= 0 {
		c.Window = defaultWindow
	}
	if c.DistinctObjects <= 0 {
		c.DistinctObjects = defaultDistinctObjects
	}
	if c.BlockTTL <= 0 {
		c.BlockTTL = defaultBlockTTL
	}
	return c
}
