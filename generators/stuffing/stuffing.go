// Package stuffing is the rest.credential-stuffing misuse kind (OWASP
// API2:2023 broken authentication, OAT-008 credential stuffing): pairs
// from a leaked username:password list are tried on the login operation,
// spread over VUs that rotate addresses and device fingerprints. Reused
// passwords make some pairs valid here too; the leak is the number of
// distinct valid accounts found, however often the VUs loop the list.
//
// It imports only generators and scenarios.
package stuffing

import (
	"fmt"
	"net/http"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.credential-stuffing"

// Kind generates and runs credential-stuffing scenarios.
//
// Build it with New: a VU that has tried its share of the list begins
// another iteration and tries it again (constant VUs for a duration), and
// the Kind New returns counts an account found once per run, as its
// LeakUnit says. The zero Kind has nowhere to remember what was found,
// so it counts a valid account each time its pair logs in again.
type Kind struct {
	// found holds, per scenario, the usernames a login opened: a pair
	// that logs in again in a later iteration, or twice in the list,
	// counts once.
	found *generators.Harvest
}

// New returns a stuffing kind whose runs count distinct valid accounts;
// a run gets a fresh one from builtin.Register, so its findings start
// empty.
func New() Kind { return Kind{found: &generators.Harvest{}} }

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Credential stuffing with leaked pairs",
		OWASP:    []string{"API2:2023"},
		OAT:      []string{"OAT-008"},
		Needs:    "a login operation taking a username and a password and answering a token",
		LeakUnit: "valid accounts",
	}
}

// Generate targets the login operation; the scenario's identities are the
// leaked pairs (Options.Credentials, or the plan's credentials file).
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	auth, err := generators.AuthFrom(s)
	if err != nil {
		return nil
	}
	login, _ := generators.First(s, scenarios.RoleLogin, http.MethodPost)
	why := fmt.Sprintf("the login: takes %q and %q, answers %q", auth.UsernameField, auth.PasswordField, auth.TokenField)
	if login.Rules.RateLimit != "" {
		why += "; the spec documents a rate limit of " + login.Rules.RateLimit + ": rotation spreads the attempts under it"
	}
	return []scenarios.Scenario{{
		ID:         "stuffing-" + generators.Slug(login.Key()),
		Kind:       ID,
		Title:      "Credential stuffing on " + login.Key(),
		Question:   "What if a leaked username:password list is replayed against our login from many addresses and devices: how many accounts open before we stop it?",
		Operations: []scenarios.Target{{Operation: login.Key(), Why: why}},
		LeakUnit:   k.Info().LeakUnit,
		Identities: opts.Credentials,
		Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 8, Duration: 2 * time.Minute},
		Think:      scenarios.Think{Dist: scenarios.Uniform, Min: 50 * time.Millisecond, Max: 250 * time.Millisecond},
		Params:     map[string]string{"rotate": "both"},
		SLA:        opts.SLA,
	}}
}

// Program implements generators.Kind: VU i of n tries pairs i, i+n, ...
// of the scenario's identities, each attempt from another address and
// device when rotate says so.
func (k Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if len(sc.Identities) == 0 {
		return nil, fmt.Errorf("credential-stuffing %s: no leaked credentials: give the scenario an identities file of username:password lines", sc.ID)
	}
	if env.Auth.Path == "" {
		return nil, fmt.Errorf("credential-stuffing %s: no login operation in the plan's auth", sc.ID)
	}
	rot, err := generators.ParseRotation(sc.Params["rotate"])
	if err != nil {
		return nil, fmt.Errorf("credential-stuffing %s: %w", sc.ID, err)
	}
	return &stuffer{sc: sc, auth: env.Auth, next: env.VU, stride: max(sc.Schedule.VUs, 1), rot: rot, found: k.found}, nil
}

type stuffer struct {
	sc           scenarios.Scenario
	auth         scenarios.Auth
	next, stride int
	rot          generators.Rotation
	current      *generators.Session
	found        *generators.Harvest // nil for the zero Kind
}

// Session implements scenarios.SessionReporter: each attempt is a session
// of the pair it tries.
func (s *stuffer) Session() scenarios.Session {
	if s.current == nil {
		return scenarios.Session{}
	}
	return s.current.Session()
}

// Next implements scenarios.Program.
func (s *stuffer) Next(*scenarios.Result) (scenarios.Step, bool) {
	if s.next >= len(s.sc.Identities) {
		return scenarios.Step{}, false
	}
	id := s.sc.Identities[s.next]
	s.current = generators.NewSession(s.auth, id, fmt.Sprintf("%s/%d", s.sc.ID, s.next))
	req := s.current.LoginRequest()
	s.rot.Apply(req.Header, s.next)
	s.next += s.stride
	req.Abusive = true
	req.Judge = s.found.Once(s.sc.ID, id.Username, JudgeLogin(s.auth))
	return scenarios.Step{Request: req}, true
}

// JudgeLogin judges a login attempt: a token in the answer is one valid
// account (a stuffing run counts each account once, see Kind); 401 and 400 are a wrong pair (failed, not contained); 403, 423
// and 429 are the target refusing the attacker.
func JudgeLogin(auth scenarios.Auth) func(scenarios.Result) (scenarios.Outcome, int) {
	return func(r scenarios.Result) (scenarios.Outcome, int) {
		switch {
		case r.Status == http.StatusUnauthorized || r.Status == http.StatusBadRequest:
			return scenarios.OutcomeFailed, 0
		case scenarios.Classify(r.Status) != scenarios.OutcomeSuccess:
			return scenarios.Classify(r.Status), 0
		}
		probe := generators.NewSession(auth, scenarios.Identity{}, "")
		if probe.Accept(&r) {
			return scenarios.OutcomeSuccess, 1
		}
		return scenarios.OutcomeFailed, 0
	}
}
