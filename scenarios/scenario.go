package scenarios

import (
	"net/http"
	"strings"
	"time"
)

// Scenario is one misuse to run: which kind of abuse, against which
// operations, by whom, how hard, and the SLA it is judged by.
type Scenario struct {
	// ID is unique within a plan, such as "enumeration-get-users-id".
	ID string
	// Kind is the generator's id, such as "rest.enumeration".
	Kind  string
	Title string
	// Question is the misuse question the scenario answers.
	Question string
	// Operations are the Surface operation keys ("GET /users/{id}") the
	// scenario abuses, with why each was chosen.
	Operations []Target
	// LeakUnit names what Exchange.Leak counts, such as "foreign records".
	LeakUnit   string
	Identities []Identity
	Schedule   Schedule
	// Think is the pause between two requests of one VU.
	Think Think
	// Params holds kind-specific settings (id ranges, codes), as strings.
	Params map[string]string
	SLA    SLA
}

// Target is an operation a scenario uses and the reason it was picked.
type Target struct {
	Operation string
	Why       string
}

// Identity is an account a VU acts as.
type Identity struct {
	Username string
	Password string `json:"-"`
	// UserID is the account's own object id, when known; reading any other
	// id is a foreign read.
	UserID string
	// Credential, when set, is a static credential issued elsewhere that
	// the identity sends instead of logging in: "api-key" or "bearer" (Key),
	// or "basic" (Username and Password as HTTP basic auth).
	Credential string
	Key        string `json:"-"`
}

// SLA is what a scenario must achieve to pass the gate. Zero durations and
// negative counts mean "no bound".
type SLA struct {
	MTTD      time.Duration
	MTTC      time.Duration
	MaxLeak   int
	MaxBenign int
	// MaxSuccess is the abusive success rate below which a scenario counts
	// as contained (DESIGN.md: contain.max_success, default 5%).
	MaxSuccess float64
}

// DefaultSLA is the gate when a plan says nothing.
func DefaultSLA() SLA {
	return SLA{MTTD: 5 * time.Second, MTTC: 10 * time.Second, MaxLeak: 200, MaxBenign: 0, MaxSuccess: 0.05}
}

// Program is the logic of one virtual user: a state machine that, given the
// result of its previous request, yields the next request and the wait
// before it. Executors own time and transport, so the same Program runs in
// real time over the network and in simulated time in process.
//
// A Program is used by one VU goroutine at a time and need not be safe for
// concurrent use.
type Program interface {
	// Next is called with the result of the previous request (nil on the
	// first call) and returns the next step. It returns false when the VU
	// has nothing more to do.
	Next(prev *Result) (Step, bool)
}

// Step is one request and the wait before sending it.
type Step struct {
	Wait    time.Duration
	Request Request
}

// Request is what a VU asks the executor to send. Path is relative to the
// target's base URL.
type Request struct {
	Method string
	Path   string
	// Route is the operation path template, for the timeline.
	Route  string
	Header http.Header
	Body   []byte
	// Abusive marks a request that carries out the misuse.
	Abusive bool
	// Judge classifies the answer and counts its leak. Nil means the default
	// classification by status (Classify) and no leak.
	Judge func(Result) (Outcome, int)
}

// Result is the answer to a Request. Body holds at most the executor's read
// limit. The executor may reuse the Result it hands Program.Next, and its
// Header map and Body buffer, from request to request: the pointer is
// valid until Next returns, Header and Body until the Program's next Next
// returns (a Judge reads them before). A Program that keeps an answer, or
// a slice of its Header or Body, keeps a copy (Header.Clone,
// bytes.Clone); strings read from them are its own.
type Result struct {
	Request Request
	Status  int
	Header  http.Header
	Body    []byte
	Err     error
}

// Session says who a VU currently is. Executors ask a Program that
// implements SessionReporter after every exchange, so the timeline can
// attribute each request to an identity, token and session.
type Session struct {
	ID       string
	Identity string
	TokenID  string
}

// SessionReporter is implemented by Programs that act as an identity.
type SessionReporter interface {
	Session() Session
}

// Auth says how a VU logs in and where its token is: POST JSON
// {UsernameField, PasswordField} to Path, take the token from TokenField of
// the JSON answer, and send it where TokenIn says.
type Auth struct {
	Path          string
	UsernameField string
	PasswordField string
	TokenField    string
	// UserIDField, when set, names the answer's field holding the account's
	// own object id.
	UserIDField string
	// TokenIn is where requests carry the token: "" or "bearer" for
	// "Authorization: Bearer <token>", "header:NAME" for the raw token in
	// header NAME, "cookie:NAME" for a cookie NAME=<token>.
	TokenIn string
}

// Authorize sets the request header that carries token as a says.
func (a Auth) Authorize(h http.Header, token string) {
	kind, name, _ := strings.Cut(a.TokenIn, ":")
	switch kind {
	case "header":
		h.Set(name, token)
	case "cookie":
		c := (&http.Cookie{Name: name, Value: token}).String()
		if prev := h.Get("Cookie"); prev != "" {
			c = prev + "; " + c
		}
		h.Set("Cookie", c)
	default:
		h.Set("Authorization", "Bearer "+token)
	}
}
