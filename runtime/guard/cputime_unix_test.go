//go:build unix

package guard

import (
	"syscall"
	"time"
)

// processCPU is the process's CPU time so far (user and system), for
// benchmarks to report a cost per request in CPU time: on a shared
// machine, wall time counts the time other processes held the core.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
