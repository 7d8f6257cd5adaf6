package signup

import (
	"fmt"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// GraphQLID is the GraphQL variant's stable id.
const GraphQLID = "graphql.account-creation"

// maxAliases bounds the sign-ups one request carries.
const maxAliases = 1000

// GraphQL generates and runs mass account creation through a GraphQL
// sign-up mutation: each request carries several sign-ups under aliases,
// so a limit that counts requests sees a fraction of the accounts made.
// When the schema has a login mutation, each VU then logs in with one
// account it created, which shows the accounts are real.
type GraphQL struct{}

var _ generators.Kind = GraphQL{}

// Info implements generators.Kind.
func (GraphQL) Info() generators.Info {
	return generators.Info{
		ID:       GraphQLID,
		Title:    "Mass account creation with aliased GraphQL sign-ups",
		OWASP:    []string{"API6:2023"},
		OAT:      []string{"OAT-019"},
		Needs:    "a GraphQL sign-up mutation whose required arguments are scalars",
		LeakUnit: "accounts created",
	}
}

// Generate targets every sign-up mutation whose required arguments are
// all scalars it can fill: names, addresses and passwords.
func (k GraphQL) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	login, loginErr := generators.GraphQLLoginFrom(s)
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if op.Protocol != scenarios.GraphQL || op.Method != "MUTATION" || !op.Has(scenarios.RoleSignup) || op.Endpoint == "" {
			continue
		}
		args, ok := signupArgs(op)
		if !ok {
			continue
		}
		p := map[string]string{
			"endpoint": op.Endpoint, "signup": op.Path, "args": strings.Join(args, ","),
			"selection": selection(op), "accounts": "200", "per_request": "10", "rotate": "both",
		}
		why := "the schema's login logs in with one of them afterwards"
		if loginErr == nil {
			login.Params(p)
		} else {
			why = "no login mutation to prove the accounts with"
		}
		out = append(out, scenarios.Scenario{
			ID:       "graphql-account-creation-" + generators.Slug(op.Key()),
			Kind:     GraphQLID,
			Title:    "Mass sign-ups through " + op.Key(),
			Question: "What if one actor creates hundreds of accounts, ten sign-ups a request under aliases, from rotating addresses and devices: how many exist before we notice?",
			Operations: []scenarios.Target{{Operation: op.Key(),
				Why: "creates an account from arguments " + strings.Join(args, ", ") + "; aliases put several in one request; " + why}},
			LeakUnit: k.Info().LeakUnit,
			Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 5, Duration: 2 * time.Minute},
			Think:    scenarios.ConstantThink(200 * time.Millisecond),
			Params:   p,
			SLA:      opts.SLA,
		})
	}
	return out
}

// signupArgs lists the mutation's top-level arguments as "name:Type":
// every required one, which must be a scalar the program can fill, and
// the optional ones it can fill. ok is false when a required argument is
// beyond it (an input object, an enum it cannot guess).
func signupArgs(op scenarios.Operation) (args []string, ok bool) {
	for _, p := range op.Params {
		if p.In != scenarios.InArgument || strings.Contains(p.Name, ".") {
			continue
		}
		_, fillable := fill(p.Name, strings.TrimSuffix(p.DeclaredType, "!"), "x", 0)
		switch {
		case fillable:
			args = append(args, p.Name+":"+p.DeclaredType)
		case p.Required:
			return nil, false
		}
	}
	return args, len(args) > 0
}

// fill is the value of argument name of scalar type typ for account n
// named user: ok is false for an argument it cannot fill.
func fill(name, typ, user string, n int) (v any, ok bool) {
	if typ != "String" && typ != "ID" {
		return nil, false
	}
	l := strings.ToLower(name)
	switch {
	case strings.Contains(l, "mail"):
		return user + "@example.com", true
	case strings.Contains(l, "pass"):
		return password(n), true
	case strings.Contains(l, "user") || strings.Contains(l, "login") || strings.Contains(l, "name") || strings.Contains(l, "handle"):
		return user, true
	}
	return nil, false
}

func password(n int) string { return fmt.Sprintf("Spring%d!x", 2024+n%3) }

func accountName(seed uint64, n int) string { return fmt.Sprintf("ag%x.user%d", seed%0xffff, n) }

// selection is what to ask of the payload: its top-level fields, or
// __typename when the schema lists none.
func selection(op scenarios.Operation) string {
	var top []string
	for _, f := range op.ResponseFields {
		if !strings.ContainsAny(f, ".[") {
			top = append(top, f)
		}
	}
	if len(top) == 0 {
		return "__typename"
	}
	return strings.Join(top, " ")
}

