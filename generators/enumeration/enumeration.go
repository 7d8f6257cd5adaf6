// Package enumeration is the rest.enumeration misuse kind (BOLA, OWASP
// API1:2023): an authenticated identity walks predictable or harvested
// object ids on an object-read operation and reads records that are not its
// own; then a second identity replays every id the first one could read,
// which shows the flaw is in the operation and not in one account.
//
// It imports only generators and scenarios.
package enumeration

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.enumeration"

// Kind generates and runs object enumeration scenarios.
type Kind struct {
	// harvested holds, per scenario, the foreign records read: the leak
	// is the records obtained, so a record read again by a later
	// iteration, another VU or the replaying identity counts once.
	harvested generators.Harvest
}

// New returns an enumeration kind; a run gets a fresh one from
// builtin.Register, so its harvest starts empty.
func New() *Kind { return &Kind{} }

var _ generators.Kind = (*Kind)(nil)

// Info implements generators.Kind.
func (*Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Object enumeration (BOLA)",
		OWASP:    []string{"API1:2023"},
		OAT:      []string{"OAT-011"},
		Needs:    "an authenticated GET operation whose path ends in an object id",
		LeakUnit: "foreign records",
	}
}

// Generate picks every object-read operation that requires authentication;
// with predictable (integer) ids the walk is sequential, else it harvests
// ids from a collection of the same resource when there is one. A nested
// read (GET /customers/{customer}/sources/{id}) walks its last parameter
// under parents harvested from their own collection (GET /customers); one
// whose parent nothing lists, or nested deeper, is not generated: it
// could only send requests with a made-up parent, which read nothing.
func (k *Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		p, ok := op.ObjectID()
		// Without authentication every record is public: walking it is
		// scraping, not broken object-level authorization.
		if !ok || !op.Has(scenarios.RoleObjectRead) || op.Method != http.MethodGet || !op.Auth || op.Protocol != scenarios.REST {
			continue
		}
		params := map[string]string{"from": "1", "to": "500"}
		targets := []scenarios.Target{{Operation: op.Key()}}
		list, listed := collectionOf(s, op)
		under := ""
		if names := generators.PathParams(op.Path); len(names) > 1 {
			parents, ok := parentList(s, op, names)
			if !ok {
				continue
			}
			p = objectParam(op, names[1])
			list, listed = listBefore(s, op.Path, p.Name)
			params["parent"], params["parent_list"] = names[0], parents.Key()
			paging(parents, params, "parent_")
			under = fmt.Sprintf(" under each {%s} harvested from %s", names[0], parents.Key())
			targets = append(targets, scenarios.Target{Operation: parents.Key(), Why: fmt.Sprintf("lists the {%s} ids the reads are nested under", names[0])})
		}
		params["param"] = p.Name
		why := fmt.Sprintf("GET with object id %q in the path", p.Name) + under
		if p.Type == "integer" {
			why += " of type integer: ids are predictable"
			if under != "" {
				// Numbers restart under each parent: a few of them under
				// every parent, not 500 under the first.
				params["to"], params["reads"] = "50", "500"
				why += ", 1..50 under each parent, 500 reads in all"
			}
		} else if listed {
			why += "; ids are not predictable, so they are harvested from " + list.Key()
			params["harvest"] = list.Key()
			if paging(list, params, "") {
				why += ", page after page"
			}
			targets = append(targets, scenarios.Target{Operation: list.Key(), Why: "lists the ids to read"})
		} else {
			why += "; ids are not integers and nothing lists them: the walk tries 1..500 and may find little"
		}
		targets[0].Why = why + "; it requires a login, so its records belong to someone"
		if len(opts.Attackers) > 1 {
			params["replay"] = "true"
		}
		out = append(out, scenarios.Scenario{
			ID:         "enumeration-" + generators.Slug(op.Key()),
			Kind:       ID,
			Title:      "Enumerate " + op.Key(),
			Question:   fmt.Sprintf("What if one logged-in user reads every record behind %s, and a second account replays the ids the first one found? How many leak before we stop them?", op.Path),
			Operations: targets,
			LeakUnit:   k.Info().LeakUnit,
			Identities: opts.Attackers,
			Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 4, Duration: time.Minute},
			Think:      scenarios.ConstantThink(20 * time.Millisecond),
			Params:     params,
			SLA:        opts.SLA,
		})
	}
	return out
}

// parentList is the collection that lists the parent ids of a read
// nested one level (names holds its two path parameters): the GET at the
// path before the parent's parameter, which itself has none.
func parentList(s scenarios.Surface, op scenarios.Operation, names []string) (scenarios.Operation, bool) {
	if len(names) != 2 {
		return scenarios.Operation{}, false
	}
	list, ok := listBefore(s, op.Path, names[0])
	return list, ok && !strings.Contains(list.Path, "{")
}

