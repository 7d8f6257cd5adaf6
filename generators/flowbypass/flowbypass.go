// Package flowbypass is the rest.flow-bypass misuse kind (OWASP API6:2023
// unrestricted access to sensitive business flows): the last step of a
// flow is called with one of its prerequisites skipped, each in turn: a
// checkout without a cart, a payment without its confirmation. The
// prerequisites come from the spec's rules (x-abuse requires), else from
// the flow's roles (a cart before a checkout). The leak is the last steps
// the target completed without a prerequisite.
//
// It imports only generators and scenarios.
package flowbypass

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.flow-bypass"

// Kind generates and runs flow-bypass scenarios.
type Kind struct{}

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:    ID,
		Title: "Last step of a flow without its prerequisites",
		OWASP: []string{"API6:2023"},
		// No OAT names a skipped flow step.
		OAT:      nil,
		Needs:    "a checkout-like POST and the operations that must precede it",
		LeakUnit: "flows completed out of order",
	}
}

// Generate targets every checkout with known prerequisites.
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleCheckout) || op.Method != http.MethodPost || op.Protocol != scenarios.REST {
			continue
		}
		pre := chain(s, op, map[string]bool{op.Key(): true})
		why := "the spec says it requires " + strings.Join(op.Rules.RequiresPrevious, ", ")
		switch {
		case len(pre) == 0:
			continue
		case len(op.Rules.RequiresPrevious) == 0:
			why = "a checkout follows an add-to-cart"
		case len(pre) > len(op.Rules.RequiresPrevious):
			why += " (in turn after " + strings.Join(pre[:len(pre)-len(op.Rules.RequiresPrevious)], ", ") + ")"
		}
		p := map[string]string{"final": op.Key(), "requires": strings.Join(pre, ","), "rounds": "3"}
		targets := []scenarios.Target{{Operation: op.Key(), Why: why + ": each prerequisite is skipped in turn"}}
		for _, k := range pre {
			if add, ok := generators.Find(s, k); ok && add.Has(scenarios.RoleCart) {
				generators.Cart{}.Params(p, scenarios.Operation{}, add)
			}
			targets = append(targets, scenarios.Target{Operation: k, Why: "a prerequisite"})
		}
		out = append(out, scenarios.Scenario{
			ID:         "flow-bypass-" + generators.Slug(op.Key()),
			Kind:       ID,
			Title:      "Skip the steps before " + op.Key(),
			Question:   fmt.Sprintf("What if a client calls %s without %s first?", op.Key(), strings.Join(pre, " or ")),
			Operations: targets,
			LeakUnit:   k.Info().LeakUnit,
			Identities: opts.Attackers,
			Schedule:   scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: 1, Iterations: 1, Duration: time.Minute},
			Think:      scenarios.ConstantThink(100 * time.Millisecond),
			Params:     p,
			SLA:        opts.SLA,
		})
	}
	return out
}

// chain returns the operations that must precede op, in flow order: each
// stated prerequisite after its own prerequisites, and, for a checkout
// that states none, the add-to-cart. A skipped step is then the only step
// missing, as when a client plays the flow and leaves out one call.
func chain(s scenarios.Surface, op scenarios.Operation, seen map[string]bool) []string {
	pre := op.Rules.RequiresPrevious
	if len(pre) == 0 && op.Has(scenarios.RoleCheckout) {
		if add, ok := generators.First(s, scenarios.RoleCart, http.MethodPost); ok {
			pre = []string{add.Key()}
		}
	}
	var out []string
	for _, k := range pre {
		if seen[k] {
			continue
		}
		seen[k] = true
		if dep, ok := generators.Find(s, k); ok {
			out = append(out, chain(s, dep, seen)...)
		}
		out = append(out, k)
	}
	return out
}

// Program implements generators.Kind: for each prerequisite, the last
// first (the step nearest the goal is the one most often left
// unchecked), run the others, then the final step, which is the abusive
// request; then again, rounds times: a bypass that works once is an
// order placed for free every time.
func (Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	fm, fp, err := generators.SplitKey(sc.Params["final"])
	if err != nil {
		return nil, fmt.Errorf("flow-bypass %s: final: %w", sc.ID, err)
	}
	pre := strings.Split(sc.Params["requires"], ",")
	var cart *generators.Cart
	if sc.Params["cart"] != "" {
		c, err := generators.CartFromParams(sc.Params)
		if err != nil {
			return nil, fmt.Errorf("flow-bypass %s: %w", sc.ID, err)
		}
		cart = &c
	}
	rounds, err := generators.Intn(sc.Params, "rounds", 1)
	if err != nil || rounds < 1 || rounds > 1000 {
		return nil, fmt.Errorf("flow-bypass %s: rounds=%q: want an integer from 1 to 1000", sc.ID, sc.Params["rounds"])
	}
	b := &bypasser{session: generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU))}
	for skip := len(pre) - 1; skip >= 0; skip-- {
		for i, k := range pre {
			if i == skip {
				continue
			}
			m, p, err := generators.SplitKey(k)
			if err != nil {
				return nil, fmt.Errorf("flow-bypass %s: requires: %w", sc.ID, err)
			}
			b.steps = append(b.steps, func(h http.Header) scenarios.Request {
				if cart != nil && "POST "+cart.AddPath == k {
					return cart.AddRequest(h)
				}
				return generators.JSONRequest(m, generators.FillPath(p, nil, "1"), p, h, map[string]any{})
			})
		}
		b.steps = append(b.steps, func(h http.Header) scenarios.Request {
			r := generators.JSONRequest(fm, fp, fp, h, map[string]any{})
			r.Abusive, r.Judge = true, generators.Success
			return r
		})
	}
	n := len(b.steps)
	for range rounds - 1 {
		b.steps = append(b.steps, b.steps[:n]...)
	}
	return b, nil
}

type bypasser struct {
	session *generators.Session
	steps   []func(http.Header) scenarios.Request
	next    int
}

// Session implements scenarios.SessionReporter.
func (b *bypasser) Session() scenarios.Session { return b.session.Session() }

// Next implements scenarios.Program.
func (b *bypasser) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	req, login, stop := b.session.Drive(prev)
	switch {
	case stop:
		return scenarios.Step{}, false
	case login:
		return scenarios.Step{Request: req}, true
	}
	if b.next >= len(b.steps) {
		return scenarios.Step{}, false
	}
	b.next++
	return scenarios.Step{Request: b.steps[b.next-1](b.session.Header())}, true
}
