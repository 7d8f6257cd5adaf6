// Package reuse is the rest.credential-reuse misuse kind (OWASP API2:2023
// broken authentication, OAT-008 family): one valid token, stolen or
// shared, is used at the same time from many addresses and devices. The
// leak is the requests the target served on that one token from devices
// that never logged in with it.
//
// It imports only generators and scenarios.
package reuse

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.credential-reuse"

// Kind generates and runs credential-reuse scenarios. Its VUs share the
// stolen token through the Kind, so use one Kind value per run (New).
type Kind struct {
	mu    sync.Mutex
	cells map[string]*cell
}

// New returns a credential-reuse kind.
func New() *Kind { return &Kind{cells: map[string]*cell{}} }

var _ generators.Kind = (*Kind)(nil)

// cell holds the one token every VU of a scenario uses.
type cell struct {
	mu    sync.Mutex
	token string
}

func (c *cell) offer(tok string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" {
		c.token = tok
	}
	return c.token
}

// Info implements generators.Kind.
func (*Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "One token used from many devices at once",
		OWASP:    []string{"API2:2023"},
		OAT:      []string{"OAT-008"},
		Needs:    "a login and authenticated GET operations without path parameters",
		LeakUnit: "requests served on a shared token",
	}
}

// Generate targets the authenticated reads of the caller's own data.
func (k *Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	if _, err := generators.AuthFrom(s); err != nil {
		return nil
	}
	var targets []scenarios.Target
	for _, op := range s.Operations {
		if op.Auth && op.Method == http.MethodGet && op.Protocol == scenarios.REST && !strings.Contains(op.Path, "{") {
			targets = append(targets, scenarios.Target{Operation: op.Key(), Why: "an authenticated read of the token holder's own data"})
		}
	}
	if len(targets) == 0 {
		return nil
	}
	ids := opts.Attackers
	if len(ids) > 1 {
		ids = ids[:1]
	}
	return []scenarios.Scenario{{
		ID:         "reuse-token",
		Kind:       ID,
		Title:      "One token from many devices",
		Question:   "What if one account's token is used at the same moment from dozens of addresses and devices: does anything notice that one session is everywhere?",
		Operations: targets,
		LeakUnit:   k.Info().LeakUnit,
		Identities: ids,
		Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 20, Duration: time.Minute},
		Think:      scenarios.ConstantThink(200 * time.Millisecond),
		Params:     map[string]string{"requests": "50", "rotate": "both"},
		SLA:        opts.SLA,
	}}
}

// Program implements generators.Kind: every VU logs in as the one account
// (set-up), then all use the first token any of them obtained, each VU from
// its own address and device, cycling over the scenario's operations.
func (k *Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	var paths []string
	for _, t := range sc.Operations {
		m, p, err := generators.SplitKey(t.Operation)
		if err != nil || m != http.MethodGet || strings.Contains(p, "{") {
			return nil, fmt.Errorf("credential-reuse %s: operation %q: want \"GET /path\" without parameters", sc.ID, t.Operation)
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 || len(sc.Identities) == 0 {
		return nil, fmt.Errorf("credential-reuse %s: needs operations and the one identity whose token is shared", sc.ID)
	}
	n, err := generators.Intn(sc.Params, "requests", 50)
	if err != nil {
		return nil, fmt.Errorf("credential-reuse %s: %w", sc.ID, err)
	}
	rot, err := generators.ParseRotation(sc.Params["rotate"])
	if err != nil {
		return nil, fmt.Errorf("credential-reuse %s: %w", sc.ID, err)
	}
	k.mu.Lock()
	if k.cells == nil {
		k.cells = map[string]*cell{}
	}
	// One cell per scenario for the life of this Kind value: executors
	// build VU programs in any order, and lazily, so no VU may reset it.
	// A run gets a fresh Kind from builtin.Register.
	c, ok := k.cells[sc.ID]
	if !ok {
		c = &cell{}
		k.cells[sc.ID] = c
	}
	k.mu.Unlock()
	return &reuser{
		session: generators.NewSession(env.Auth, sc.Identities[0], fmt.Sprintf("%s/vu%d", sc.ID, env.VU)),
		cell:    c, paths: paths, left: n, vu: env.VU, rot: rot,
	}, nil
}

type reuser struct {
	session *generators.Session
	cell    *cell
	paths   []string
	left    int
	vu, i   int
	rot     generators.Rotation
	shared  bool
}

// Session implements scenarios.SessionReporter.
func (r *reuser) Session() scenarios.Session { return r.session.Session() }

// Next implements scenarios.Program.
func (r *reuser) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if !r.shared {
		req, login, stop := r.session.Drive(prev)
		switch {
		case stop:
			return scenarios.Step{}, false
		case login:
			return scenarios.Step{Request: req}, true
		}
		r.session.UseToken(r.cell.offer(r.session.Token()))
		r.shared = true
	}
	if r.left <= 0 {
		return scenarios.Step{}, false
	}
	r.left--
	p := r.paths[r.i%len(r.paths)]
	r.i++
	h := r.session.Header()
	r.rot.Apply(h, r.vu)
	return scenarios.Step{Request: scenarios.Request{Method: http.MethodGet, Path: p, Route: p, Header: h, Abusive: true, Judge: generators.Success}}, true
}
