package enumeration

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// GraphQLID is the GraphQL variant's stable id.
const GraphQLID = "graphql.enumeration"

// DefaultAliases is how many ids one GraphQL request reads, as aliased
// copies of the field: a detector that counts requests sees a tenth of
// the walk.
const DefaultAliases = 10

// GraphQL generates and runs object enumeration through a GraphQL query
// field that takes an id, such as user(id: ID!).
//
// IDs declared ID (the adapter's "opaque") are walked as small integers
// all the same: most servers hand out database keys as IDs, and probing
// "1", "2", ... is the first thing an attacker tries; where ids really are
// random the walk finds nothing and the scenario says so with a leak of 0.
type GraphQL struct{}

var _ generators.Kind = GraphQL{}

// Info implements generators.Kind.
func (GraphQL) Info() generators.Info {
	return generators.Info{
		ID:       GraphQLID,
		Title:    "Object enumeration through a GraphQL query (BOLA)",
		OWASP:    []string{"API1:2023"},
		OAT:      []string{"OAT-011"},
		Needs:    "a GraphQL query field taking one object id and returning one object, behind a login or returning sensitive data",
		LeakUnit: "foreign records",
	}
}

// Generate picks every query field that reads one object by an id
// argument, needs nothing else, and is either authenticated or
// sensitive.
func (k GraphQL) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	login, loginErr := generators.GraphQLLoginFrom(s)
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		p, ok := op.ObjectID()
		if !ok || op.Protocol != scenarios.GraphQL || op.Method != "QUERY" || !op.Has(scenarios.RoleObjectRead) ||
			p.In != scenarios.InArgument || strings.Contains(p.Name, ".") || otherRequired(op, p.Name) {
			continue
		}
		if !op.Auth && op.Sensitivity < scenarios.SensitivityHigh {
			continue // public, harmless records: walking them is scraping
		}
		sel := generators.Selection(op.ResponseFields, 2)
		if sel == "" {
			sel = "__typename"
		}
		params := map[string]string{
			"field": op.Path, "arg": p.Name, "arg_type": p.DeclaredType, "selection": sel,
			"from": "1", "to": "500", "aliases": strconv.Itoa(DefaultAliases), "endpoint": op.Endpoint,
		}
		why := fmt.Sprintf("query %s(%s: %s) reads one object", op.Path, p.Name, p.DeclaredType)
		switch {
		case p.IDKind.Predictable():
			why += "; its ids are " + p.IDKind.String() + ": predictable"
		default:
			why += fmt.Sprintf("; its ids are declared %s, but servers mostly hand out database keys: the walk probes 1..500", p.IDKind)
		}
		if op.Auth {
			why += "; it requires a login, so its records belong to someone"
		}
		if loginErr == nil {
			login.Params(params)
		}
		out = append(out, scenarios.Scenario{
			ID:       "graphql-enumeration-" + generators.Slug(op.Key()),
			Kind:     GraphQLID,
			Title:    "Enumerate " + op.Key(),
			Question: fmt.Sprintf("What if one logged-in user asks %s for every id, %d aliased reads to a request? How many records leak before we stop them?", op.Path, DefaultAliases),
			Operations: []scenarios.Target{{Operation: op.Key(), Why: why +
				fmt.Sprintf("; %d aliases a request", DefaultAliases)}},
			LeakUnit:   k.Info().LeakUnit,
			Identities: opts.Attackers,
			Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 2, Duration: time.Minute},
			Think:      scenarios.ConstantThink(50 * time.Millisecond),
			Params:     params,
			SLA:        opts.SLA,
		})
	}
	return out
}

// otherRequired reports whether op has a required argument besides id.
func otherRequired(op scenarios.Operation, id string) bool {
	for _, p := range op.Params {
		if p.In == scenarios.InArgument && p.Required && p.Name != id && !strings.Contains(p.Name, ".") {
			return true
		}
	}
	return false
}

// Program implements generators.Kind: VU i of n reads the chunks i, i+n,
// ... of `aliases` ids each from `from` to `to`, skipping its own id, after
// logging in (through the GraphQL login of the params, else the plan's).
func (GraphQL) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p := sc.Params
	from, err1 := strconv.Atoi(p["from"])
	to, err2 := strconv.Atoi(p["to"])
	if err1 != nil || err2 != nil || from > to {
		return nil, fmt.Errorf("graphql-enumeration %s: params from=%q to=%q must be integers with from <= to", sc.ID, p["from"], p["to"])
	}
	per, err := generators.Intn(p, "aliases", DefaultAliases)
	if err != nil || per < 1 || per > 1000 {
		return nil, fmt.Errorf("graphql-enumeration %s: aliases=%q: want an integer from 1 to 1000", sc.ID, p["aliases"])
	}
	if p["field"] == "" || p["arg"] == "" || !strings.HasPrefix(p["endpoint"], "/") {
		return nil, fmt.Errorf("graphql-enumeration %s: params field, arg and endpoint (/graphql) are required", sc.ID)
	}
	session, err := generators.SessionFor(p, env, fmt.Sprintf("%s/vu%d", sc.ID, env.VU))
	if err != nil {
		return nil, fmt.Errorf("graphql-enumeration %s: %w", sc.ID, err)
	}
	return &gqlWalker{
		session: session, endpoint: p["endpoint"], field: p["field"], arg: p["arg"], argType: p["arg_type"],
		selection: p["selection"], from: from, to: to, per: per, chunk: env.VU, stride: max(sc.Schedule.VUs, 1),
	}, nil
}

type gqlWalker struct {
	session                       *generators.Session
	endpoint, field, arg, argType string
	selection                     string
	from, to, per, chunk, stride  int
}

// Session implements scenarios.SessionReporter.
func (w *gqlWalker) Session() scenarios.Session { return w.session.Session() }

// Next implements scenarios.Program.
func (w *gqlWalker) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	req, login, stop := w.session.Drive(prev)
	switch {
	case stop:
		return scenarios.Step{}, false
	case login:
		return scenarios.Step{Request: req}, true
	}
	for {
		first := w.from + w.chunk*w.per
		if first > w.to {
			return scenarios.Step{}, false
		}
		w.chunk += w.stride
		if d := w.doc(first); d.Len() > 0 {
			r := generators.GraphQLRequest(w.endpoint, w.session.Header(), d)
			r.Abusive, r.Judge = true, judgeRecords
			return scenarios.Step{Request: r}, true
		}
	}
}

// doc asks for ids first.. in one document, one alias each, never the
// session's own.
func (w *gqlWalker) doc(first int) *generators.Doc {
	d := generators.NewDoc("query", "Enumerate")
	own := w.session.UserID()
	for id := first; id < first+w.per && id <= w.to; id++ {
		s := strconv.Itoa(id)
		if s == own {
			continue
		}
		var v any = s // ID and String take the id as a string
		if strings.HasPrefix(w.argType, "Int") {
			v = id
		}
		d.Field("r"+s, w.field, map[string]string{w.arg: d.Var("id"+s, w.argType, v)}, w.selection)
	}
	return d
}

// judgeRecords counts the non-null objects of the answer: each is one
// record read (the caller's own id was never asked for).
func judgeRecords(r scenarios.Result) (scenarios.Outcome, int) {
	return generators.JudgeGraphQL(func(answers []generators.Answer) int {
		n := 0
		for _, a := range answers {
			for alias := range a.Data {
				if _, ok := a.Object(alias); ok {
					n++
				}
			}
		}
		return n
	})(r)
}
