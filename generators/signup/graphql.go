package signup

import (
	"fmt"
	"slices"
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
		args, inputs, ok := signupArgs(op)
		if !ok {
			continue
		}
		p := map[string]string{
			"endpoint": op.Endpoint, "signup": op.Path, "args": strings.Join(args, ","),
			"selection": selection(op), "accounts": "200", "per_request": "10", "rotate": "both",
		}
		if len(inputs) > 0 {
			p["inputs"] = strings.Join(inputs, ",")
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

// signupArgs lists the arguments the program fills as "name:Type": every
// required scalar one and the optional ones it can fill; for an input
// object argument ("input: CustomerCreateInput!") its fields the same way
// ("input.email:String!"), and the object in inputs ("input:Type"). ok is
// false when a required argument is beyond it (a list, an enum, an input
// object nested in another).
func signupArgs(op scenarios.Operation) (args, inputs []string, ok bool) {
	for _, p := range op.Params {
		if p.In != scenarios.InArgument || strings.Contains(p.Name, ".") {
			continue
		}
		if _, fillable := fill(p.Name, p.DeclaredType, "x", 0); fillable {
			args = append(args, p.Name+":"+p.DeclaredType)
			continue
		}
		fields, fieldsOK := inputFields(op, p.Name)
		switch {
		case fieldsOK && len(fields) > 0:
			args = append(args, fields...)
			inputs = append(inputs, p.Name+":"+p.DeclaredType)
		case p.Required:
			return nil, nil, false
		}
	}
	return args, inputs, len(args) > 0
}

// inputFields lists the fields of input object argument name that the
// program fills; ok is false when a required one is beyond it.
func inputFields(op scenarios.Operation, name string) (fields []string, ok bool) {
	for _, p := range op.Params {
		field, nested := strings.CutPrefix(p.Name, name+".")
		if p.In != scenarios.InArgument || !nested {
			continue
		}
		_, fillable := fill(field, p.DeclaredType, "x", 0)
		switch {
		case fillable && !strings.Contains(field, "."):
			fields = append(fields, p.Name+":"+p.DeclaredType)
		case p.Required:
			return nil, false
		}
	}
	return fields, true
}

// fill is the value of argument name of declared type typ for account n
// named user: ok is false for an argument it cannot fill.
func fill(name, typ, user string, n int) (v any, ok bool) {
	if t := strings.TrimSuffix(typ, "!"); t != "String" && t != "ID" {
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

// selection is what to ask of the payload: its scalar fields, the id of
// an object in it (the account: customer { id }) and the message of its
// error lists (customerUserErrors { message }), or __typename when the
// schema lists none of them. Other objects are left out: their fields may
// take arguments.
func selection(op scenarios.Operation) string {
	children := map[string][]string{}
	var top []string
	for _, f := range op.ResponseFields {
		head, rest, nested := strings.Cut(f, ".")
		head = strings.TrimSuffix(head, "[]")
		if !nested {
			top = append(top, head)
			continue
		}
		children[head] = append(children[head], rest)
	}
	var out []string
	for _, f := range top {
		kids := children[f]
		switch {
		case len(kids) == 0:
			out = append(out, f)
		case slices.Contains(kids, "id"):
			out = append(out, f+" { id }")
		case strings.Contains(strings.ToLower(f), "error") && slices.Contains(kids, "message"):
			out = append(out, f+" { message }")
		}
	}
	if len(out) == 0 {
		return "__typename"
	}
	return strings.Join(out, " ")
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
	for _, in := range strings.FieldsFunc(p["inputs"], func(r rune) bool { return r == ',' }) {
		name, typ, ok := strings.Cut(in, ":")
		if !ok || name == "" || typ == "" || strings.Contains(name, ".") {
			return fail(fmt.Errorf("inputs: %q: want \"argument:InputType\", such as \"input:CustomerCreateInput!\"", in))
		}
		c.inputs = append(c.inputs, [2]string{name, typ})
	}
	for _, a := range strings.Split(p["args"], ",") {
		name, typ, ok := strings.Cut(a, ":")
		in, field, nested := strings.Cut(name, ".")
		if !nested {
			field = in
		}
		if _, fillable := fill(field, typ, "x", 0); !ok || !fillable || nested && !slices.ContainsFunc(c.inputs, func(i [2]string) bool { return i[0] == in }) {
			return fail(fmt.Errorf("args: %q: want \"argument:Type\" naming a String or ID argument for a username, email, password or name, or \"input.field:Type\" with input in inputs", a))
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
	args                       [][2]string // name (input.field in an input object), declared type
	inputs                     [][2]string // input object argument, its type
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
		objects := map[string]map[string]any{}
		for _, a := range c.args {
			in, field, nested := strings.Cut(a[0], ".")
			if !nested {
				v, _ := fill(in, a[1], user, n)
				args[in] = d.Var(fmt.Sprintf("%s%d", in, d.Len()), a[1], v)
				continue
			}
			v, _ := fill(field, a[1], user, n)
			if objects[in] == nil {
				objects[in] = map[string]any{}
			}
			objects[in][field] = v
		}
		for _, in := range c.inputs {
			args[in[0]] = d.Var(fmt.Sprintf("%s%d", in[0], d.Len()), in[1], objects[in[0]])
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

// created counts the sign-ups that made an account.
func created(answers []generators.Answer) int {
	n := 0
	for _, a := range answers {
		for alias := range a.Data {
			if made(a, alias) {
				n++
			}
		}
	}
	return n
}

// made reports whether the sign-up under alias made an account: its
// payload is there, nothing in it is null (customer: null) and its error
// lists are empty (customerUserErrors: [...]).
func made(a generators.Answer, alias string) bool {
	raw := string(a.Data[alias])
	if raw == "true" {
		return true // a Boolean payload
	}
	payload, ok := a.Object(alias)
	if !ok {
		return false
	}
	for k, v := range payload {
		list, isList := v.([]any)
		switch {
		case v == nil:
			return false
		case isList && len(list) > 0 && strings.Contains(strings.ToLower(k), "error"):
			return false
		}
	}
	return true
}

// remember keeps the first account the last request created.
func (c *gqlCreator) remember(prev *scenarios.Result) {
	answers, err := generators.ParseAnswers(prev.Body)
	if err != nil || len(answers) != 1 {
		return
	}
	for i, n := range c.pending {
		if made(answers[0], fmt.Sprintf("s%d", i)) {
			c.created, c.createdN = accountName(c.seed, n), n
			return
		}
	}
}
