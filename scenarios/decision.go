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

	// Fingerprint names the client device without revealing its headers:
	// a hash of its User-Agent, Accept-Language, client hints and header
	// order, so one device keeps one name across addresses and tokens.
	Fingerprint string `json:",omitempty"`
	// Geo is the client's location hint from a configured header (a
	// country or region code, or "lat,lon"), "" when none.
	Geo string `json:",omitempty"`
	// Username is the account a login exchange tried, whatever its outcome
	// (Status says it).
	Username string `json:",omitempty"`
	// Coupon is the code a coupon redemption tried; Cart names the cart it
	// was applied to, when the request says.
	Coupon string `json:",omitempty"`
	Cart   string `json:",omitempty"`
	// Units is how many units an add-to-cart (or reservation) request
	// asked to hold: its body's quantity, 1 when it names none; 0 for
	// other requests. The monitor counts units held unpaid (hoarding).
	Units int `json:",omitempty"`
	// CorrelationID is the harness's correlation header of the request
	// (CorrelationHeader), "" for traffic that carries none. A decision
	// the request trips names it, so the oracle ties the decision to the
	// scenario that sent it whatever the decision's subject (a device
	// hash no exchange records).
	CorrelationID string `json:",omitempty"`
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
	// SubjectFingerprint names a device (Event.Fingerprint).
	SubjectFingerprint
)

var subjectKindNames = [...]string{
	SubjectIdentity: "identity", SubjectToken: "token", SubjectAddress: "address", SubjectFingerprint: "fingerprint",
}

// ParseSubjectKind is the inverse of SubjectKind.String, for policies.
func ParseSubjectKind(s string) (SubjectKind, bool) {
	for k, name := range subjectKindNames {
		if name != "" && name == s {
			return SubjectKind(k), true
		}
	}
	return 0, false
}

func (k SubjectKind) String() string {
	if k > 0 && int(k) < len(subjectKindNames) {
		return subjectKindNames[k]
	}
	return fmt.Sprintf("SubjectKind(%d)", int(k))
}

// Action is what a decision asks the guard to do.
type Action int

// Actions. Their numeric order is historical; Severity orders them from
// mildest to harshest.
const (
	ActionAlert Action = iota + 1 // record only
	ActionBlock                   // deny every request of the subject until the decision expires
	// ActionThrottle answers 429 once the subject's adaptive token bucket
	// is empty.
	ActionThrottle
	// ActionChallenge answers 401 with a challenge header, so a human can
	// prove itself (captcha, step-up) where a bot cannot.
	ActionChallenge
	// ActionRevoke refuses the subject's bearer token from now on: the
	// account may log in again, the stolen or shared token is dead.
	ActionRevoke
)

var actionNames = [...]string{
	ActionAlert: "alert", ActionBlock: "block", ActionThrottle: "throttle",
	ActionChallenge: "challenge", ActionRevoke: "revoke",
}

var actionSeverity = [...]int{ActionAlert: 1, ActionThrottle: 2, ActionChallenge: 3, ActionRevoke: 4, ActionBlock: 5}

// Severity orders actions from mildest (alert) to harshest (block), so an
// escalation or a merge of decisions keeps the harsher one.
func (a Action) Severity() int {
	if a > 0 && int(a) < len(actionSeverity) {
		return actionSeverity[a]
	}
	return 0
}

// Contains reports whether the action denies requests (anything but an
// alert).
func (a Action) Contains() bool { return a.Severity() > 1 }

// ParseAction is the inverse of Action.String, for policies.
func ParseAction(s string) (Action, bool) {
	for a, name := range actionNames {
		if name != "" && name == s {
			return Action(a), true
		}
	}
	return 0, false
}

// UnmarshalText reads an action as MarshalText writes it.
func (a *Action) UnmarshalText(b []byte) error {
	v, ok := ParseAction(string(b))
	if !ok {
		return fmt.Errorf("unknown action %q (want alert, throttle, challenge, revoke or block)", b)
	}
	*a = v
	return nil
}

// UnmarshalText reads a subject kind as MarshalText writes it.
func (k *SubjectKind) UnmarshalText(b []byte) error {
	v, ok := ParseSubjectKind(string(b))
	if !ok {
		return fmt.Errorf("unknown subject kind %q (want identity, token, address or fingerprint)", b)
	}
	*k = v
	return nil
}

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
	// Score is the subject's risk score when the decision was taken, and
	// Reasons its top contributions, strongest first, so every decision
	// explains itself.
	Score   float64  `json:",omitempty"`
	Reasons []string `json:",omitempty"`
	// Rule names the policy rule that decided; Level counts escalations
	// (0 for a first decision on the subject).
	Rule  string `json:",omitempty"`
	Level int    `json:",omitempty"`
	// CorrelationID is the harness request a decision names (the
	// X-Abusegate-Correlation header it saw): the request that tripped the
	// built-in monitor, or the one an external detector's alert names. A
	// decision on a subject no exchange records (a device hash) is still
	// attributed.
	CorrelationID string `json:",omitempty"`
}
