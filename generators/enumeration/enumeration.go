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
// ids from a collection of the same resource when there is one.
func (k *Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		p, ok := op.ObjectID()
		// Without authentication every record is public: walking it is
		// scraping, not broken object-level authorization.
		if !ok || !op.Has(scenarios.RoleObjectRead) || op.Method != http.MethodGet || !op.Auth || op.Protocol != scenarios.REST {
			continue
		}
		why := fmt.Sprintf("GET with object id %q in the path", p.Name)
		params := map[string]string{"param": p.Name, "from": "1", "to": "500"}
		targets := []scenarios.Target{{Operation: op.Key()}}
		if p.Type == "integer" {
			why += " of type integer: ids are predictable"
		} else if list, ok := collectionOf(s, op); ok {
			why += "; ids are not predictable, so they are harvested from " + list.Key()
			params["harvest"] = list.Key()
			if paging(list, params) {
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

// pageSize is the page size a harvest asks for where the collection takes
// one: an ordinary size, within the documented maximum.
const pageSize = 100

// paging puts how the collection list pages into params (page_param,
// offset_param, cursor_param, size_param and size) and reports whether it
// pages at all. Answers may lead on by links the spec does not declare:
// the walk follows those as well.
func paging(list scenarios.Operation, params map[string]string) bool {
	page, offset, cursor, size := generators.PageParams(list)
	for k, v := range map[string]string{"page_param": page, "offset_param": offset, "cursor_param": cursor, "size_param": size} {
		if v != "" {
			params[k] = v
		}
	}
	if size != "" {
		n := pageSize
		for _, m := range []int{list.Rules.MaxPageSize, maxSizeOf(list)} {
			if m > 0 {
				n = min(n, m)
			}
		}
		params["size"] = strconv.Itoa(n)
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
// to-from+1 ids listed (see lister), each page's before the next. With
// replay=true and two identities or more, it then logs in as the next
// identity and reads again every id it could read.
func (k *Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if len(sc.Operations) == 0 {
		return nil, fmt.Errorf("enumeration %s: no operation to enumerate", sc.ID)
	}
	method, path, err := generators.SplitKey(sc.Operations[0].Operation)
	if err != nil || method != http.MethodGet {
		return nil, fmt.Errorf("enumeration %s: operation %q is not \"GET /path\"", sc.ID, sc.Operations[0].Operation)
	}
	param := sc.Params["param"]
	if !strings.Contains(path, "{"+param+"}") {
		return nil, fmt.Errorf("enumeration %s: path %s has no parameter {%s}", sc.ID, path, param)
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
		param:    "{" + param + "}",
		stride:   max(sc.Schedule.VUs, 1),
	}
	w.next, w.to = from+env.VU%w.stride, to
	if h := sc.Params["harvest"]; h != "" {
		_, route, err := generators.SplitKey(h)
		if err != nil {
			return nil, fmt.Errorf("enumeration %s: harvest: %w", sc.ID, err)
		}
		if n, err := generators.Intn(sc.Params, "size", 1); err != nil || n < 1 {
			return nil, fmt.Errorf("enumeration %s: size=%q: want a positive integer", sc.ID, sc.Params["size"])
		}
		w.list = newLister(route, sc.Params, param, env.VU, w.stride, to-from+1)
	}
	if sc.Params["replay"] == "true" && len(sc.Identities) > 1 {
		i := indexOf(sc.Identities, env.Identity)
		w.second = sc.Identities[(i+1)%len(sc.Identities)]
		w.replay = true
	}
	return w, nil
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

type walker struct {
	kind     *Kind
	scenario string
	vu       int
	auth     scenarios.Auth
	session  *generators.Session
	route    string
	param    string
	next, to int
	stride   int

	list      *lister  // the collection ids are harvested from, if any
	listing   bool     // a page of it is in flight
	harvested []string // ids listed by the collection, this VU's share

	phase  phase
	replay bool
	second scenarios.Identity
	read   []string // ids the walk could read, replayed by the second identity
	last   string   // the id of the request in flight
	cursor int
}

// Session implements scenarios.SessionReporter.
func (w *walker) Session() scenarios.Session { return w.session.Session() }

// Next implements scenarios.Program.
func (w *walker) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil && prev.Request.Abusive && w.phase == walking && prev.Status == http.StatusOK {
		w.read = append(w.read, w.last)
	}
	if prev != nil && w.listing && prev.Request.Route == w.list.route && !prev.Request.Abusive {
		w.listing = false
		w.harvested = append(w.harvested, w.list.take(prev)...)
	}
	req, login, stop := w.session.Drive(prev)
	switch {
	case stop:
		return w.nextPhase()
	case login:
		return scenarios.Step{Request: req}, true
	}
	id, ok := w.nextID()
	if !ok && w.list != nil && w.phase == walking {
		// This VU's ids of the pages listed so far are read: on to the
		// next page, if the list goes on.
		if req, more := w.list.request(w.session.Header()); more {
			w.listing = true
			return scenarios.Step{Request: req}, true
		}
	}
	if !ok {
		return w.nextPhase()
	}
	w.last = id
	return scenarios.Step{Request: scenarios.Request{
		Method:  http.MethodGet,
		Path:    strings.Replace(w.route, w.param, id, 1),
		Route:   w.route,
		Header:  w.session.Header(),
		Abusive: true,
		Judge:   w.judge(id),
	}}, true
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

// nextID returns the next id to read in the current phase, never the
// session's own.
func (w *walker) nextID() (string, bool) {
	own := w.session.UserID()
	for {
		var id string
		switch {
		case w.phase == replaying:
			if w.cursor >= len(w.read) {
				return "", false
			}
			id = w.read[w.cursor]
			w.cursor++
		case w.list != nil:
			if w.cursor >= len(w.harvested) {
				return "", false
			}
			id = w.harvested[w.cursor]
			w.cursor++
		default:
			if w.next > w.to {
				return "", false
			}
			id = strconv.Itoa(w.next)
			w.next += w.stride
		}
		if id != own {
			return id, true
		}
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