// Program implements generators.Kind: VU i creates accounts i, i+n, ...,
// per_request of them a request, then logs in with the first it made.
func (GraphQL) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p := sc.Params
	fail := func(err error) (scenarios.Program, error) {
		return nil, fmt.Errorf("graphql-account-creation %s: %w", sc.ID, err)
	}
	if !strings.HasPrefix(p["endpoint"], "/") || p["signup"] == "" {
		return fail(fmt.Errorf("endpoint=%q signup=%q: want the HTTP path the schema is served on and the sign-up field", p["endpoint"], p["signup"]))
	}
	c := &gqlCreator{endpoint: p["endpoint"], field: p["signup"], selection: p["selection"], seed: env.Seed,
		next: env.VU, stride: max(sc.Schedule.VUs, 1)}
	for _, a := range strings.Split(p["args"], ",") {
		name, typ, ok := strings.Cut(a, ":")
		if _, fillable := fill(name, strings.TrimSuffix(typ, "!"), "x", 0); !ok || !fillable {
			return fail(fmt.Errorf("args: %q: want \"argument:Type\" naming a String or ID argument for a username, email, password or name", a))
		}
		c.args = append(c.args, [2]string{name, typ})
	}
	var err error
	if c.total, err = generators.Intn(p, "accounts", 200); err != nil {
		return fail(err)
	}
	if c.per, err = generators.Intn(p, "per_request", 10); err != nil || c.per < 1 || c.per > maxAliases {
		return fail(fmt.Errorf("per_request=%q: want an integer from 1 to %d", p["per_request"], maxAliases))
	}
	if c.rot, err = generators.ParseRotation(p["rotate"]); err != nil {
		return fail(err)
	}
	l, ok, err := generators.GraphQLLoginFromParams(p)
	if err != nil {
		return fail(err)
	}
	if ok {
		c.login = &l
	}
	return c, nil
}

type gqlCreator struct {
	endpoint, field, selection string
	args                       [][2]string // name, declared type
	seed                       uint64
	next, stride, total, per   int
	rot                        generators.Rotation
	login                      *generators.GraphQLLogin
	// created is the first account the VU made, to log in with; proved
	// is set once that login was sent.
	created      string
	createdN     int
	sent, proved bool
	pending      []int // the account numbers of the last sign-up request
}

// Next implements scenarios.Program.
func (c *gqlCreator) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if c.sent && c.created == "" && prev != nil {
		c.remember(prev)
	}
	if c.next < c.total {
		return scenarios.Step{Request: c.signups()}, true
	}
	if c.login == nil || c.created == "" || c.proved {
		return scenarios.Step{}, false
	}
	c.proved = true
	d := generators.NewDoc("mutation", "AbusegateProveAccount")
	c.login.Add(d, c.login.Field, 0, c.created, password(c.createdN))
	r := generators.GraphQLRequest(c.endpoint, nil, d)
	c.rot.Apply(r.Header, c.createdN)
	r.Judge = func(res scenarios.Result) (scenarios.Outcome, int) {
		o, _ := generators.JudgeGraphQL(func(a []generators.Answer) int {
			if _, _, ok := c.login.Token(a[0], c.login.Field); ok {
				return 1
			}
			return 0
		})(res)
		return o, 0 // the proof is no further leak
	}
	return scenarios.Step{Request: r}, true
}

// signups is the next request: up to per sign-ups, each under its own
// alias and variables.
func (c *gqlCreator) signups() scenarios.Request {
	d := generators.NewDoc("mutation", "AbusegateSignup")
	c.pending = c.pending[:0]
	first := c.next
	for ; c.next < c.total && d.Len() < c.per; c.next += c.stride {
		n := c.next
		user := accountName(c.seed, n)
		args := map[string]string{}
		for _, a := range c.args {
			v, _ := fill(a[0], strings.TrimSuffix(a[1], "!"), user, n)
			args[a[0]] = d.Var(fmt.Sprintf("%s%d", a[0], d.Len()), a[1], v)
		}
		d.Field(fmt.Sprintf("s%d", d.Len()), c.field, args, c.selection)
		c.pending = append(c.pending, n)
	}
	c.sent = true
	r := generators.GraphQLRequest(c.endpoint, nil, d)
	c.rot.Apply(r.Header, first)
	r.Abusive, r.Judge = true, generators.JudgeGraphQL(created)
	return r
}

// created counts the sign-ups that returned a payload.
func created(answers []generators.Answer) int {
	n := 0
	for _, a := range answers {
		for _, raw := range a.Data {
			if s := string(raw); s != "null" && s != "false" {
				n++
			}
		}
	}
	return n
}

// remember keeps the first account the last request created.
func (c *gqlCreator) remember(prev *scenarios.Result) {
	answers, err := generators.ParseAnswers(prev.Body)
	if err != nil || len(answers) != 1 {
		return
	}
	for i, n := range c.pending {
		if raw, ok := answers[0].Data[fmt.Sprintf("s%d", i)]; ok && string(raw) != "null" && string(raw) != "false" {
			c.created, c.createdN = accountName(c.seed, n), n
			return
		}
	}
}
