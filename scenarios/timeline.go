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
}

// Exchange is one request the harness sent and what became of it.
type Exchange struct {
	Scenario string
	VU       int
	Actor    Actor
	// Session names the VU session (one login); benign harm is counted per
	// session.
	Session       string
	Identity      string
	TokenID       string
	Addr          string // client address the request was sent from
	CorrelationID string
	Method        string
	Route         string // operation path template
	Path          string
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
