package consumption

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// GraphQLID is the GraphQL variant's stable id.
const GraphQLID = "graphql.resource-consumption"

// DefaultAliases is how many copies of the oversized field one GraphQL
// document asks for: aliases multiply the work of one request.
const DefaultAliases = 10

// DefaultListCap is the list size above which items count as excess when
// a GraphQL size argument documents no maximum: no paged UI shows more.
// (The guard has no list-size cap for GraphQL to agree with; it refuses
// these documents on their aliases instead.)
const DefaultListCap = 100

// GraphQL generates and runs resource consumption through a GraphQL list
// field: an unbounded size argument asked for thousands of items, and the
// field repeated under aliases in one document, so one HTTP request makes
// the server resolve and serialize what thousands of ordinary ones would.
// The leak is the items served beyond the cap, summed over the aliases.
//
// Depth amplification (nesting a recursive type many levels) needs a
// cycle in the schema's types; the size and alias amplification here
// needs only a list, which every schema has.
type GraphQL struct{}

var _ generators.Kind = GraphQL{}

// Info implements generators.Kind.
func (GraphQL) Info() generators.Info {
	return generators.Info{
		ID:       GraphQLID,
		Title:    "Oversized, aliased GraphQL lists (unrestricted resource consumption)",
		OWASP:    []string{"API4:2023"},
		OAT:      []string{"OAT-015"},
		Needs:    "a GraphQL query returning a list, with a size argument (first, limit)",
		LeakUnit: "items beyond the page-size cap",
	}
}

// Generate targets every list query with a size argument and no other
// required argument.
func (k GraphQL) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	login, loginErr := generators.GraphQLLoginFrom(s)
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if op.Protocol != scenarios.GraphQL || op.Method != "QUERY" || !op.Has(scenarios.RoleCollection) {
			continue
		}
		size, ok := sizeArg(op)
		if !ok || requiredBesides(op, size.Name) {
			continue
		}
		limit, why := DefaultListCap, fmt.Sprintf("argument %s has no documented maximum: items past %d count as excess", size.Name, DefaultListCap)
		if m, _ := documentedMax(op, size); m > 0 {
			limit, why = m, fmt.Sprintf("argument %s is documented up to %d: this tests that it is enforced", size.Name, m)
		}
		sel := itemIDs(op.ResponseFields)
		if sel == "" {
			sel = "__typename"
		}
		p := map[string]string{
			"endpoint": op.Endpoint, "field": op.Path, "size_arg": size.Name + ":" + size.DeclaredType,
			"size": strconv.Itoa(50 * limit), "cap": strconv.Itoa(limit), "aliases": strconv.Itoa(DefaultAliases),
			"requests": "20", "selection": sel,
		}
		if op.Auth && loginErr == nil {
			login.Params(p)
		}
		out = append(out, scenarios.Scenario{
			ID:       "graphql-consumption-" + generators.Slug(op.Key()),
			Kind:     GraphQLID,
			Title:    "Oversized aliased lists from " + op.Key(),
			Question: fmt.Sprintf("What if one request asks %s for %d items, %d times over in aliases: does the server serve it all?", op.Path, 50*limit, DefaultAliases),
			Operations: []scenarios.Target{{Operation: op.Key(), Why: why +
				fmt.Sprintf("; %d aliases repeat it in one document", DefaultAliases)}},
			LeakUnit: k.Info().LeakUnit,
			Schedule: scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 2, Duration: time.Minute},
			Think:    scenarios.ConstantThink(100 * time.Millisecond),
			Params:   p,
			SLA:      opts.SLA,
		})
		if op.Auth {
			out[len(out)-1].Identities = opts.Attackers
		}
	}
	return out
}

// itemIDs selects only the ids of the list's items ("items { id }"):
// the server still resolves every item, and the answer stays small, most
// often small enough to be read whole (a cut one is counted by cutExcess).
func itemIDs(fields []string) string {
	best := ""
	for _, f := range fields {
		if strings.Contains(f, "[]") && (strings.HasSuffix(f, ".id") || f == "[].id") && (best == "" || len(f) < len(best)) {
			best = f
		}
	}
	if best == "" {
		return generators.Selection(fields, 3)
	}
	return generators.Selection([]string{best}, 4)
}

func sizeArg(op scenarios.Operation) (scenarios.Param, bool) {
	for _, p := range op.Params {
		if p.In == scenarios.InArgument && p.Role == scenarios.ParamPageSize && !strings.Contains(p.Name, ".") && strings.HasPrefix(p.DeclaredType, "Int") {
			return p, true
		}
	}
	return scenarios.Param{}, false
}

func requiredBesides(op scenarios.Operation, name string) bool {
	for _, p := range op.Params {
		if p.In == scenarios.InArgument && p.Required && p.Name != name && !strings.Contains(p.Name, ".") {
			return true
		}
	}
	return false
}