// objectParam is the path parameter name of op, as declared when it is.
func objectParam(op scenarios.Operation, name string) scenarios.Param {
	if p, ok := op.Param(scenarios.InPath, name); ok {
		return p
	}
	return scenarios.Param{Name: name, In: scenarios.InPath}
}

// listBefore finds the GET collection at path cut before "/{param}":
// /customers for {customer} of /customers/{customer}/sources/{id}.
func listBefore(s scenarios.Surface, path, param string) (scenarios.Operation, bool) {
	i := strings.Index(path, "/{"+param+"}")
	if i <= 0 {
		return scenarios.Operation{}, false
	}
	list, ok := generators.Find(s, http.MethodGet+" "+path[:i])
	return list, ok && list.Has(scenarios.RoleCollection)
}

// pageSize is the page size a harvest asks for where the collection takes
// one: an ordinary size, within the documented maximum.
const pageSize = 100

// paging puts how the collection list pages into params (page_param,
// offset_param, cursor_param, size_param and size, each after prefix)
// and reports whether it pages at all. Answers may lead on by links the
// spec does not declare: the walk follows those as well.
func paging(list scenarios.Operation, params map[string]string, prefix string) bool {
	page, offset, cursor, size := generators.PageParams(list)
	for k, v := range map[string]string{"page_param": page, "offset_param": offset, "cursor_param": cursor, "size_param": size} {
		if v != "" {
			params[prefix+k] = v
		}
	}
	if size != "" {
		n := pageSize
		for _, m := range []int{list.Rules.MaxPageSize, maxSizeOf(list)} {
			if m > 0 {
				n = min(n, m)
			}
		}
		params[prefix+"size"] = strconv.Itoa(n)
	}
	return page != "" || offset != "" || cursor != ""
}

func maxSizeOf(op scenarios.Operation) int {
	if op.Pagination == nil {
		return 0
	}
	return op.Pagination.MaxSize
}

// collectionOf finds an authenticated-or-not GET collection whose path is
// the object path without its last segment: /users for /users/{id}.
func collectionOf(s scenarios.Surface, op scenarios.Operation) (scenarios.Operation, bool) {
	i := strings.LastIndexByte(op.Path, '/')
	if i <= 0 {
		return scenarios.Operation{}, false
	}
	list, ok := generators.Find(s, http.MethodGet+" "+op.Path[:i])
	return list, ok && list.Has(scenarios.RoleCollection)
}

