package oracle

import (
	"strconv"
	"strings"
	"time"
)

// FormatDuration renders an MTTD, MTTC or offset the way a person reads a
// stopwatch: "0s", "7ms", "0.41s", "2.3s", "1m12.5s", "2h3m4s". Reports use
// it too, so that breach messages and tables show the same numbers.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return "-" + FormatDuration(-d)
	}
	switch {
	case d == 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < 10*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		s := strconv.FormatFloat(d.Seconds(), 'f', 2, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		return s + "s"
	case d < time.Hour:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}
