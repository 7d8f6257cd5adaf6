// Package scraping is the rest.slow-scraping misuse kind (OWASP API6:2023,
// OAT-011 scraping): many identities and addresses page through a
// collection low and slow, each below any per-identity rate, and together
// take the whole catalog. The leak is the number of distinct items
// harvested; divided by the catalog size it is the share scraped.
//
// It imports only generators and scenarios.
package scraping

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "rest.slow-scraping"

// Kind generates and runs slow-scraping scenarios.
type Kind struct {
	// harvested holds, per scenario, the ids of the items its VUs have
	// obtained: the leak is the catalog share taken, so an item scraped
	// again by a later iteration or another VU counts once.
	harvested generators.Harvest
}

// New returns a slow-scraping kind; a run gets a fresh one from
// builtin.Register, so its harvest starts empty.
func New() *Kind { return &Kind{} }

var _ generators.Kind = (*Kind)(nil)

// Info implements generators.Kind.
func (*Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Low-and-slow distributed scraping",
		OWASP:    []string{"API6:2023"},
		OAT:      []string{"OAT-011"},
		Needs:    "a GET collection paginated by page number or offset",
		LeakUnit: "catalog items",
	}
}

// Generate picks every paginated collection whose pages can be addressed
// directly (page number or offset: a cursor serializes the walk).
func (k *Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if !op.Has(scenarios.RoleCollection) || op.Method != http.MethodGet || op.Protocol != scenarios.REST {
			continue
		}
		p := map[string]string{"size": "20", "pages": "500", "rotate": "both"}
		for _, prm := range op.Params {
			switch prm.Role {
			case scenarios.ParamPage:
				p["page_param"], p["style"] = prm.Name, "page"
			case scenarios.ParamOffset:
				if p["style"] == "" {
					p["offset_param"], p["style"] = prm.Name, "offset"
				}
			case scenarios.ParamPageSize:
				p["size_param"] = prm.Name
			}
		}
		if p["style"] == "" {
			continue
		}
		// An ordinary page size: the point is to look like browsing.
		if max := op.Rules.MaxPageSize; max > 0 && max < 20 {
			p["size"] = strconv.Itoa(max)
		}
		why := fmt.Sprintf("paginated by %s", p["style"])
		if op.Auth {
			p["login"] = "true"
			why += "; needs a login, so the work is spread over many accounts"
		} else {
			why += "; public, so only addresses and devices identify the scraper"
		}
		out = append(out, scenarios.Scenario{
			ID:         "scraping-" + generators.Slug(op.Key()),
			Kind:       ID,
			Title:      "Slow scraping of " + op.Key(),
			Question:   fmt.Sprintf("What if many accounts and addresses each fetch a page of %s every few seconds, never fast enough to be noticed, until they hold the whole catalog?", op.Path),
			Operations: []scenarios.Target{{Operation: op.Key(), Why: why}},
			LeakUnit:   k.Info().LeakUnit,
			Identities: opts.Attackers,
			Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 10, Duration: 10 * time.Minute},
			Think:      scenarios.Think{Dist: scenarios.Uniform, Min: 2 * time.Second, Max: 4 * time.Second},
			Params:     p,
			SLA:        opts.SLA,
		})
	}
	return out
}

