package flowbypass

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// GraphQLID is the GraphQL variant's stable id.
const GraphQLID = "graphql.flow-bypass"

// GraphQL generates and runs flow bypass through GraphQL mutations: the
// last mutation of a flow (a checkout, a payment's confirmation) with one
// of the mutations that must precede it skipped, each in turn. The
// prerequisites come from @abuse(requires:), else a cart mutation before
// a checkout, as for rest.flow-bypass; the leak is in the same unit.
type GraphQL struct{}

var _ generators.Kind = GraphQL{}

// Info implements generators.Kind.
func (GraphQL) Info() generators.Info {
	return generators.Info{
		ID:       GraphQLID,
		Title:    "Last mutation of a flow without its prerequisites",
		OWASP:    []string{"API6:2023"},
		OAT:      nil,
		Needs:    "a checkout-like GraphQL mutation and the mutations that must precede it, with scalar required arguments",
		LeakUnit: Kind{}.Info().LeakUnit,
	}
}

// Generate targets every checkout mutation with known prerequisites whose
// required arguments, and theirs, it can fill.
func (k GraphQL) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	login, loginErr := generators.GraphQLLoginFrom(s)
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleCheckout) || op.Method != "MUTATION" || op.Protocol != scenarios.GraphQL || op.Endpoint == "" {
			continue
		}
		pre := chain(s, op, map[string]bool{op.Key(): true})
		if len(pre) == 0 {
			continue
		}
		p := map[string]string{"endpoint": op.Endpoint, "final": op.Key(), "requires": strings.Join(pre, ","), "rounds": "3"}
		targets := []scenarios.Target{{Operation: op.Key(), Why: why(op, pre, "schema") + ": each prerequisite is skipped in turn"}}
		ok := fillArgs(p, op)
		for _, key := range pre {
			dep, found := generators.Find(s, key)
			ok = ok && found && dep.Protocol == scenarios.GraphQL && dep.Method == "MUTATION" && fillArgs(p, dep)
			targets = append(targets, scenarios.Target{Operation: key, Why: "a prerequisite"})
		}
		if !ok {
			continue
		}
		if loginErr == nil {
			login.Params(p)
		}
		out = append(out, scenarios.Scenario{
			ID:         "graphql-flow-bypass-" + generators.Slug(op.Key()),
			Kind:       GraphQLID,
			Title:      "Skip the mutations before " + op.Path,
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

// fillArgs writes "args.<field>" for op: each required top-level argument
// as name:Type=value, and the selection "sel.<field>"; false when an
// argument is not a scalar it can make up a value for.
func fillArgs(p map[string]string, op scenarios.Operation) bool {
	var args []string
	for _, a := range op.Params {
		if a.In != scenarios.InArgument || !a.Required || strings.Contains(a.Name, ".") {
			continue
		}
		v, ok := scalarValue(a)
		if !ok {
			return false
		}
		args = append(args, a.Name+":"+a.DeclaredType+"="+v)
	}
	if len(args) > 0 {
		p["args."+op.Path] = strings.Join(args, ",")
	}
	if len(op.ResponseFields) > 0 {
		p["sel."+op.Path] = "__typename"
	}
	return true
}

// scalarValue makes up a value for a required scalar argument: the first
// object for an id, one of anything countable, a word for a string.
func scalarValue(a scenarios.Param) (string, bool) {
	switch strings.TrimSuffix(a.DeclaredType, "!") {
	case "ID":
		return "1", true
	case "Int", "Float":
		return "1", true
	case "Boolean":
		return "true", true
	case "String":
		if a.Role == scenarios.ParamObjectID {
			return "1", true
		}
		return "abusegate", true
	}
	return "", false
}

// gqlArg is one argument of a step: its name, declared type and value.
type gqlArg struct {
	name, typ string
	value     any
}

// parseArgs reads an "args.<field>" param.
func parseArgs(raw string) ([]gqlArg, error) {
	if raw == "" {
		return nil, nil
	}
	var out []gqlArg
	for _, a := range strings.Split(raw, ",") {
		decl, v, ok := strings.Cut(a, "=")
		name, typ, ok2 := strings.Cut(decl, ":")
		if !ok || !ok2 || name == "" || typ == "" {
			return nil, fmt.Errorf("%q: want \"argument:Type=value\", such as \"productId:ID!=1\"", a)
		}
		var value any = v
		switch strings.TrimSuffix(typ, "!") {
		case "Int":
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("%q: %s is an Int: %w", a, name, err)
			}
			value = n
		case "Float":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %s is a Float: %w", a, name, err)
			}
			value = f
		case "Boolean":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("%q: %s is a Boolean: %w", a, name, err)
			}
			value = b
		}
		out = append(out, gqlArg{name: name, typ: typ, value: value})
	}
	return out, nil
}

// Program implements generators.Kind: log in, then as rest.flow-bypass,
// each mutation its own request.
func (GraphQL) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p := sc.Params
	fail := func(err error) (scenarios.Program, error) {
		return nil, fmt.Errorf("graphql-flow-bypass %s: %w", sc.ID, err)
	}
	endpoint := p["endpoint"]
	if !strings.HasPrefix(endpoint, "/") {
		return fail(fmt.Errorf("endpoint=%q: want the HTTP path the schema is served on, such as /graphql", endpoint))
	}
	rounds, err := generators.Intn(p, "rounds", 1)
	if err != nil || rounds < 1 || rounds > 1000 {
		return fail(fmt.Errorf("rounds=%q: want an integer from 1 to 1000", p["rounds"]))
	}
	mutation := func(key string, abusive bool) (step, error) {
		op, field, ok := strings.Cut(key, " ")
		if !ok || field == "" || (op != "MUTATION" && op != "QUERY") {
			return nil, fmt.Errorf("%q is not \"MUTATION field\"", key)
		}
		args, err := parseArgs(p["args."+field])
		if err != nil {
			return nil, fmt.Errorf("args.%s: %w", field, err)
		}
		sel := p["sel."+field]
		return func(h http.Header) scenarios.Request {
			d := generators.NewDoc(op, "AbusegateFlow")
			refs := map[string]string{}
			for _, a := range args {
				refs[a.name] = d.Var(a.name, a.typ, a.value)
			}
			d.Field("", field, refs, sel)
			r := generators.GraphQLRequest(endpoint, h, d)
			if abusive {
				r.Abusive, r.Judge = true, generators.JudgeGraphQL(func(a []generators.Answer) int {
					if string(a[0].Data[field]) != "null" && len(a[0].Data[field]) > 0 {
						return 1
					}
					return 0
				})
			}
			return r
		}, nil
	}
	final, err := mutation(p["final"], true)
	if err != nil {
		return fail(fmt.Errorf("final: %w", err))
	}
	keys := strings.Split(p["requires"], ",")
	pre := map[string]step{}
	for _, k := range keys {
		if pre[k], err = mutation(k, false); err != nil {
			return fail(fmt.Errorf("requires: %w", err))
		}
	}
	steps, _ := skipEach(keys, rounds, func(k string) (step, error) { return pre[k], nil }, final)
	session, err := generators.SessionFor(p, env, fmt.Sprintf("%s/vu%d", sc.ID, env.VU))
	if err != nil {
		return fail(err)
	}
	return &bypasser{session: session, steps: steps}, nil
}