// Program implements generators.Kind: VU i of n walks ids from+i,
// from+i+n, ... up to to, skipping its own; with a harvest it instead
// pages through the collection and reads its share of the first
// to-from+1 ids listed (see lister), each page's before the next. A
// nested read first lists its parents (param parent_list), dealt out to
// the VUs as a harvest's ids are, and walks the ids under each of its
// parents in turn (the harvest list filled with that parent, else
// from..to), within its share of the reads param's reads in all
// (to-from+1 by default). With
// replay=true and two identities or more, it then logs in as the next
// identity and reads again every object it could read.
func (k *Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if len(sc.Operations) == 0 {
		return nil, fmt.Errorf("enumeration %s: no operation to enumerate", sc.ID)
	}
	method, path, err := generators.SplitKey(sc.Operations[0].Operation)
	if err != nil || method != http.MethodGet {
		return nil, fmt.Errorf("enumeration %s: operation %q is not \"GET /path\"", sc.ID, sc.Operations[0].Operation)
	}
	param, parent := sc.Params["param"], sc.Params["parent"]
	if !strings.Contains(path, "{"+param+"}") {
		return nil, fmt.Errorf("enumeration %s: path %s has no parameter {%s}", sc.ID, path, param)
	}
	if err := filled(path, param, parent); err != nil {
		return nil, fmt.Errorf("enumeration %s: %w", sc.ID, err)
	}
	from, err1 := strconv.Atoi(sc.Params["from"])
	to, err2 := strconv.Atoi(sc.Params["to"])
	if err1 != nil || err2 != nil || from > to {
		return nil, fmt.Errorf("enumeration %s: params from=%q to=%q must be integers with from <= to", sc.ID, sc.Params["from"], sc.Params["to"])
	}
	w := &walker{
		kind:     k,
		scenario: sc.ID,
		vu:       env.VU,
		auth:     env.Auth,
		session:  generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU)),
		route:    path,
		path:     path,
		param:    "{" + param + "}",
		stride:   max(sc.Schedule.VUs, 1),
		from:     from,
	}
	w.next, w.to = from+env.VU%w.stride, to
	budget := to - from + 1
	if h := sc.Params["harvest"]; h != "" {
		route, err := listRoute(h, "harvest", param, parent)
		if err != nil {
			return nil, fmt.Errorf("enumeration %s: %w", sc.ID, err)
		}
		if n, err := generators.Intn(sc.Params, "size", 1); err != nil || n < 1 {
			return nil, fmt.Errorf("enumeration %s: size=%q: want a positive integer", sc.ID, sc.Params["size"])
		}
		if parent == "" {
			w.list = newLister(route, route, sc.Params, param, env.VU, w.stride, budget)
		}
		w.children, w.childParams = route, sc.Params
	}
	if parent != "" {
		route, err := listRoute(sc.Params["parent_list"], "parent_list", parent, "")
		if err != nil {
			return nil, fmt.Errorf("enumeration %s: %w", sc.ID, err)
		}
		if budget, err = generators.Intn(sc.Params, "reads", budget); err != nil || budget < 1 {
			return nil, fmt.Errorf("enumeration %s: reads=%q: want a positive integer", sc.ID, sc.Params["reads"])
		}
		pp := map[string]string{}
		for _, k := range []string{"page_param", "offset_param", "cursor_param", "size_param", "size"} {
			pp[k] = sc.Params["parent_"+k]
		}
		w.parent = "{" + parent + "}"
		w.parents = newLister(route, route, pp, parent, env.VU, w.stride, budget)
		// This VU's share of the reads; it walks every id under its own
		// parents, so its walk no longer strides.
		w.quota = budget / w.stride
		if env.VU%w.stride < budget%w.stride {
			w.quota++
		}
		w.stride, w.next = 1, to+1 // nothing to walk before the first parent
	}
	if sc.Params["replay"] == "true" && len(sc.Identities) > 1 {
		i := indexOf(sc.Identities, env.Identity)
		w.second = sc.Identities[(i+1)%len(sc.Identities)]
		w.replay = true
	}
	return w, nil
}

// filled checks that a path template has no parameter but the walked
// param and the parent, which the walk fills: a request must never go out
// with a literal {name} in its path.
func filled(path, param, parent string) error {
	if holdsOthers(path, param, parent) {
		with := "{" + param + "}"
		if parent != "" {
			with += " and the parent {" + parent + "}"
		}
		return fmt.Errorf("path %s has parameters besides %s that nothing fills: set param (and parent, parent_list) to them or drop the scenario", path, with)
	}
	return nil
}

// listRoute is the path of a list param ("GET /path"), which may hold
// no parameter but parent.
func listRoute(key, name, param, parent string) (string, error) {
	_, route, err := generators.SplitKey(key)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if holdsOthers(route, parent) {
		return "", fmt.Errorf("%s %s: a list the ids of {%s} are read from must have no path parameter but the parent's", name, key, param)
	}
	return route, nil
}

// holdsOthers reports whether a path template holds a parameter besides
// the named ones ("" names none), each taken out once, as the walk fills
// it once.
func holdsOthers(route string, names ...string) bool {
	for _, n := range names {
		if n != "" {
			route = strings.Replace(route, "{"+n+"}", "", 1)
		}
	}
	return strings.Contains(route, "{")
}

func indexOf(ids []scenarios.Identity, id scenarios.Identity) int {
	for i, x := range ids {
		if x.Username == id.Username {
			return i
		}
	}
	return 0
}

// phase is where a walker is in its attack.
type phase int

const (
	walking phase = iota
	replaying
)

// object is a record the walk reads: its request path, its id, and the
// key the leak counts it by (the id; the path when nested, as ids may
// repeat from one parent to the next).
type object struct{ path, id, key string }

type walker struct {
	kind     *Kind
	scenario string
	vu       int
	auth     scenarios.Auth
	session  *generators.Session
	route    string // the read's path template
	path     string // route with the current parent filled in
	param    string
	next, to int
	from     int
	stride   int

	list      *lister  // the collection ids are harvested from, if any
	listing   *lister  // the list whose page is in flight, if any
	harvested []string // ids listed by the collection, this VU's share

	// A nested read's parents: their list, the ids of this VU's share
	// listed so far and how many it walked; the harvest list's template
	// and params, filled per parent; the reads this VU has left.
	parent      string
	parents     *lister
	parentIDs   []string
	entered     int
	children    string
	childParams map[string]string
	quota       int

	phase  phase
	replay bool
	second scenarios.Identity
	read   []object // objects the walk could read, replayed by the second identity
	last   object   // the object of the request in flight
	cursor int
}

