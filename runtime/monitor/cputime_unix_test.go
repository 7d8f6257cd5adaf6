//go:build unix

package monitor

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used so far (user and
// system), so a benchmark can report its cost per operation in CPU time,
// which other processes on a shared machine disturb far less than wall
// time.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
