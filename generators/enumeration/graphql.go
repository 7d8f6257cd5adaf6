package enumeration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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
// Names (user(login:), product(handle:)) are walked as words: every name a
// public list query hands out, then a wordlist of the names attackers try
// first.
type GraphQL struct {
	// harvested holds, per scenario, the foreign records read, each
	// counted once however often it is read again.
	harvested generators.Harvest
}

// NewGraphQL returns a GraphQL enumeration kind; a run gets a fresh one
// from builtin.Register, so its harvest starts empty.
func NewGraphQL() *GraphQL { return &GraphQL{} }

var _ generators.Kind = (*GraphQL)(nil)

// Info implements generators.Kind.
func (*GraphQL) Info() generators.Info {
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
func (k *GraphQL) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
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
		case p.IDKind == scenarios.IDSlug:
			delete(params, "from")
			delete(params, "to")
			params["walk"], params["wordlist"] = "words", wordlistFor(p.Name)
			why += fmt.Sprintf("; its ids are names: the walk tries the %s wordlist", params["wordlist"])
			if l, path, ok := harvestList(s, op, p.Name); ok {
				params["harvest_field"], params["harvest_path"] = l.Path, path
				if size, ok := pageSizeArg(l); ok {
					params["harvest_size_arg"] = size.Name + ":" + size.DeclaredType
				}
				why += fmt.Sprintf(" after every name query %s lists (%s)", l.Path, path)
			}
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
		if len(opts.Attackers) > 1 {
			params["replay"] = "true"
		}
		what := "id"
		if params["walk"] == "words" {
			what = p.Name + " it can list or guess"
		}
		question := fmt.Sprintf("What if one logged-in user asks %s for every %s, %d aliased reads to a request, and a second account replays what the first one read? How many records leak before we stop them?", op.Path, what, DefaultAliases)
		out = append(out, scenarios.Scenario{
			ID:       "graphql-enumeration-" + generators.Slug(op.Key()),
			Kind:     GraphQLID,
			Title:    "Enumerate " + op.Key(),
			Question: question,
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
// ... of `aliases` ids each, skipping its own id, after logging in
// (through the GraphQL login of the params, else the plan's). The ids are
// the integers from `from` to `to`, or with walk=words the names the
// harvest query lists followed by the wordlist and the words param.
func (k *GraphQL) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p := sc.Params
	per, err := generators.Intn(p, "aliases", DefaultAliases)
	if err != nil || per < 1 || per > 1000 {
		return nil, fmt.Errorf("graphql-enumeration %s: aliases=%q: want an integer from 1 to 1000", sc.ID, p["aliases"])
	}
	if p["field"] == "" || p["arg"] == "" || !strings.HasPrefix(p["endpoint"], "/") {
		return nil, fmt.Errorf("graphql-enumeration %s: params field, arg and endpoint (/graphql) are required", sc.ID)
	}
	w := &gqlWalker{
		kind: k, scenario: sc.ID, endpoint: p["endpoint"], field: p["field"], arg: p["arg"], argType: p["arg_type"],
		selection: p["selection"], per: per, chunk: env.VU, stride: max(sc.Schedule.VUs, 1),
	}
	switch p["walk"] {
	case "", "integers":
		w.from, err = strconv.Atoi(p["from"])
		to, err2 := strconv.Atoi(p["to"])
		if err != nil || err2 != nil || w.from > to {
			return nil, fmt.Errorf("graphql-enumeration %s: params from=%q to=%q must be integers with from <= to", sc.ID, p["from"], p["to"])
		}
		w.count = to - w.from + 1
	case "words":
		if err := w.words(p); err != nil {
			return nil, fmt.Errorf("graphql-enumeration %s: %w", sc.ID, err)
		}
	default:
		return nil, fmt.Errorf("graphql-enumeration %s: walk=%q: want integers or words", sc.ID, p["walk"])
	}
	w.username = env.Identity.Username
	if w.session, err = generators.SessionFor(p, env, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)); err != nil {
		return nil, fmt.Errorf("graphql-enumeration %s: %w", sc.ID, err)
	}
	if p["replay"] == "true" && len(sc.Identities) > 1 {
		second := env
		second.Identity = sc.Identities[(indexOf(sc.Identities, env.Identity)+1)%len(sc.Identities)]
		if w.second, err = generators.SessionFor(p, second, fmt.Sprintf("%s/vu%d/replay", sc.ID, env.VU)); err != nil {
			return nil, fmt.Errorf("graphql-enumeration %s: %w", sc.ID, err)
		}
		w.secondName = second.Identity.Username
	}
	return w, nil
}

// words sets a walk over names: the wordlist named by the params (and
// their words, comma separated), after what the harvest query lists.
func (w *gqlWalker) words(p map[string]string) error {
	if name := p["wordlist"]; name != "" {
		list, ok := Wordlists[name]
		if !ok {
			return fmt.Errorf("wordlist=%q: want usernames or handles (add names of your own in words)", name)
		}
		w.names = append(w.names, list...)
	}
	w.names = append(w.names, strings.FieldsFunc(p["words"], func(r rune) bool { return r == ',' || r == ' ' })...)
	if w.names == nil {
		w.names = []string{} // a walk over names, whatever the harvest finds
	}
	if f := p["harvest_field"]; f != "" {
		w.harvest, w.harvestPath = f, p["harvest_path"]
		if w.harvestPath == "" {
			return errors.New("harvest_path is empty: name the list field holding the names, such as \"[].login\"")
		}
		if a := p["harvest_size_arg"]; a != "" {
			var ok bool
			if w.sizeArg, w.sizeType, ok = strings.Cut(a, ":"); !ok || w.sizeArg == "" {
				return fmt.Errorf("harvest_size_arg=%q: want \"argument:Type\", such as \"first:Int\"", a)
			}
		}
	}
	if len(w.names) == 0 && w.harvest == "" {
		return errors.New("walk=words with no wordlist, words or harvest_field: nothing to try")
	}
	w.count = len(w.names)
	return nil
}

// harvestSize is how many names the harvest query asks for.
const harvestSize = 100

type gqlWalker struct {
	kind                          *GraphQL
	scenario                      string
	session                       *generators.Session
	endpoint, field, arg, argType string
	selection                     string
	per, chunk, stride            int

	// The ids: from, from+1, ... (count of them), or names.
	from, count int
	names       []string
	// username is the identity's login name, never asked for by a walk
	// over names (its own record).
	username string

	// harvest is a list query whose answer names objects (at
	// harvestPath), asked once before the walk.
	harvest, harvestPath string
	sizeArg, sizeType    string
	listed               bool

	// second is the identity that replays the ids read (nil: no replay);
	// inflight maps the aliases of the request in flight to their ids.
	second     *generators.Session
	secondName string
	replaying  bool
	inflight   map[string]string
	read       []string
}

// Session implements scenarios.SessionReporter.
func (w *gqlWalker) Session() scenarios.Session { return w.session.Session() }

// Next implements scenarios.Program.
func (w *gqlWalker) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil && w.harvest != "" && !w.listed && !prev.Request.Abusive && prev.Request.Path == w.endpoint &&
		bytes.Contains(prev.Request.Body, []byte(`"operationName":"Harvest"`)) {
		w.listed = true
		w.took(prev.Body)
	}
	if prev != nil && prev.Request.Abusive && !w.replaying {
		w.remember(prev.Body)
	}
	req, login, stop := w.session.Drive(prev)
	switch {
	case stop:
		return w.replay()
	case login:
		return scenarios.Step{Request: req}, true
	}
	if w.harvest != "" && !w.listed {
		d := generators.NewDoc("query", "Harvest")
		args := map[string]string{}
		if w.sizeArg != "" {
			args[w.sizeArg] = d.Var("n", w.sizeType, harvestSize)
		}
		d.Field("list", w.harvest, args, generators.Selection([]string{strings.TrimPrefix(w.harvestPath, "[].")}, 8))
		return scenarios.Step{Request: generators.GraphQLRequest(w.endpoint, w.session.Header(), d)}, true
	}
	for {
		first := w.chunk * w.per
		if first >= w.count {
			return w.replay()
		}
		w.chunk += w.stride
		d, ids := w.doc(first)
		if d.Len() > 0 {
			r := generators.GraphQLRequest(w.endpoint, w.session.Header(), d)
			r.Abusive, r.Judge, w.inflight = true, w.judge(ids), ids
			return scenarios.Step{Request: r}, true
		}
	}
}

