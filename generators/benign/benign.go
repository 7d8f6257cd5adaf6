// Package benign builds the ordinary users that run beside the attackers:
// they log in, browse a collection, read their own record, fill a cart and
// check out, at human pace. They give the oracle its false-positive count:
// a benign session that receives a containment answer was hurt.
//
// It imports only generators and scenarios.
package benign

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID names the benign workload in timelines and reports.
const ID = "benign.shopper"

// Workload returns the benign shopper scenario for s: the operations a
// shopper uses, found by role. It needs at least a login and one readable
// operation. Shoppers use the REST operations when s has any for them;
// else the GraphQL ones, logging in through the login mutation.
func Workload(s scenarios.Surface, users []scenarios.Identity) (scenarios.Scenario, error) {
	sc := scenarios.Scenario{
		ID:         "benign-shoppers",
		Kind:       ID,
		Title:      "Benign shoppers",
		Identities: users,
		Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: len(users), Duration: time.Minute},
		// People do not click on a beat.
		Think: scenarios.Think{Dist: scenarios.Uniform, Min: 125 * time.Millisecond, Max: 375 * time.Millisecond},
	}
	var authed []string
	pick := func(role scenarios.Role, method string) {
		for i := range s.Operations {
			op := &s.Operations[i]
			// A shopper reads objects of its own: those behind a login.
			if op.Has(role) && op.Method == method && (role != scenarios.RoleObjectRead || op.Auth) {
				sc.Operations = append(sc.Operations, scenarios.Target{Operation: op.Key(), Why: role.String()})
				if op.Auth {
					authed = append(authed, op.Key())
				}
				return
			}
		}
	}
	pick(scenarios.RoleCollection, http.MethodGet)
	pick(scenarios.RoleObjectRead, http.MethodGet)
	pick(scenarios.RoleCart, http.MethodPost)
	pick(scenarios.RoleCheckout, http.MethodPost)
	if len(users) == 0 {
		return scenarios.Scenario{}, errors.New("benign: no benign identities")
	}
	if len(sc.Operations) == 0 {
		// Nothing for shoppers over REST: they use the GraphQL API.
		return graphQLWorkload(s, sc)
	}
	if len(authed) > 0 {
		sc.Params = map[string]string{paramAuthed: strings.Join(authed, ",")}
	}
	return sc, nil
}

// paramAuthed lists the journey's operations that need a credential
// (comma separated): a shopper with neither a login nor a key of its own
// leaves them out rather than be refused (the refusal would count as
// hurt).
const paramAuthed = "authed"

// Program returns one shopper's logic.
func Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if sc.Params[paramProtocol] == "graphql" {
		return graphQLProgram(sc, env)
	}
	sh := &shopper{
		session: generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)),
		rng:     rand.New(rand.NewPCG(env.Seed, uint64(env.VU))),
	}
	// A client with a key of its own (an API without a login) starts
	// signed in; on an API with no login and no keys, shoppers browse
	// anonymously. Sending a login to neither was a failed request per
	// journey and no benign traffic at all.
	sh.logsIn = !sh.session.Static() && env.Auth.Path != ""
	anonymous := !sh.logsIn && !sh.session.Static()
	authed := strings.Split(sc.Params[paramAuthed], ",")
	for _, t := range sc.Operations {
		if anonymous && slices.Contains(authed, t.Operation) {
			continue
		}
		method, path, ok := strings.Cut(t.Operation, " ")
		if !ok {
			return nil, fmt.Errorf("benign: operation %q is not \"METHOD /path\"", t.Operation)
		}
		sh.journey = append(sh.journey, op{method: method, path: path, role: t.Why})
	}
	return sh, nil
}

type op struct {
	method, path, role string
}

type shopper struct {
	session  *generators.Session
	rng      *rand.Rand
	journey  []op
	step     int
	products []float64
	pages    pageReader
	// pagePaths and ownPath keep the paths the shopper asks for again:
	// one of 50 pages of pagesOf, its own record (own) at ownOf.
	pagePaths           [50]string
	pagesOf             string
	ownPath, own, ownOf string
	inCart              bool
	// logsIn: the journey starts with a login.
	logsIn bool
}

// Session implements scenarios.SessionReporter.
func (s *shopper) Session() scenarios.Session { return s.session.Session() }

// Next implements scenarios.Program: one journey after another, for as long
// as the executor lets the VU run.
func (s *shopper) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	switch {
	case prev == nil && s.logsIn:
		return scenarios.Step{Request: s.session.LoginRequest()}, true
	case prev == nil:
	case s.logsIn && s.session.IsLogin(prev.Request):
		if !s.session.Accept(prev) {
			// A shopper whose login fails gives up, as people do.
			return scenarios.Step{}, false
		}
	case prev.Request.Method == http.MethodGet && prev.Status == http.StatusOK:
		if ids := s.pages.itemIDs(prev.Body); len(ids) > 0 {
			s.products = append(s.products[:0], ids...)
		}
	}
	for range len(s.journey) {
		o := s.journey[s.step%len(s.journey)]
		s.step++
		if req, ok := s.request(o); ok {
			return scenarios.Step{Request: req}, true
		}
	}
	return scenarios.Step{}, false
}

func (s *shopper) request(o op) (scenarios.Request, bool) {
	req := scenarios.Request{Method: o.method, Route: o.path, Path: o.path, Header: s.session.Header()}
	switch o.role {
	case scenarios.RoleCollection.String():
		page := s.rng.IntN(len(s.pagePaths))
		if o.path != s.pagesOf {
			s.pagePaths, s.pagesOf = [len(s.pagePaths)]string{}, o.path
		}
		if s.pagePaths[page] == "" {
			s.pagePaths[page] = o.path + "?page=" + strconv.Itoa(1+page) + "&limit=20"
		}
		req.Path = s.pagePaths[page]
	case scenarios.RoleObjectRead.String():
		own := s.session.UserID()
		if own == "" {
			return req, false
		}
		start := strings.Index(o.path, "{")
		end := strings.Index(o.path, "}")
		if start < 0 || end < start {
			return req, false
		}
		if own != s.own || o.path != s.ownOf {
			s.ownPath, s.own, s.ownOf = o.path[:start]+own+o.path[end+1:], own, o.path
		}
		req.Path = s.ownPath
	case scenarios.RoleCart.String():
		if len(s.products) == 0 {
			return req, false
		}
		id := s.products[s.rng.IntN(len(s.products))]
		// encoding/json's bytes for the map {product_id, quantity}.
		b := strconv.AppendInt(append(make([]byte, 0, 48), `{"product_id":`...), int64(id), 10)
		b = strconv.AppendInt(append(b, `,"quantity":`...), int64(1+s.rng.IntN(2)), 10)
		req.Body = append(b, '}')
		req.Header["Content-Type"] = []string{"application/json"}
		s.inCart = true
	case scenarios.RoleCheckout.String():
		if !s.inCart {
			return req, false
		}
		s.inCart = false
	}
	return req, true
}