// Session implements scenarios.SessionReporter.
func (w *walker) Session() scenarios.Session { return w.session.Session() }

// Next implements scenarios.Program.
func (w *walker) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil && prev.Request.Abusive && w.phase == walking && prev.Status == http.StatusOK {
		w.read = append(w.read, w.last)
	}
	if prev != nil && w.listing != nil && prev.Request.Route == w.listing.tmpl && !prev.Request.Abusive {
		ids := w.listing.take(prev)
		if w.listing == w.parents {
			w.parentIDs = append(w.parentIDs, ids...)
		} else {
			w.harvested = append(w.harvested, ids...)
		}
		w.listing = nil
	}
	req, login, stop := w.session.Drive(prev)
	switch {
	case stop:
		return w.nextPhase()
	case login:
		return scenarios.Step{Request: req}, true
	}
	// Each turn reads an object, lists a page, ends, or uses up an id or
	// a parent: there are finitely many.
	for {
		o, ok := w.nextObject()
		if ok && strings.ContainsAny(o.path, "{}") {
			continue // an id that would leave a path template: not sent
		}
		if ok {
			w.last = o
			w.quota--
			return scenarios.Step{Request: scenarios.Request{
				Method:  http.MethodGet,
				Path:    o.path,
				Route:   w.route,
				Header:  w.session.Header(),
				Abusive: true,
				Judge:   w.judge(o.key),
			}}, true
		}
		if w.phase != walking {
			return w.nextPhase()
		}
		// This VU's ids of the pages listed so far are read: on to the
		// next page, if the list goes on, else to the next parent.
		for _, l := range []*lister{w.list, w.parents} {
			if l == nil || l == w.parents && w.entered < len(w.parentIDs) {
				continue
			}
			if req, more := l.request(w.session.Header()); more {
				w.listing = l
				return scenarios.Step{Request: req}, true
			}
		}
		if w.parents == nil || w.entered >= len(w.parentIDs) || w.quota <= 0 {
			return w.nextPhase()
		}
		w.enter(w.parentIDs[w.entered])
	}
}

// enter moves a nested walk under parent: the harvest list filled with
// it, listed from its first page, or the ids from..to.
func (w *walker) enter(parent string) {
	w.entered++
	id := url.PathEscape(parent)
	w.path = strings.Replace(w.route, w.parent, id, 1)
	if w.children == "" {
		w.next = w.from
		return
	}
	route := strings.Replace(w.children, w.parent, id, 1)
	w.list = newLister(route, w.children, w.childParams, strings.Trim(w.param, "{}"), 0, 1, w.quota)
	w.harvested, w.cursor = nil, 0
}

// judge counts the record behind id as leaked when it is read and
// no VU of the scenario had read it before.
func (w *walker) judge(id string) func(scenarios.Result) (scenarios.Outcome, int) {
	return func(r scenarios.Result) (scenarios.Outcome, int) {
		o := scenarios.Classify(r.Status)
		if o != scenarios.OutcomeSuccess || !w.kind.harvested.Take(w.scenario, id) {
			return o, 0
		}
		return o, 1
	}
}

// nextObject returns the next object to read in the current phase,
// never the session's own.
func (w *walker) nextObject() (object, bool) {
	own := w.session.UserID()
	for {
		var id string
		switch {
		case w.phase == replaying:
			if w.cursor >= len(w.read) {
				return object{}, false
			}
			w.cursor++
			if o := w.read[w.cursor-1]; o.id != own {
				return o, true
			}
			continue
		case w.parents != nil && w.quota <= 0:
			return object{}, false
		case w.list != nil:
			if w.cursor >= len(w.harvested) {
				return object{}, false
			}
			id = w.harvested[w.cursor]
			w.cursor++
		default:
			if w.next > w.to {
				return object{}, false
			}
			id = strconv.Itoa(w.next)
			w.next += w.stride
		}
		if id == own {
			continue
		}
		o := object{path: strings.Replace(w.path, w.param, id, 1), id: id, key: id}
		if w.parents != nil {
			o.key = o.path
		}
		return o, true
	}
}

// nextPhase starts the replay by the second identity, or ends the VU.
func (w *walker) nextPhase() (scenarios.Step, bool) {
	if w.phase != walking || !w.replay || len(w.read) == 0 {
		return scenarios.Step{}, false
	}
	w.phase, w.cursor = replaying, 0
	w.session = generators.NewSession(w.auth, w.second, fmt.Sprintf("%s/vu%d/replay", w.scenario, w.vu))
	return w.Next(nil) // logs the second identity in, unless its credential is static
}