// remember keeps the ids whose objects the answer to the walk's last
// request returned, for the second identity to read again.
func (w *gqlWalker) remember(body []byte) {
	answers, err := generators.ParseAnswers(body)
	if err != nil {
		return
	}
	for _, a := range answers {
		for alias := range a.Data {
			if _, ok := a.Object(alias); ok && w.inflight[alias] != "" {
				w.read = append(w.read, w.inflight[alias])
			}
		}
	}
	slices.Sort(w.read) // answers come as maps: keep the replay's order stable
	w.read = slices.Compact(w.read)
}

// replay logs in as the second identity (one with a key of its own
// needs no login) and walks again, over the ids the walk read; or ends
// the VU.
func (w *gqlWalker) replay() (scenarios.Step, bool) {
	if w.replaying || w.second == nil || len(w.read) == 0 {
		return scenarios.Step{}, false
	}
	w.replaying, w.session, w.username = true, w.second, w.secondName
	w.names, w.count, w.chunk, w.stride = w.read, len(w.read), 0, 1
	w.harvest = ""
	if w.session.Static() {
		// A key of its own: nothing to log in to, the walk starts again.
		return w.Next(nil)
	}
	return scenarios.Step{Request: w.session.LoginRequest()}, true
}

// took puts the names the harvest query listed before the wordlist's,
// once each. A failed harvest leaves the wordlist alone.
func (w *gqlWalker) took(body []byte) {
	answers, err := generators.ParseAnswers(body)
	if err != nil || len(answers) != 1 {
		return
	}
	var v any
	if json.Unmarshal(answers[0].Data["list"], &v) != nil {
		return
	}
	listed := collect(v, w.harvestPath)
	seen := map[string]bool{}
	names := []string{}
	for _, n := range append(listed, w.names...) {
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	w.names, w.count = names, len(names)
}

// id is the i-th id of the walk, from 0.
func (w *gqlWalker) id(i int) string {
	if w.names != nil {
		return w.names[i]
	}
	return strconv.Itoa(w.from + i)
}

// doc asks for the ids of chunk first.. in one document, one alias each,
// never the session's own; ids maps each alias to the id it asks for.
func (w *gqlWalker) doc(first int) (*generators.Doc, map[string]string) {
	d := generators.NewDoc("query", "Enumerate")
	ids := map[string]string{}
	own := w.session.UserID()
	for i := first; i < first+w.per && i < w.count; i++ {
		s := w.id(i)
		if s == own || w.names != nil && s == w.username {
			continue
		}
		var v any = s // ID and String take the id as a string
		if strings.HasPrefix(w.argType, "Int") {
			v, _ = strconv.Atoi(s)
		}
		alias := "r" + strconv.Itoa(i)
		ids[alias] = s
		d.Field(alias, w.field, map[string]string{w.arg: d.Var("id"+strconv.Itoa(i), w.argType, v)}, w.selection)
	}
	return d, ids
}

// judge counts the non-null objects of the answer whose record no VU of
// the scenario had read before: each is one foreign record leaked (the
// caller's own id was never asked for). A request that reads records is
// a success even when every one of them had leaked already.
func (w *gqlWalker) judge(ids map[string]string) func(scenarios.Result) (scenarios.Outcome, int) {
	return func(r scenarios.Result) (scenarios.Outcome, int) {
		fresh := 0
		o, _ := generators.JudgeGraphQL(func(answers []generators.Answer) int {
			read := 0
			for _, a := range answers {
				for alias := range a.Data {
					if _, ok := a.Object(alias); ok {
						read++
						if w.kind.harvested.Take(w.scenario, ids[alias]) {
							fresh++
						}
					}
				}
			}
			return read
		})(r)
		return o, fresh
	}
}
