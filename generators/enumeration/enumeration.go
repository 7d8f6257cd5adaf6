// Package enumeration is the rest.enumeration misuse kind (BOLA, OWASP
// API1:2023): an authenticated identity walks predictable object ids on an
// object-read operation and reads records that are not its own.
//
// It imports only generators and scenarios.
package enumeration

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.enumeration"

// Kind generates and runs object enumeration scenarios.
type Kind struct{}

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Object enumeration (BOLA)",
		OWASP:    []string{"API1:2023"},
		OAT:      []string{"OAT-011"},
		Needs:    "an authenticated GET operation whose path ends in an object id",
		LeakUnit: "foreign records",
	}
}

// Generate picks every object-read operation that requires authentication;
// with predictable (integer) ids the walk is sequential.
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		p, ok := op.ObjectID()
		// Without authentication every record is public: walking it is
		// scraping, not broken object-level authorization.
		if !ok || !op.Has(scenarios.RoleObjectRead) || op.Method != http.MethodGet || !op.Auth {
			continue
		}
		why := fmt.Sprintf("GET with object id %q in the path", p.Name)
		if p.Type == "integer" {
			why += " of type integer: ids are predictable"
		}
		why += "; it requires a login, so its records belong to someone"
		out = append(out, scenarios.Scenario{
			ID:       "enumeration-" + slug(op.Key()),
			Kind:     ID,
			Title:    "Enumerate " + op.Key(),
			Question: fmt.Sprintf("Can one logged-in user read other users' records by walking %s, and how many before we stop them?", op.Path),
			Operations: []scenarios.Target{{
				Operation: op.Key(),
				Why:       why,
			}},
			LeakUnit:   k.Info().LeakUnit,
			Identities: opts.Attackers,
			Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 4, Duration: time.Minute},
			Think:      scenarios.ConstantThink(20 * time.Millisecond),
			Params:     map[string]string{"param": p.Name, "from": "1", "to": "500"},
			SLA:        opts.SLA,
		})
	}
	return out
}

// Program implements generators.Kind: VU i of n walks ids from+i,
// from+i+n, ... up to to, skipping its own.
func (Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if len(sc.Operations) == 0 {
		return nil, fmt.Errorf("enumeration %s: no operation to enumerate", sc.ID)
	}
	method, path, ok := strings.Cut(sc.Operations[0].Operation, " ")
	if !ok || method != http.MethodGet {
		return nil, fmt.Errorf("enumeration %s: operation %q is not \"GET /path\"", sc.ID, sc.Operations[0].Operation)
	}
	param := sc.Params["param"]
	if !strings.Contains(path, "{"+param+"}") {
		return nil, fmt.Errorf("enumeration %s: path %s has no parameter {%s}", sc.ID, path, param)
	}
	from, err1 := strconv.Atoi(sc.Params["from"])
	to, err2 := strconv.Atoi(sc.Params["to"])
	if err1 != nil || err2 != nil || from > to {
		return nil, fmt.Errorf("enumeration %s: params from=%q to=%q must be integers with from <= to", sc.ID, sc.Params["from"], sc.Params["to"])
	}
	stride := max(sc.Schedule.VUs, 1)
	return &walker{
		session: generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)),
		route:   path,
		param:   "{" + param + "}",
		next:    from + env.VU%stride,
		to:      to,
		stride:  stride,
	}, nil
}

// maxLogins bounds how often a walker logs in again after being denied:
// a real attacker tries a fresh token before giving up on an identity.
const maxLogins = 3

type walker struct {
	session  *generators.Session
	route    string
	param    string
	next, to int
	stride   int
}

// Session implements scenarios.SessionReporter.
func (w *walker) Session() scenarios.Session { return w.session.Session() }

// Next implements scenarios.Program.
func (w *walker) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	switch {
	case prev == nil:
		return scenarios.Step{Request: w.session.LoginRequest()}, true
	case w.session.IsLogin(prev.Request):
		if !w.session.Accept(prev) {
			if w.session.Logins() < maxLogins && !scenarios.DeniedStatus(prev.Status) {
				return scenarios.Step{Request: w.session.LoginRequest()}, true
			}
			// The identity is burnt: without a token there is nothing left
			// for this attacker to read.
			return scenarios.Step{}, false
		}
	case scenarios.DeniedStatus(prev.Status) && w.session.Logins() < maxLogins:
		// Denied: try a fresh token before giving up on the identity, as a
		// real attacker would. A guard that blocked only the token fails here.
		return scenarios.Step{Request: w.session.LoginRequest()}, true
	}
	own := w.session.UserID()
	for w.next <= w.to && strconv.Itoa(w.next) == own {
		w.next += w.stride
	}
	if w.next > w.to {
		return scenarios.Step{}, false
	}
	id := strconv.Itoa(w.next)
	w.next += w.stride
	return scenarios.Step{Request: scenarios.Request{
		Method:  http.MethodGet,
		Path:    strings.Replace(w.route, w.param, id, 1),
		Route:   w.route,
		Header:  w.session.Header(),
		Abusive: true,
		Judge:   judgeRead,
	}}, true
}

// judgeRead counts a foreign record for every successful read: the walker
// never asks for its own id.
func judgeRead(r scenarios.Result) (scenarios.Outcome, int) {
	o := scenarios.Classify(r.Status)
	if o == scenarios.OutcomeSuccess {
		return o, 1
	}
	return o, 0
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