// Program implements generators.Kind: VU i of n fetches pages i, i+n, ...
// (their offsets, for offset paging) until a page comes back empty or the
// scenario's page budget is spent; every request wears another address and
// device when rotate says so.
func (k *Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	if len(sc.Operations) == 0 {
		return nil, fmt.Errorf("slow-scraping %s: no operation", sc.ID)
	}
	method, path, err := generators.SplitKey(sc.Operations[0].Operation)
	if err != nil || method != http.MethodGet {
		return nil, fmt.Errorf("slow-scraping %s: operation %q is not \"GET /path\"", sc.ID, sc.Operations[0].Operation)
	}
	p := sc.Params
	size, err := generators.Intn(p, "size", 20)
	if err != nil || size < 1 {
		return nil, fmt.Errorf("slow-scraping %s: size=%q: want a positive integer", sc.ID, p["size"])
	}
	pages, err := generators.Intn(p, "pages", 500)
	if err != nil || pages < 1 {
		return nil, fmt.Errorf("slow-scraping %s: pages=%q: want a positive integer", sc.ID, p["pages"])
	}
	rot, err := generators.ParseRotation(p["rotate"])
	if err != nil {
		return nil, fmt.Errorf("slow-scraping %s: %w", sc.ID, err)
	}
	s := &scraper{path: path, size: size, rot: rot, vu: env.VU, stride: max(sc.Schedule.VUs, 1), sizeParam: p["size_param"]}
	s.judge = k.judge(sc.ID)
	switch p["style"] {
	case "page":
		s.pageParam = p["page_param"]
	case "offset":
		s.offsetParam = p["offset_param"]
	default:
		return nil, fmt.Errorf("slow-scraping %s: style=%q: want page or offset", sc.ID, p["style"])
	}
	s.pages = pages / s.stride
	if env.VU < pages%s.stride {
		s.pages++
	}
	if p["login"] == "true" {
		s.session = generators.NewSession(env.Auth, env.Identity, fmt.Sprintf("%s/vu%d", sc.ID, env.VU))
	}
	return s, nil
}

type scraper struct {
	session                           *generators.Session
	path                              string
	pageParam, offsetParam, sizeParam string
	size                              int
	rot                               generators.Rotation
	vu, stride                        int
	pages, sent                       int
	empty                             bool
	judge                             func(scenarios.Result) (scenarios.Outcome, int)
}

// Session implements scenarios.SessionReporter.
func (s *scraper) Session() scenarios.Session {
	if s.session == nil {
		return scenarios.Session{ID: fmt.Sprintf("scraper/vu%d", s.vu)}
	}
	return s.session.Session()
}

// Next implements scenarios.Program.
func (s *scraper) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	h := http.Header{}
	if s.session != nil {
		req, login, stop := s.session.Drive(prev)
		switch {
		case stop:
			return scenarios.Step{}, false
		case login:
			s.rot.Apply(req.Header, s.vu)
			return scenarios.Step{Request: req}, true
		}
		h = s.session.Header()
	}
	if prev != nil && prev.Request.Abusive && prev.Status == http.StatusOK && len(generators.Items(prev.Body)) == 0 {
		return scenarios.Step{}, false // past the end of the catalog
	}
	if s.sent >= s.pages {
		return scenarios.Step{}, false
	}
	k := s.vu + s.sent*s.stride // the k-th page of the catalog, from 0
	s.sent++
	q := url.Values{}
	if s.pageParam != "" {
		q.Set(s.pageParam, strconv.Itoa(k+1))
	} else {
		q.Set(s.offsetParam, strconv.Itoa(k*s.size))
	}
	if s.sizeParam != "" {
		q.Set(s.sizeParam, strconv.Itoa(s.size))
	}
	s.rot.Apply(h, k)
	return scenarios.Step{Request: scenarios.Request{
		Method: http.MethodGet, Path: s.path + "?" + q.Encode(), Route: s.path, Header: h,
		Abusive: true, Judge: s.judge,
	}}, true
}

// judge returns the Judge of scenario id's pages: each page's leak is the
// number of its items no VU of the scenario had harvested before. Items
// without an id count as new: the catalog gives nothing to tell them apart.
func (k *Kind) judge(id string) func(scenarios.Result) (scenarios.Outcome, int) {
	return func(r scenarios.Result) (scenarios.Outcome, int) {
		o := scenarios.Classify(r.Status)
		if o != scenarios.OutcomeSuccess {
			return o, 0
		}
		n := 0
		for _, item := range generators.Items(r.Body) {
			if item, ok := generators.ItemID(item); !ok || k.harvested.Take(id, item) {
				n++
			}
		}
		return o, n
	}
}
