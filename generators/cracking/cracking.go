// Package cracking is the rest.credential-cracking misuse kind (OWASP
// API2:2023, OAT-007 credential cracking): one account's password is
// guessed from a wordlist of common passwords mangled the way people mangle
// them (a year, two digits, a capital and a "!"). The leak is the accounts
// cracked.
//
// It imports only generators and scenarios.
package cracking

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/stuffing"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.credential-cracking"

// Words are the stems of the most common passwords in public breach
// corpora; Candidates mangles them.
var Words = []string{
	"password", "123456", "qwerty", "letmein", "welcome", "monkey", "dragon", "master",
	"sunshine", "shadow", "football", "baseball", "princess", "flower", "summer", "winter",
	"hunter", "freedom", "ginger", "coffee", "pepper", "tigger", "iloveyou", "admin",
	"trustno1", "superman", "batman", "charlie", "michael", "jordan",
}

// Candidates returns the guesses for words, most likely first within each
// word: the word, capitalised, with 1 or 123, with two digits, with a year
// from 1950 to 2010, and capitalised with a digit and "!".
func Candidates(words []string) []string {
	var out []string
	for _, w := range words {
		t := strings.ToUpper(w[:1]) + w[1:]
		out = append(out, w, t, w+"1", w+"123")
		for n := range 100 {
			out = append(out, fmt.Sprintf("%s%02d", w, n))
		}
		for y := 1950; y <= 2010; y++ {
			out = append(out, fmt.Sprintf("%s%d", w, y))
		}
		for d := range 10 {
			out = append(out, fmt.Sprintf("%s%d!", t, d))
		}
	}
	return out
}

// Kind generates and runs credential-cracking scenarios.
//
// Build it with New: a VU that got in begins another iteration and cracks
// the account again (constant VUs for a duration), and the Kind New
// returns counts the account once per run, as its LeakUnit says. The zero
// Kind counts every login that gets in.
type Kind struct {
	// cracked holds, per scenario, the accounts a guess opened.
	cracked *generators.Harvest
}

// New returns a cracking kind whose runs count each account cracked once;
// a run gets a fresh one from builtin.Register.
func New() Kind { return Kind{cracked: &generators.Harvest{}} }

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Password guessing on one account",
		OWASP:    []string{"API2:2023"},
		OAT:      []string{"OAT-007"},
		Needs:    "a login operation taking a username and a password",
		LeakUnit: "accounts cracked",
	}
}

// Generate targets the login with the first attacker identity's username as
// the victim (the plan names the real one).
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	if _, err := generators.AuthFrom(s); err != nil {
		return nil
	}
	login, _ := generators.First(s, scenarios.RoleLogin, http.MethodPost)
	p := map[string]string{"words": strings.Join(Words, ",")}
	if len(opts.Attackers) > 0 {
		p["username"] = opts.Attackers[0].Username
	}
	return []scenarios.Scenario{{
		ID:         "cracking-" + generators.Slug(login.Key()),
		Kind:       ID,
		Title:      "Password guessing on " + login.Key(),
		Question:   "What if someone guesses one account's password from a list of common passwords: does the login lock, slow down or alert before it falls?",
		Operations: []scenarios.Target{{Operation: login.Key(), Why: "the login has no documented lockout; every guess is one request"}},
		LeakUnit:   k.Info().LeakUnit,
		Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 8, Duration: 2 * time.Minute},
		Think:      scenarios.ConstantThink(10 * time.Millisecond),
		Params:     p,
		SLA:        opts.SLA,
	}}
}

// Program implements generators.Kind: VU i of n tries candidates i, i+n,
// ... for the one username, and stops when it gets in.
func (k Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	user := sc.Params["username"]
	if user == "" {
		return nil, fmt.Errorf("credential-cracking %s: params username is empty: name the account to attack", sc.ID)
	}
	if env.Auth.Path == "" {
		return nil, fmt.Errorf("credential-cracking %s: no login operation in the plan's auth", sc.ID)
	}
	words := strings.FieldsFunc(sc.Params["words"], func(r rune) bool { return r == ',' || r == ' ' })
	if len(words) == 0 {
		words = Words
	}
	return &cracker{
		id: sc.ID, auth: env.Auth, user: user, guesses: Candidates(words),
		next: env.VU, stride: max(sc.Schedule.VUs, 1),
		judge: k.cracked.Once(sc.ID, user, stuffing.JudgeLogin(env.Auth)),
	}, nil
}

type cracker struct {
	id, user     string
	auth         scenarios.Auth
	guesses      []string
	next, stride int
	current      *generators.Session
	judge        func(scenarios.Result) (scenarios.Outcome, int)
}

// Session implements scenarios.SessionReporter.
func (c *cracker) Session() scenarios.Session {
	if c.current == nil {
		return scenarios.Session{Identity: c.user}
	}
	return c.current.Session()
}

// Next implements scenarios.Program.
func (c *cracker) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil && prev.Status == http.StatusOK {
		return scenarios.Step{}, false // cracked
	}
	if c.next >= len(c.guesses) {
		return scenarios.Step{}, false
	}
	c.current = generators.NewSession(c.auth, scenarios.Identity{Username: c.user, Password: c.guesses[c.next]}, fmt.Sprintf("%s/%d", c.id, c.next))
	c.next += c.stride
	req := c.current.LoginRequest()
	req.Abusive, req.Judge = true, c.judge
	return scenarios.Step{Request: req}, true
}
