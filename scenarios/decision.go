package scenarios

import (
	"fmt"
	"time"
)

// Event is one exchange as the runtime monitor sees it: who asked for what,
// and how the target answered. The guard builds it; the monitor enriches it
// (Route, ObjectID, Identity) and scores it.
type Event struct {
	Time   time.Time // when the request arrived
	Method string
	Path   string
	// Route is the Surface path template the path matched, "" if none.
	Route string
	// ObjectID is the value of the route's object-id parameter, if any.
	ObjectID string
	// Identity is the account behind the request ("" if unknown); TokenID
	// names its bearer token (see TokenID).
	Identity string
	TokenID  string
	Addr     string // client IP address
	Status   int
	Bytes    int64
	Latency  time.Duration
}

// Subject is what a decision applies to.
type Subject struct {
	Kind  SubjectKind
	Value string
}

func (s Subject) String() string { return s.Kind.String() + ":" + s.Value }

// SubjectKind says what a Subject's value names.
type SubjectKind int

// Subject kinds.
const (
	SubjectIdentity SubjectKind = iota + 1
	SubjectToken
	SubjectAddress
)

var subjectKindNames = [...]string{SubjectIdentity: "identity", SubjectToken: "token", SubjectAddress: "address"}

func (k SubjectKind) String() string {
	if k > 0 && int(k) < len(subjectKindNames) {
		return subjectKindNames[k]
	}
	return fmt.Sprintf("SubjectKind(%d)", int(k))
}

// Action is what a decision asks the guard to do.
type Action int

// Actions, from mildest to harshest.
const (
	ActionAlert Action = iota + 1 // record only
	ActionBlock                   // deny every request of the subject until the decision expires
)

var actionNames = [...]string{ActionAlert: "alert", ActionBlock: "block"}

func (a Action) String() string {
	if a > 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// MarshalText makes actions readable in JSON reports.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// MarshalText makes subject kinds readable in JSON reports.
func (k SubjectKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Decision is the monitor's verdict on a subject: a detection, and when
// enforced, a containment the guard applies until Expires.
type Decision struct {
	ID       string
	Time     time.Time
	Subject  Subject
	Action   Action
	Expires  time.Time
	Detector string
	Reason   string
	// Enforced is false when the guard only observes (shadow mode).
	Enforced bool
}
