// Package signup is the rest.account-creation and graphql.account-creation
// misuse kinds (OWASP API6:2023, OAT-019 account creation): accounts are
// created in bulk with generated names, addresses and passwords, to farm
// sign-up bonuses, referral credit or an army of identities for the other
// abuses; over GraphQL, several sign-ups ride in one request under
// aliases. The leak is the accounts created.
//
// It imports only generators and scenarios.
package signup

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.account-creation"

// Kind generates and runs account-creation scenarios.
type Kind struct{}

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Mass account creation",
		OWASP:    []string{"API6:2023"},
		OAT:      []string{"OAT-019"},
		Needs:    "a sign-up POST",
		LeakUnit: "accounts created",
	}
}

// Generate targets every sign-up operation.
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleSignup) || op.Method != http.MethodPost || op.Protocol != scenarios.REST {
			continue
		}
		fields := op.RequestFields
		if len(fields) == 0 {
			fields = []string{"username", "email", "password"}
		}
		out = append(out, scenarios.Scenario{
			ID:         "account-creation-" + generators.Slug(op.Key()),
			Kind:       ID,
			Title:      "Mass sign-ups on " + op.Key(),
			Question:   "What if one actor creates hundreds of accounts from rotating addresses and devices: how many exist before we notice?",
			Operations: []scenarios.Target{{Operation: op.Key(), Why: "creates an account from a request body of " + strings.Join(fields, ", ")}},
			LeakUnit:   k.Info().LeakUnit,
			Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 5, Duration: 2 * time.Minute},
			Think:      scenarios.ConstantThink(200 * time.Millisecond),
			Params:     map[string]string{"fields": strings.Join(fields, ","), "accounts": "200", "rotate": "both"},
			SLA:        opts.SLA,
		})
	}
	return out
}

// Program implements generators.Kind: VU i creates accounts i, i+n, ...
func (Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if len(sc.Operations) == 0 {
		return nil, fmt.Errorf("account-creation %s: no operation", sc.ID)
	}
	_, path, err := generators.SplitKey(sc.Operations[0].Operation)
	if err != nil {
		return nil, fmt.Errorf("account-creation %s: %w", sc.ID, err)
	}
	n, err := generators.Intn(sc.Params, "accounts", 200)
	if err != nil {
		return nil, fmt.Errorf("account-creation %s: %w", sc.ID, err)
	}
	rot, err := generators.ParseRotation(sc.Params["rotate"])
	if err != nil {
		return nil, fmt.Errorf("account-creation %s: %w", sc.ID, err)
	}
	return &creator{id: sc.ID, path: path, fields: strings.Split(sc.Params["fields"], ","), next: env.VU, stride: max(sc.Schedule.VUs, 1), total: n, rot: rot, seed: env.Seed}, nil
}

type creator struct {
	id, path     string
	fields       []string
	next, stride int
	total        int
	rot          generators.Rotation
	seed         uint64
}

// Next implements scenarios.Program.
func (c *creator) Next(*scenarios.Result) (scenarios.Step, bool) {
	if c.next >= c.total {
		return scenarios.Step{}, false
	}
	n := c.next
	c.next += c.stride
	name := fmt.Sprintf("ag%x.user%d", c.seed%0xffff, n)
	body := map[string]any{}
	for _, f := range c.fields {
		l := strings.ToLower(f)
		switch {
		case strings.Contains(l, "mail"):
			body[f] = name + "@example.com"
		case strings.Contains(l, "pass"):
			body[f] = fmt.Sprintf("Spring%d!x", 2024+n%3)
		case strings.Contains(l, "user") || strings.Contains(l, "login") || strings.Contains(l, "name"):
			body[f] = name
		}
	}
	req := generators.JSONRequest(http.MethodPost, c.path, c.path, nil, body)
	c.rot.Apply(req.Header, n)
	req.Abusive, req.Judge = true, generators.Success
	return scenarios.Step{Request: req}, true
}
