package guard

import "fmt"

// Mode is how much the guard does besides proxying, so a team can roll it
// out in shadow first and enforce once the decisions look right.
type Mode int

// Modes, from least to most intrusive.
const (
	// Off proxies without monitoring: the baseline.
	Off Mode = iota + 1
	// Observe scores traffic and records decisions (Enforced=false) but
	// denies nothing.
	Observe
	// Enforce records decisions and denies their subjects.
	Enforce
)

var modeNames = [...]string{Off: "off", Observe: "observe", Enforce: "enforce"}

// String is the mode's name as ParseMode reads it.
func (m Mode) String() string {
	if m > 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// MarshalText makes modes readable in JSON reports and logs.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// ParseMode reads a mode as written on the command line or in a plan.
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if name != "" && name == s {
			return Mode(m), nil
		}
	}
	return 0, fmt.Errorf("guard: unknown mode %q (want off, observe or enforce)", s)
}

func (m Mode) valid() bool { return m >= Off && m <= Enforce }
