package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/bruteforce"
	"github.com/abusegate/abusegate/generators/cracking"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/responder"
	"github.com/abusegate/abusegate/scenarios"
)

// Target models of simulate: what answers the simulated requests.
const (
	modelAuto     = "auto"
	modelDemoshop = "demoshop"
	modelSpec     = "spec"
)

// simTarget is what answers a simulated run: the handler, the accounts
// that stand in for the plan's generated pools (nil: the pools as
// generated), and how the report names it.
type simTarget struct {
	handler  http.Handler
	accounts []scenarios.Identity
	name     string // the report's target
	says     string // how stderr names it
}

// chooseModel resolves --target-model: auto is the demo shop when the
// plan's spec is the demo shop's (or the plan names no spec), the
// spec-driven responder otherwise.
func chooseModel(model string, s scenarios.Surface) (string, error) {
	switch model {
	case modelDemoshop, modelSpec:
		return model, nil
	case modelAuto, "":
		if len(s.Operations) == 0 || isDemoshop(s) {
			return modelDemoshop, nil
		}
		return modelSpec, nil
	}
	return "", fmt.Errorf("--target-model %q: want auto, demoshop or spec", model)
}

// isDemoshop reports whether s describes the embedded demo shop: the
// title of its OpenAPI description or of its GraphQL schema.
func isDemoshop(s scenarios.Surface) bool {
	if shop, _, err := openapi.Load("demoshop.openapi.yaml", demoshop.Spec()); err == nil && s.Title == shop.Title {
		return true
	}
	return strings.HasPrefix(s.Title, "The demoshop's GraphQL API")
}

// demoshopTarget is the embedded shop, whose own accounts stand in for
// the plan's generated pools.
func demoshopTarget(lp loadedPlan, seed uint64) simTarget {
	need := 0
	for _, pool := range lp.plan.Pools {
		if pool.Generate != nil {
			need += pool.Generate.Count
		}
	}
	shop := demoshop.New(demoshop.Options{Seed: int64(seed), Users: need})
	var accounts []scenarios.Identity
	for _, a := range shop.Accounts() {
		accounts = append(accounts, scenarios.Identity{Username: a.Username, Password: a.Password, UserID: fmt.Sprint(a.ID)})
	}
	return simTarget{handler: shop, accounts: accounts, name: "http://demoshop.simulated", says: "the demo shop"}
}

// specTarget is a responder answering from the plan's spec. Its accounts
// are the plan's generated pools as generated, a seeded fifth of every
// credential file's pairs (a leaked list where some pairs still work),
// and every password-guessing victim (credential cracking, GraphQL alias
// brute force from a wordlist) with a seeded weak password from the
// scenario's own candidates (beside the victim's own, when it is also in
// a pool), so that each misuse kind can succeed.
func specTarget(lp loadedPlan, seed uint64) (simTarget, error) {
	var accounts []scenarios.Identity
	names := make([]string, 0, len(lp.plan.Pools))
	for name := range lp.plan.Pools {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := lp.plan.Pools[name]
		switch {
		case p.Generate != nil:
			for i := 1; i <= p.Generate.Count; i++ {
				accounts = append(accounts, scenarios.Identity{Username: p.Generate.Prefix + strconv.Itoa(i), Password: p.Generate.Password})
			}
		case p.File != "" && p.Credential == "":
			// (Static credentials are no accounts: without a login the
			// responder takes any key where the spec's schemes put it.)
			ids, err := readCredentials(lp.dir, p.File)
			if err != nil {
				return simTarget{}, fmt.Errorf("identities %s: %w", name, err)
			}
			for i, id := range ids {
				if pick(seed, "leaked", strconv.Itoa(i))%5 == 0 {
					accounts = append(accounts, id)
				}
			}
		}
	}
	for _, ps := range lp.plan.Scenarios {
		guessing := ps.Kind == cracking.ID || ps.Kind == bruteforce.ID && ps.Params["source"] == "wordlist"
		if !guessing || ps.Params["username"] == "" {
			continue
		}
		words := strings.FieldsFunc(ps.Params["words"], func(r rune) bool { return r == ',' || r == ' ' })
		if len(words) == 0 {
			words = cracking.Words
		}
		guesses := cracking.Candidates(words)
		// Somewhere in the second quarter of the list: guessed, but not at
		// once, so a guard has its chance.
		i := len(guesses)/4 + int(pick(seed, "victim", ps.ID)%uint64(max(len(guesses)/4, 1)))
		accounts = append(accounts, scenarios.Identity{Username: ps.Params["username"], Password: guesses[min(i, len(guesses)-1)]})
	}
	spec := filepath.Base(lp.surface.Source)
	r := responder.New(lp.surface, responder.Options{Seed: seed, Accounts: accounts})
	return simTarget{
		handler: r,
		name:    "simulated against a spec-driven responder answering from " + spec,
		says:    "a spec-driven responder answering from " + spec,
	}, nil
}

func readCredentials(dir, path string) ([]scenarios.Identity, error) {
	if !filepath.IsAbs(path) && dir != "" {
		path = filepath.Join(dir, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return generators.ParseCredentials(path, f)
}

// pick is a seeded hash of parts, for the responder's seeded choices of
// accounts.
func pick(seed uint64, parts ...string) uint64 {
	h := uint64(14695981039346656037) ^ seed
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			h = (h ^ uint64(p[i])) * 1099511628211
		}
		h = (h ^ 0xff) * 1099511628211
	}
	return h
}
