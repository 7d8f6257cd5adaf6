package oracle

import "fmt"

// Status is the one-word answer to "what happened to this attack", so that
// reports and exit codes agree on the same few states.
type Status int

// Statuses, from best to worst for the defender. NoAttack means the harness
// never carried out the misuse, so nothing could be measured.
const (
	Contained Status = iota + 1
	DetectedNotContained
	Undetected
	NoAttack
)

var statusNames = [...]string{
	Contained:            "contained",
	DetectedNotContained: "detected, not contained",
	Undetected:           "not detected",
	NoAttack:             "no attack",
}

func (s Status) String() string {
	if s > 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText makes statuses readable in JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
