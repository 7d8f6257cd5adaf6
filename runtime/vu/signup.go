package vu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/abusegate/abusegate/scenarios"
)

// Signup fills an identity pool through the target's own sign-up operation
// (the Surface's RoleSignup), so VUs act as accounts that exist on the
// target without a CSV of them: the way an attacker farms accounts before
// using them, and the way new customers arrive.
type Signup struct {
	// Operation is the sign-up operation; SignupOperation finds it.
	Operation scenarios.Operation
	// Accounts is how many accounts to create.
	Accounts int
	// Seed keeps one run's usernames apart from another's.
	Seed uint64
	// Scenario names the sign-up exchanges in the timeline; empty means
	// "signup-pool".
	Scenario string
	Actor    scenarios.Actor
	// VUs send the sign-ups in parallel; zero means min(Accounts, 10).
	VUs int
}

// SignupOperation is the surface's first REST operation with the sign-up
// role.
func SignupOperation(s scenarios.Surface) (scenarios.Operation, bool) {
	for _, o := range s.Operations {
		if o.Protocol == scenarios.REST && o.Has(scenarios.RoleSignup) {
			return o, true
		}
	}
	return scenarios.Operation{}, false
}

// signupForm is how the operation's body is filled: which top-level field
// takes what.
type signupForm struct {
	user, email, pass, name []string
}

func (s Signup) form() (signupForm, error) {
	var f signupForm
	op := s.Operation
	if op.Protocol != scenarios.REST {
		return f, fmt.Errorf("sign-up %s: only REST sign-up operations can fill a pool", op.Key())
	}
	if strings.Contains(op.Path, "{") {
		return f, fmt.Errorf("sign-up %s: the path has parameters; a sign-up operation should not", op.Key())
	}
	for _, field := range op.RequestFields {
		if strings.ContainsAny(field, ".[") {
			continue
		}
		l := strings.ToLower(field)
		switch {
		case strings.Contains(l, "mail"):
			f.email = append(f.email, field)
		case strings.Contains(l, "pass"):
			f.pass = append(f.pass, field)
		case strings.Contains(l, "user") || strings.Contains(l, "login"):
			f.user = append(f.user, field)
		case strings.Contains(l, "name"):
			f.name = append(f.name, field)
		}
	}
	if len(f.pass) == 0 || (len(f.user) == 0 && len(f.email) == 0) {
		return f, fmt.Errorf("sign-up %s: its request fields %v name no password and username or e-mail; "+
			"give the operation's request body schema those properties", op.Key(), op.RequestFields)
	}
	return f, nil
}

// account is sign-up k's credential and body.
func (s Signup) account(f signupForm, k int) (Credential, []byte) {
	user := fmt.Sprintf("ag%04x.acct%d", s.Seed%0xffff, k)
	pass := "Ag!" + strconv.FormatUint(mix(s.Seed^uint64(k)), 36)
	body := map[string]string{}
	for _, fs := range []struct {
		names []string
		v     string
	}{{f.user, user}, {f.email, user + "@example.com"}, {f.pass, pass}, {f.name, user}} {
		for _, n := range fs.names {
			body[n] = fs.v
		}
	}
	b, _ := json.Marshal(body) // a map of strings always encodes
	c := Credential{Kind: Password, Username: user, Password: pass, Source: "signup:" + s.Operation.Key() + "#" + strconv.Itoa(k)}
	if len(f.user) == 0 {
		c.Username = user + "@example.com"
	}
	return c, b
}

// FillPool sends the sign-ups on r (a Runner runs once: give it one of
// its own; a zero MaxRequests becomes Accounts) and returns the password
// pool of the accounts the target accepted, in order. The exchanges go to
// rec like any other. An account the target refused (taken, invalid) is
// left out; none accepted is an error.
func (s Signup) FillPool(ctx context.Context, r *Runner, rec *Recorder) (*Pool, error) {
	f, err := s.form()
	if err != nil {
		return nil, fmt.Errorf("vu: %w", err)
	}
	if s.Accounts <= 0 {
		return nil, fmt.Errorf("vu: sign-up %s: accounts %d must be at least 1", s.Operation.Key(), s.Accounts)
	}
	vus := s.VUs
	if vus <= 0 {
		vus = min(s.Accounts, 10)
	}
	if s.Scenario == "" {
		s.Scenario = "signup-pool"
	}
	if r.MaxRequests <= 0 {
		r.MaxRequests = int64(s.Accounts)
	}
	got := make([]*Credential, s.Accounts)
	var mu sync.Mutex
	load := Workload{Scenario: s.Scenario, Actor: s.Actor, VUs: vus, Duration: DefaultMaxDuration, Program: func(vu int) (scenarios.Program, error) {
		return &signer{s: s, f: f, next: vu, stride: vus, keep: func(k int, c Credential) {
			mu.Lock()
			got[k] = &c
			mu.Unlock()
		}}, nil
	}}
	runErr := r.Run(ctx, []Workload{load}, rec)
	p := &Pool{Kind: Password}
	for _, c := range got {
		if c != nil {
			p.Creds = append(p.Creds, *c)
		}
	}
	if runErr != nil && !errors.Is(runErr, ErrBudget) {
		return p, runErr
	}
	if len(p.Creds) == 0 {
		return nil, fmt.Errorf("vu: sign-up %s: the target accepted none of %d accounts", s.Operation.Key(), s.Accounts)
	}
	return p, nil
}

// signer is a VU sending sign-ups k = next, next+stride, ...
type signer struct {
	s            Signup
	f            signupForm
	next, stride int
	cur          Credential
	k            int
	keep         func(int, Credential)
}

// Next implements scenarios.Program.
func (g *signer) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil && prev.Err == nil && prev.Status >= 200 && prev.Status < 300 {
		g.keep(g.k, g.cur)
	}
	if g.next >= g.s.Accounts {
		return scenarios.Step{}, false
	}
	g.k = g.next
	g.next += g.stride
	var body []byte
	g.cur, body = g.s.account(g.f, g.k)
	op := g.s.Operation
	return scenarios.Step{Request: scenarios.Request{Method: op.Method, Path: op.Path, Route: op.Path, Body: body,
		Header: http.Header{"Content-Type": {"application/json"}}}}, true
}
