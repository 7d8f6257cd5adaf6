// Package consumption is the rest.resource-consumption misuse kind (OWASP
// API4:2023 unrestricted resource consumption): a collection is asked for
// pages far larger than any client needs, so one request makes the target
// read, serialize and send what hundreds of ordinary ones would. The leak
// is the items served beyond the page-size cap: the spec's documented
// maximum (the smallest of x-abuse's max page size, the size parameter's
// schema maximum and the pagination's maximum), or DefaultCap when it
// documents none — the same line abusegate's guard refuses at. An answer
// bigger than the executor reads of it (runtime/vu's read limit) counts
// the items its part read holds whole: a lower bound of what was served.
//
// It imports only generators and scenarios.
package consumption

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.resource-consumption"

// DefaultCap is the page size above which items count as excess when the
// spec documents no maximum. It is the monitor's default oversize cap
// (detectors.oversize.cap), so a plan's leak counts exactly the items a
// default guard would have refused to serve: no paged UI shows more, and
// below it a large page is a client's choice the API never ruled out.
// Where an API has a limit of its own, the plan's cap param says so.
const DefaultCap = 1000

// Kind generates and runs resource-consumption scenarios.
type Kind struct{}

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Oversized pages (unrestricted resource consumption)",
		OWASP:    []string{"API4:2023"},
		OAT:      []string{"OAT-015"},
		Needs:    "a GET collection with a page-size parameter",
		LeakUnit: "items beyond the page-size cap",
	}
}

// Generate targets every collection with a page-size parameter.
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleCollection) || op.Method != http.MethodGet || op.Protocol != scenarios.REST {
			continue
		}
		var size scenarios.Param
		for _, p := range op.Params {
			if p.Role == scenarios.ParamPageSize && p.In == scenarios.InQuery {
				size = p
				break
			}
		}
		if size.Name == "" {
			continue
		}
		limit := DefaultCap
		why := fmt.Sprintf("page size %q documents no maximum: items past %d a page count as excess, the cap abusegate's guard refuses over by default (detectors.oversize.cap); set cap to the API's own limit", size.Name, DefaultCap)
		if m, from := documentedMax(op, size); m > 0 {
			limit, why = m, fmt.Sprintf("page size %q is documented up to %d (%s): is it enforced?", size.Name, m, from)
		}
		out = append(out, scenarios.Scenario{
			ID:         "consumption-" + generators.Slug(op.Key()),
			Kind:       ID,
			Title:      "Oversized pages from " + op.Key(),
			Question:   fmt.Sprintf("What if a client asks %s for a million items per page?", op.Path),
			Operations: []scenarios.Target{{Operation: op.Key(), Why: why}},
			LeakUnit:   k.Info().LeakUnit,
			Identities: opts.Attackers,
			Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 2, Duration: time.Minute},
			Think:      scenarios.ConstantThink(250 * time.Millisecond),
			Params:     map[string]string{"size_param": size.Name, "size": "1000000", "cap": strconv.Itoa(limit), "requests": "20", "login": strconv.FormatBool(op.Auth)},
			SLA:        opts.SLA,
		})
	}
	return out
}

// Program implements generators.Kind: requests pages of the given size,
// logging in first when the collection needs it.
func (Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if len(sc.Operations) == 0 {
		return nil, fmt.Errorf("resource-consumption %s: no operation", sc.ID)
	}
	_, path, err := generators.SplitKey(sc.Operations[0].Operation)
	if err != nil {
		return nil, fmt.Errorf("resource-consumption %s: %w", sc.ID, err)
	}
	p := sc.Params
	limit, err1 := generators.Intn(p, "cap", DefaultCap)
	n, err2 := generators.Intn(p, "requests", 20)
	if err := errors.Join(err1, err2); err != nil || p["size_param"] == "" {
		return nil, fmt.Errorf("resource-consumption %s: params size_param, size, cap and requests are required: %v", sc.ID, err)
	}
	c := &consumer{path: path, q: url.Values{p["size_param"]: {p["size"]}}.Encode(), cap: limit, left: n}
	if p["login"] == "true" {
		c.session = generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU))
	}
	return c, nil
}

type consumer struct {
	session *generators.Session
	path, q string
	cap     int
	left    int
}

// Session implements scenarios.SessionReporter.
func (c *consumer) Session() scenarios.Session {
	if c.session == nil {
		return scenarios.Session{}
	}
	return c.session.Session()
}

// Next implements scenarios.Program.
func (c *consumer) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	h := http.Header{}
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
	limit := c.cap
	return scenarios.Step{Request: scenarios.Request{
		Method: http.MethodGet, Path: c.path + "?" + c.q, Route: c.path, Header: h, Abusive: true,
		Judge: func(r scenarios.Result) (scenarios.Outcome, int) {
			o := scenarios.Classify(r.Status)
			if o != scenarios.OutcomeSuccess {
				return o, 0
			}
			return o, max(served(r.Body)-limit, 0)
		},
	}}, true
}

// served counts an answer's items: generators.Items's count of a whole
// body, or the items a body cut at the read limit holds whole. Items
// counts none in a body that does not end as a list or object does, so a
// cut one (almost any) is not parsed in vain first.
func served(body []byte) int {
	end := bytes.TrimRight(body, " \t\r\n")
	if len(end) > 0 && (end[len(end)-1] == ']' || end[len(end)-1] == '}') {
		if n := len(generators.Items(body)); n > 0 {
			return n
		}
	}
	if n, cut := countItems(body); cut {
		return n
	}
	return 0
}
