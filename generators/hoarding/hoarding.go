// Package hoarding is the rest.inventory-hoarding misuse kind (OWASP
// API6:2023, OAT-021 denial of inventory): many accounts put the dearest
// products in their carts in large quantities and never pay, so stock is
// held away from real buyers. The leak is the units held in unpaid carts.
//
// It imports only generators and scenarios.
package hoarding

import (
	"fmt"
	"net/http"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.inventory-hoarding"

// Kind generates and runs inventory-hoarding scenarios.
type Kind struct{}

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Inventory hoarding in carts never paid",
		OWASP:    []string{"API6:2023"},
		OAT:      []string{"OAT-021"},
		Needs:    "an add-to-cart or reservation POST",
		LeakUnit: "units held unpaid",
	}
}

// Generate targets every add-to-cart operation.
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	list, _ := generators.First(s, scenarios.RoleCollection, http.MethodGet)
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleCart) || op.Method != http.MethodPost || op.Protocol != scenarios.REST {
			continue
		}
		p := map[string]string{"quantity": "100", "holds": "10"}
		generators.Cart{}.Params(p, list, op)
		targets := []scenarios.Target{{Operation: op.Key(), Why: "holds stock in a cart; nothing in the spec releases it"}}
		if list.Path != "" {
			targets = append(targets, scenarios.Target{Operation: list.Key(), Why: "finds the dearest product to hold"})
		}
		out = append(out, scenarios.Scenario{
			ID:         "hoarding-" + generators.Slug(op.Key()),
			Kind:       ID,
			Title:      "Hoard inventory through " + op.Key(),
			Question:   "What if many accounts fill carts with the best-selling stock and never check out: how much is held before we notice?",
			Operations: targets,
			LeakUnit:   k.Info().LeakUnit,
			Identities: opts.Attackers,
			Schedule:   scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: 5, Iterations: 1, Duration: 2 * time.Minute},
			Think:      scenarios.ConstantThink(500 * time.Millisecond),
			Params:     p,
			SLA:        opts.SLA,
		})
	}
	return out
}

// Program implements generators.Kind: log in, pick the dearest product,
// add it holds times in the given quantity, never pay.
func (Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	cart, err := generators.CartFromParams(sc.Params)
	if err != nil {
		return nil, fmt.Errorf("inventory-hoarding %s: %w", sc.ID, err)
	}
	holds, err := generators.Intn(sc.Params, "holds", 10)
	if err != nil || holds < 1 {
		return nil, fmt.Errorf("inventory-hoarding %s: holds=%q: want a positive integer", sc.ID, sc.Params["holds"])
	}
	return &hoarder{
		session: generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)),
		cart:    cart, holds: holds,
	}, nil
}

type hoarder struct {
	session *generators.Session
	cart    generators.Cart
	listed  bool
	holds   int
}

// Session implements scenarios.SessionReporter.
func (h *hoarder) Session() scenarios.Session { return h.session.Session() }

// Next implements scenarios.Program.
func (h *hoarder) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil && prev.Request.Route == h.cart.List && prev.Status == http.StatusOK {
		h.cart.Pick(prev.Body)
	}
	req, login, stop := h.session.Drive(prev)
	switch {
	case stop:
		return scenarios.Step{}, false
	case login:
		return scenarios.Step{Request: req}, true
	}
	if !h.listed && h.cart.List != "" {
		h.listed = true
		return scenarios.Step{Request: h.cart.ListRequest(h.session.Header())}, true
	}
	if h.holds <= 0 {
		return scenarios.Step{}, false
	}
	h.holds--
	r := h.cart.AddRequest(h.session.Header())
	q := h.cart.Quantity
	if h.cart.QuantityField == "" {
		q = 1
	}
	r.Abusive = true
	r.Judge = func(res scenarios.Result) (scenarios.Outcome, int) {
		o := scenarios.Classify(res.Status)
		if o == scenarios.OutcomeSuccess {
			return o, q
		}
		return o, 0
	}
	return scenarios.Step{Request: r}, true
}
