// Package replay is the rest.containment-replay misuse kind: it first
// abuses one route until the target contains the identity (or a bounded
// number of requests pass without containment), then replays the
// contained identity's token on every operation of the API and tries to
// log in again. Containment that holds on one route only is no
// containment. The leak is the operations that still served the contained
// identity.
//
// It imports only generators and scenarios.
package replay

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
const ID = "rest.containment-replay"

// Kind generates and runs containment-replay scenarios.
type Kind struct{}

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:    ID,
		Title: "Replay a contained identity everywhere",
		OWASP: []string{"API2:2023", "API1:2023"},
		// Not an automated threat of its own: a check of containment.
		OAT:      nil,
		Needs:    "a login, an authenticated object read to trigger containment, and other operations",
		LeakUnit: "operations serving a contained identity",
	}
}

// Generate uses the first authenticated object read as the trigger and
// every other REST operation as the replay set.
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	if _, err := generators.AuthFrom(s); err != nil {
		return nil
	}
	var trigger scenarios.Operation
	for _, op := range s.Operations {
		if op.Has(scenarios.RoleObjectRead) && op.Auth && op.Method == http.MethodGet && op.Protocol == scenarios.REST {
			trigger = op
			break
		}
	}
	if trigger.Path == "" {
		return nil
	}
	targets := []scenarios.Target{{Operation: trigger.Key(), Why: "walked until the identity is contained"}}
	for _, op := range s.Operations {
		if op.Protocol != scenarios.REST || op.Has(scenarios.RoleLogin) || op.Key() == trigger.Key() {
			continue
		}
		targets = append(targets, scenarios.Target{Operation: op.Key(), Why: "replayed with the contained token: must be denied too"})
	}
	p, _ := trigger.ObjectID()
	ids := opts.Attackers
	if len(ids) > 1 {
		ids = ids[:1]
	}
	return []scenarios.Scenario{{
		ID:         "replay-" + generators.Slug(trigger.Key()),
		Kind:       ID,
		Title:      "Replay a contained identity on every operation",
		Question:   "Once we contain an abuser on one route, are they contained everywhere, on every other operation and at the login?",
		Operations: targets,
		LeakUnit:   k.Info().LeakUnit,
		Identities: ids,
		Schedule:   scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: 1, Iterations: 1, Duration: 2 * time.Minute},
		Think:      scenarios.ConstantThink(20 * time.Millisecond),
		Params:     map[string]string{"param": p.Name, "trigger_requests": "200"},
		SLA:        opts.SLA,
	}}
}

// Program implements generators.Kind.
func (Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if len(sc.Operations) < 2 {
		return nil, fmt.Errorf("containment-replay %s: want a trigger operation and operations to replay on", sc.ID)
	}
	r := &replayer{session: generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)), identity: env.Identity, auth: env.Auth}
	var err error
	if _, r.trigger, err = generators.SplitKey(sc.Operations[0].Operation); err != nil {
		return nil, fmt.Errorf("containment-replay %s: %w", sc.ID, err)
	}
	if r.budget, err = generators.Intn(sc.Params, "trigger_requests", 200); err != nil {
		return nil, fmt.Errorf("containment-replay %s: %w", sc.ID, err)
	}
	r.param = "{" + sc.Params["param"] + "}"
	for _, t := range sc.Operations[1:] {
		m, p, err := generators.SplitKey(t.Operation)
		if err != nil {
			return nil, fmt.Errorf("containment-replay %s: %w", sc.ID, err)
		}
		r.ops = append(r.ops, [2]string{m, p})
	}
	return r, nil
}

type replayer struct {
	session  *generators.Session
	identity scenarios.Identity
	auth     scenarios.Auth
	trigger  string
	param    string
	budget   int
	sent     int
	replay   int // index of the next operation to replay, once triggered
	started  bool
	relogged bool
	ops      [][2]string // method and path of each operation to replay
}

// Session implements scenarios.SessionReporter.
func (r *replayer) Session() scenarios.Session { return r.session.Session() }

// Next implements scenarios.Program.
func (r *replayer) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if !r.started {
		if prev != nil && scenarios.DeniedStatus(prev.Status) && !r.session.IsLogin(prev.Request) {
			r.started = true // contained: replay from here
		} else if prev == nil || r.session.IsLogin(prev.Request) {
			req, login, stop := r.session.Drive(prev)
			switch {
			case stop:
				return scenarios.Step{}, false
			case login:
				return scenarios.Step{Request: req}, true
			}
		}
	}
	if !r.started && r.sent < r.budget {
		r.sent++
		id := strconv.Itoa(r.sent + 1)
		return scenarios.Step{Request: scenarios.Request{
			Method: http.MethodGet, Path: strings.Replace(r.trigger, r.param, id, 1), Route: r.trigger, Header: r.session.Header(),
		}}, true
	}
	r.started = true
	if r.replay < len(r.ops) {
		op := r.ops[r.replay]
		r.replay++
		req := scenarios.Request{Method: op[0], Path: generators.FillPath(op[1], nil, "1"), Route: op[1], Header: r.session.Header(), Abusive: true, Judge: judgeServed}
		if op[0] != http.MethodGet && op[0] != http.MethodDelete {
			req = generators.JSONRequest(op[0], req.Path, op[1], req.Header, map[string]any{})
			req.Abusive, req.Judge = true, judgeServed
		}
		return scenarios.Step{Request: req}, true
	}
	if !r.relogged {
		// The same credentials again: a fresh token must not undo the
		// containment.
		r.relogged = true
		s := generators.NewSession(r.auth, r.identity, "")
		req := s.LoginRequest()
		req.Abusive, req.Judge = true, judgeServed
		return scenarios.Step{Request: req}, true
	}
	return scenarios.Step{}, false
}

// judgeServed counts an operation that answered anything but a
// containment status: the request reached the application.
func judgeServed(r scenarios.Result) (scenarios.Outcome, int) {
	switch {
	case r.Status == 0:
		return scenarios.OutcomeError, 0
	case scenarios.DeniedStatus(r.Status):
		return scenarios.OutcomeDenied, 0
	}
	return scenarios.OutcomeSuccess, 1
}
