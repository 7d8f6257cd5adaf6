// Package flowbypass is the rest.flow-bypass and graphql.flow-bypass
// misuse kinds (OWASP API6:2023 unrestricted access to sensitive business
// flows): the last step of a flow is called with one of its prerequisites
// skipped, each in turn: a checkout without a cart, a confirmation without
// its payment. The prerequisites come from the spec's rules (x-abuse
// requires, GraphQL's @abuse(requires:)), else from the flow's roles (a
// cart before a checkout). The leak is the last steps the target completed
// without a prerequisite.
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
		if len(pre) == 0 {
			continue
		}
		p := map[string]string{"final": op.Key(), "requires": strings.Join(pre, ","), "rounds": "3"}
		targets := []scenarios.Target{{Operation: op.Key(), Why: why(op, pre, "spec") + ": each prerequisite is skipped in turn"}}
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

// why says where the prerequisites come from; source is "spec" or
// "schema".
func why(op scenarios.Operation, pre []string, source string) string {
	stated := op.Rules.RequiresPrevious
	switch {
	case len(stated) == 0:
		return "a checkout follows an add-to-cart"
	case len(pre) > len(stated):
		return "the " + source + " says it requires " + strings.Join(stated, ", ") + " (in turn after " + strings.Join(pre[:len(pre)-len(stated)], ", ") + ")"
	}
	return "the " + source + " says it requires " + strings.Join(stated, ", ")
}

// chain returns the operations that must precede op, in flow order: each
// stated prerequisite after its own prerequisites, and, for a checkout
// that states none, the add-to-cart. A skipped step is then the only step
// missing, as when a client plays the flow and leaves out one call.
func chain(s scenarios.Surface, op scenarios.Operation, seen map[string]bool) []string {
	pre := op.Rules.RequiresPrevious
	if len(pre) == 0 && op.Has(scenarios.RoleCheckout) {
		if add, ok := firstCart(s, op.Protocol); ok {
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

// firstCart is the add-to-cart a checkout of protocol p follows: a REST
// POST, or a GraphQL mutation.
func firstCart(s scenarios.Surface, p scenarios.Protocol) (scenarios.Operation, bool) {
	if p == scenarios.REST {
		return generators.First(s, scenarios.RoleCart, http.MethodPost)
	}
	for _, op := range s.Operations {
		if op.Protocol == p && op.Method == "MUTATION" && op.Has(scenarios.RoleCart) {
			return op, true
		}
	}
	return scenarios.Operation{}, false
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
	steps, err := skipEach(pre, rounds, func(k string) (step, error) {
		m, p, err := generators.SplitKey(k)
		if err != nil {
			return nil, err
		}
		return func(h http.Header) scenarios.Request {
			if cart != nil && "POST "+cart.AddPath == k {
				return cart.AddRequest(h)
			}
			return generators.JSONRequest(m, generators.FillPath(p, nil, "1"), p, h, map[string]any{})
		}, nil
	}, func(h http.Header) scenarios.Request {
		r := generators.JSONRequest(fm, fp, fp, h, map[string]any{})
		r.Abusive, r.Judge = true, generators.Success
		return r
	})
	if err != nil {
		return nil, fmt.Errorf("flow-bypass %s: requires: %w", sc.ID, err)
	}
	return &bypasser{session: generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)), steps: steps}, nil
}

// step builds one request with the session's header.
type step func(http.Header) scenarios.Request

// skipEach lays out the program's requests: for each prerequisite, the
// last first, the others (built by pre) and then final; the whole rounds
// times.
func skipEach(keys []string, rounds int, pre func(key string) (step, error), final step) ([]step, error) {
	var steps []step
	for skip := len(keys) - 1; skip >= 0; skip-- {
		for i, k := range keys {
			if i == skip {
				continue
			}
			s, err := pre(k)
			if err != nil {
				return nil, err
			}
			steps = append(steps, s)
		}
		steps = append(steps, final)
	}
	n := len(steps)
	for range rounds - 1 {
		steps = append(steps, steps[:n]...)
	}
	return steps, nil
}

type bypasser struct {
	session *generators.Session
	steps   []step
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
