//go:build !unix

package monitor

import "time"

// processCPU is not measured outside unix.
func processCPU() (time.Duration, bool) { return 0, false }