// documentedMax is the smallest page size the spec documents for op, as
// the monitor reads it, and where it is written; 0 when none is.
func documentedMax(op scenarios.Operation, size scenarios.Param) (limit int, from string) {
	for _, c := range []struct {
		n    int
		from string
	}{
		{op.Rules.MaxPageSize, "the x-abuse max page size"},
		{int(size.Maximum), "the size parameter's schema maximum"},
		{pagination(op), "the pagination's maximum"},
	} {
		if c.n > 0 && (limit == 0 || c.n < limit) {
			limit, from = c.n, c.from
		}
	}
	return limit, from
}

func pagination(op scenarios.Operation) int {
	if op.Pagination == nil {
		return 0
	}
	return op.Pagination.MaxSize
}

// Program implements generators.Kind: each VU sends `requests` documents
// of `aliases` copies of the field at the oversized size.
func (GraphQL) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p := sc.Params
	c := &gqlConsumer{endpoint: p["endpoint"], field: p["field"], selection: p["selection"]}
	var cut bool
	c.sizeArg, c.sizeType, cut = strings.Cut(p["size_arg"], ":")
	var errs []string
	if !cut || c.sizeArg == "" || c.field == "" || !strings.HasPrefix(c.endpoint, "/") {
		errs = append(errs, "params field, size_arg (\"first:Int\") and endpoint (/graphql) are required")
	}
	var err error
	for _, f := range []struct {
		key string
		dst *int
		def int
	}{{"size", &c.size, 5000}, {"cap", &c.limit, DefaultListCap}, {"aliases", &c.aliases, DefaultAliases}, {"requests", &c.left, 20}} {
		if *f.dst, err = generators.Intn(p, f.key, f.def); err != nil || *f.dst < 1 {
			errs = append(errs, fmt.Sprintf("%s=%q: want a positive integer", f.key, p[f.key]))
		}
	}
	if c.aliases > 1000 {
		errs = append(errs, "aliases: at most 1000")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("graphql-consumption %s: %s", sc.ID, strings.Join(errs, "; "))
	}
	c.whole = generators.JudgeGraphQL(c.excess)
	if p["login_field"] != "" || len(sc.Identities) > 0 {
		if c.session, err = generators.SessionFor(p, env, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)); err != nil {
			return nil, fmt.Errorf("graphql-consumption %s: %w", sc.ID, err)
		}
	}
	return c, nil
}

type gqlConsumer struct {
	session                    *generators.Session
	endpoint, field, selection string
	sizeArg, sizeType          string
	size, limit, aliases, left int
	// whole judges an answer read whole.
	whole func(scenarios.Result) (scenarios.Outcome, int)
}

// Session implements scenarios.SessionReporter.
func (c *gqlConsumer) Session() scenarios.Session {
	if c.session == nil {
		return scenarios.Session{}
	}
	return c.session.Session()
}

// Next implements scenarios.Program.
func (c *gqlConsumer) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	var h http.Header
	if c.session != nil {
		req, login, stop := c.session.Drive(prev)
		switch {
		case stop:
			return scenarios.Step{}, false
		case login:
			return scenarios.Step{Request: req}, true
		}
		h = c.session.Header()
	}
	if c.left <= 0 {
		return scenarios.Step{}, false
	}
	c.left--
	d := generators.NewDoc("query", "Amplify")
	ref := d.Var("size", c.sizeType, c.size)
	for i := range c.aliases {
		d.Field("l"+strconv.Itoa(i), c.field, map[string]string{c.sizeArg: ref}, c.selection)
	}
	r := generators.GraphQLRequest(c.endpoint, h, d)
	r.Abusive, r.Judge = true, c.judge
	return scenarios.Step{Request: r}, true
}

// judge judges an answer as generators.JudgeGraphQL does, and an answer
// cut at the read limit, which no parser accepts, by the items it holds
// whole: a success when they are past the cap.
func (c *gqlConsumer) judge(r scenarios.Result) (scenarios.Outcome, int) {
	o, n := c.whole(r)
	if o == scenarios.OutcomeFailed && scenarios.Classify(r.Status) == scenarios.OutcomeSuccess {
		if k, cut := c.cutExcess(r.Body); cut && k > 0 {
			return scenarios.OutcomeSuccess, k
		}
	}
	return o, n
}

// excess counts, over the aliases, the items each served past the cap.
func (c *gqlConsumer) excess(answers []generators.Answer) int {
	n := 0
	for _, a := range answers {
		for _, raw := range a.Data {
			n += max(0, len(items(raw))-c.limit)
		}
	}
	return n
}

// items returns a list field's elements: the value itself when it is a
// list, else the longest list among its fields (a page's items, a
// connection's edges).
func items(raw json.RawMessage) []json.RawMessage {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	for _, v := range obj {
		var l []json.RawMessage
		if json.Unmarshal(v, &l) == nil && len(l) > len(list) {
			list = l
		}
	}
	return list
}
