package scenarios

import (
	"fmt"
	"time"
)

// Timeline is what a run leaves for the oracle: every exchange the harness
// made and every decision its detection sources reported.
type Timeline struct {
	Start     time.Time
	End       time.Time
	Exchanges []Exchange
	Decisions []Decision
	// Dropped counts, per scenario, the iterations an arrival-rate executor
	// could not start because its VU pool was exhausted: an open-model run
	// that dropped iterations sent less load than the plan asked for.
	Dropped map[string]int64 `json:",omitempty"`
}

// Exchange is one request the harness sent and what became of it.
type Exchange struct {
	Scenario string
	VU       int
	// Iteration is the VU's iteration (0-based) the request belongs to: one
	// run of a Program from its first Next until it returns false.
	Iteration int
	Actor     Actor
	// Session names the VU session (one login); benign harm is counted per
	// session.
	Session       string
	Identity      string
	TokenID       string
	Addr          string // client address the request was sent from
	CorrelationID string
	// Fingerprint names the device profile (user agent, client hints,
	// header order) the request was sent with.
	Fingerprint string `json:",omitempty"`
	Method      string
	Route       string // operation path template
	Path        string
	// Abusive marks the requests that carry out the scenario's misuse;
	// set-up requests (a login before enumeration) are not abusive.
	Abusive   bool
	Sent      time.Time
	FirstByte time.Time
	Done      time.Time
	Status    int
	Bytes     int64
	Outcome   Outcome
	// Leak is how many units of the scenario's leak this exchange obtained
	// (foreign records read, discount in cents, ...).
	Leak int
	Err  string `json:",omitempty"`
	// Refused is the redirect location the harness refused to follow
	// because it was off the allow-list: nothing was sent to it.
	Refused string `json:",omitempty"`
}

// Actor is which side of a run an exchange belongs to.
type Actor int

// Actors.
const (
	Benign Actor = iota + 1
	Attacker
)

var actorNames = [...]string{Benign: "benign", Attacker: "attacker"}

func (a Actor) String() string {
	if a > 0 && int(a) < len(actorNames) {
		return actorNames[a]
	}
	return fmt.Sprintf("Actor(%d)", int(a))
}

// MarshalText makes actors readable in JSON reports.
func (a Actor) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads what MarshalText wrote, so timelines spilled to disk
// or merged from shards read back.
func (a *Actor) UnmarshalText(b []byte) error {
	for i, name := range actorNames {
		if name != "" && name == string(b) {
			*a = Actor(i)
			return nil
		}
	}
	return fmt.Errorf("unknown actor %q (want benign or attacker)", b)
}

// Outcome classifies the answer to one request.
type Outcome int

// Outcomes.
const (
	OutcomeUnknown Outcome = iota
	// OutcomeSuccess: the request did what its sender wanted (for an
	// abusive request: the abuse worked).
	OutcomeSuccess
	// OutcomeDenied: a containment answer (401, 403, 423, 429 or a
	// configured signal).
	OutcomeDenied
	// OutcomeFailed: any other non-success answer (404, 400, 5xx).
	OutcomeFailed
	// OutcomeError: no answer (connection refused, timeout).
	OutcomeError
)

var outcomeNames = [...]string{"unknown", "success", "denied", "failed", "error"}

func (o Outcome) String() string {
	if o >= 0 && int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// MarshalText makes outcomes readable in JSON reports.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, name := range outcomeNames {
		if name == string(b) {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("unknown outcome %q (want one of %v)", b, outcomeNames)
}

// DeniedStatus reports whether an HTTP status is a containment answer.
func DeniedStatus(code int) bool {
	switch code {
	case 401, 403, 423, 429:
		return true
	}
	return false
}

// Classify is the default outcome of a status code.
func Classify(code int) Outcome {
	switch {
	case code == 0:
		return OutcomeError
	case DeniedStatus(code):
		return OutcomeDenied
	case code >= 200 && code < 300:
		return OutcomeSuccess
	default:
		return OutcomeFailed
	}
}
