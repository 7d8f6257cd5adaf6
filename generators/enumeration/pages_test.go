package enumeration_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/enumeration"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/runtime/responder"
	"github.com/abusegate/abusegate/scenarios"
)

// catalog is a list API of records whose items carry their id only under
// field (no "id", as Twilio's "sid" and the museum's "eventId"), paged the
// way its style says, with pages of at most 20 whatever the request asks;
// reading a listed id answers its record, anything else is a 404. It
// needs a basic credential and records every request.
type catalog struct {
	route  string
	style  string
	field  string
	ids    []string
	srv    *httptest.Server
	mu     sync.Mutex
	lists  []string // the list requests' paths and queries
	reads  []string // the ids read
	others []string // any other request
}

const catalogPage = 20

func newCatalog(t *testing.T, route, style, field string, n int) *catalog {
	c := &catalog{route: route, style: style, field: field}
	for i := range n {
		c.ids = append(c.ids, fmt.Sprintf("CR%032x", i+1))
	}
	c.srv = httptest.NewServer(c)
	t.Cleanup(c.srv.Close)
	return c
}

func (c *catalog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := r.BasicAuth(); !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case r.URL.Path == c.route:
		c.lists = append(c.lists, r.URL.RequestURI())
		c.list(w, r.URL.Query())
	case strings.HasPrefix(r.URL.Path, c.route+"/") && slices.Contains(c.ids, strings.TrimPrefix(r.URL.Path, c.route+"/")):
		id := strings.TrimPrefix(r.URL.Path, c.route+"/")
		c.reads = append(c.reads, id)
		writeJSON(w, http.Header{}, map[string]any{c.field: id, "secret": "of " + id})
	default:
		c.others = append(c.others, r.URL.RequestURI())
		w.WriteHeader(http.StatusNotFound)
	}
}

// list answers a page: where it starts is read from the style's
// position parameter, and where the next starts is said the style's way.
func (c *catalog) list(w http.ResponseWriter, q url.Values) {
	start, h := 0, http.Header{}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	switch c.style {
	case "twilio": // Page is for client state only: PageToken places the page
		start = atoi(strings.TrimPrefix(q.Get("PageToken"), "PT"))
	case "offset":
		start = atoi(q.Get("offset"))
	case "page":
		start = max(atoi(q.Get("page"))-1, 0) * catalogPage
	case "cursor":
		start = atoi(strings.TrimPrefix(q.Get("cursor"), "c"))
	case "stripe":
		if i := slices.Index(c.ids, q.Get("starting_after")); i >= 0 {
			start = i + 1
		}
	case "link":
		start = atoi(q.Get("after"))
	}
	size := catalogPage
	if s := atoi(q.Get(map[string]string{"twilio": "PageSize", "offset": "limit", "page": "limit"}[c.style])); s > 0 {
		size = min(s, catalogPage)
	}
	start = min(start, len(c.ids))
	end := min(start+size, len(c.ids))
	items := []map[string]any{}
	for _, id := range c.ids[start:end] {
		items = append(items, map[string]any{c.field: id, "name": "record " + id})
	}
	more := end < len(c.ids)
	switch c.style {
	case "twilio":
		var next any
		if more {
			next = fmt.Sprintf("%s%s?PageSize=%d&Page=%d&PageToken=PT%d", c.srv.URL, c.route, size, start/size+1, end)
		}
		writeJSON(w, h, map[string]any{"credentials": items, "meta": map[string]any{"key": "credentials", "page": start / size, "next_page_url": next, "url": c.srv.URL + c.route}})
	case "cursor":
		body := map[string]any{"data": items}
		if more {
			body["next_cursor"] = "c" + strconv.Itoa(end)
		}
		writeJSON(w, h, body)
	case "stripe":
		writeJSON(w, h, map[string]any{"object": "list", "data": items, "has_more": more, "url": c.route})
	case "link":
		if more {
			h.Set("Link", fmt.Sprintf(`<%s?after=%d>; rel="next", <%[1]s>; rel="first"`, c.route, end))
		}
		writeJSON(w, h, items)
	default:
		writeJSON(w, h, items)
	}
}

func writeJSON(w http.ResponseWriter, h http.Header, v any) {
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// harvestScenario is a harvesting enumeration of GET /things/{param} as
// Generate writes one, with the list's paging params.
func harvestScenario(param string, vus, budget int, paging map[string]string) scenarios.Scenario {
	p := map[string]string{"param": param, "from": "1", "to": strconv.Itoa(budget), "harvest": "GET /things"}
	for k, v := range paging {
		p[k] = v
	}
	return scenarios.Scenario{
		ID: "enumeration-things", Kind: enumeration.ID,
		Operations: []scenarios.Target{{Operation: "GET /things/{" + param + "}"}, {Operation: "GET /things"}},
		Identities: []scenarios.Identity{{Username: "mallory", Password: "key-1", Credential: "basic"}},
		Schedule:   scenarios.Schedule{VUs: vus},
		Params:     p,
	}
}

// walk runs each of sc's VUs once through its walk against target and
// returns the leak and the abusive reads that succeeded.
func walk(t *testing.T, target string, sc scenarios.Scenario) (leak, reads int) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	return runIterations(t, u, scenarios.Auth{}, enumeration.New(), sc, 1)
}

// The walk pages through the whole list, however it pages, and its VUs
// share the ids: every record is read once, by one VU, and the list is
// walked in a bounded number of requests (linked pages by every VU in
// turn, addressed pages dealt out).
func TestHarvestPagesThroughTheList(t *testing.T) {
	tests := []struct {
		style, field, param string
		paging              map[string]string
		lists               int // list requests of 3 VUs over 60 records
	}{
		// Twilio: PageToken places a page, Page does not; the answer's
		// absolute meta.next_page_url (this host) leads on.
		{"twilio", "sid", "Sid", map[string]string{"page_param": "Page", "cursor_param": "PageToken", "size_param": "PageSize", "size": "100"}, 3 * 3},
		// Offset and limit, addressed: page 0 by every VU, then pages
		// 1, 2, 3 one to a VU, and each VU's next is past the end.
		{"offset", "eventId", "eventId", map[string]string{"offset_param": "offset", "size_param": "limit", "size": "30"}, 3 + 3 + 2},
		{"page", "eventId", "eventId", map[string]string{"page_param": "page", "size_param": "limit", "size": "30"}, 3 + 3 + 2},
		{"cursor", "uuid", "thing", map[string]string{"cursor_param": "cursor"}, 3 * 3},
		{"stripe", "id", "thing", map[string]string{"cursor_param": "starting_after", "size_param": "limit", "size": "100"}, 3 * 3},
		// A relative Link header, and no paging the spec declares.
		{"link", "thing_id", "thing", nil, 3 * 3},
	}
	for _, tt := range tests {
		t.Run(tt.style, func(t *testing.T) {
			c := newCatalog(t, "/things", tt.style, tt.field, 60)
			leak, reads := walk(t, c.srv.URL, harvestScenario(tt.param, 3, 500, tt.paging))
			assert.Equal(t, 60, leak, "every record leaks")
			assert.Equal(t, 60, reads, "and is read once: the VUs share the ids")
			assert.ElementsMatch(t, c.ids, c.reads)
			assert.Len(t, c.lists, tt.lists, "list requests: %v", c.lists)
			assert.Empty(t, c.others)
		})
	}
}

// The walk reads the first to-from+1 ids the list gives, no more, and
// lists no page past them.
func TestHarvestStopsAtTheBudget(t *testing.T) {
	for _, style := range []string{"twilio", "offset"} {
		t.Run(style, func(t *testing.T) {
			c := newCatalog(t, "/things", style, "sid", 200)
			paging := map[string]string{"cursor_param": "PageToken", "size_param": "PageSize", "size": "20"}
			if style == "offset" {
				paging = map[string]string{"offset_param": "offset", "size_param": "limit", "size": "20"}
			}
			leak, _ := walk(t, c.srv.URL, harvestScenario("Sid", 2, 45, paging))
			assert.Equal(t, 45, leak)
			assert.ElementsMatch(t, c.ids[:45], c.reads)
			assert.LessOrEqual(t, len(c.lists), 2*3, "pages of 20: 3 cover the first 45, for each of 2 VUs at most")
		})
	}
}

// odd is a list API that answers its list as the case says; the walk
// must neither panic nor loop, follow no link away from the list, and
// list at most a bounded number of pages.
func TestHarvestSurvivesOddAnswers(t *testing.T) {
	tests := []struct {
		name string
		list func(base string, q url.Values) (http.Header, string)
		// reads are the records the walk reads; lists the most list
		// requests of its 2 VUs.
		reads, lists int
	}{
		{"not JSON", func(string, url.Values) (http.Header, string) { return nil, "<html>busy</html>" }, 0, 2},
		{"no items", func(string, url.Values) (http.Header, string) { return nil, `{"data": [], "next": "/things?after=5"}` }, 0, 2},
		{"items without ids", func(string, url.Values) (http.Header, string) { return nil, `[{"name": "a"}, {"name": "b"}]` }, 0, 2},
		{"next link to another host and path", func(string, url.Values) (http.Header, string) {
			return nil, `{"data": [{"sid": "a"}, {"sid": "b"}], "next_page_url": "http://192.0.2.1/steal?page=2"}`
		}, 2, 2 * 2}, // not followed; the spec's page parameter is tried, and answers nothing new
		{"Link header elsewhere", func(string, url.Values) (http.Header, string) {
			return http.Header{"Link": {`<https://example.com/other?page=2>; rel="next"`}}, `[{"sid": "a"}]`
		}, 1, 2 * 2},
		{"next link to itself forever", func(base string, _ url.Values) (http.Header, string) {
			return nil, `{"data": [{"sid": "a"}], "meta": {"next_page_url": "` + base + `/things?PageToken=same"}}`
		}, 1, 2 * 2},
		{"cursor that never ends", func(_ string, q url.Values) (http.Header, string) {
			n, _ := strconv.Atoi(q.Get("cursor"))
			return nil, fmt.Sprintf(`{"data": [{"sid": "r%d"}], "next_cursor": "%d"}`, n, n+1)
		}, 30, 2 * 31},
		{"has_more but the cursor is ignored", func(string, url.Values) (http.Header, string) {
			return nil, `{"data": [{"sid": "a"}, {"sid": "b"}], "has_more": true}`
		}, 2, 2 * 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var lists, others []string
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				if r.URL.Path != "/things" {
					if !strings.HasPrefix(r.URL.Path, "/things/") {
						others = append(others, r.URL.RequestURI())
					}
					writeJSON(w, nil, map[string]any{"sid": strings.TrimPrefix(r.URL.Path, "/things/")})
					return
				}
				lists = append(lists, r.URL.RequestURI())
				h, body := tt.list(srv.URL, r.URL.Query())
				for k, v := range h {
					w.Header()[k] = v
				}
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			paging := map[string]string{"cursor_param": "cursor", "page_param": "page"}
			_, reads := walk(t, srv.URL, harvestScenario("Sid", 2, 30, paging))
			assert.Equal(t, tt.reads, reads)
			assert.LessOrEqual(t, len(lists), tt.lists, "list requests: %v", lists)
			assert.Empty(t, others, "nothing but the list and its records")
		})
	}
}

// sharedSpec returns the path of a public spec in ../shared/specs,
// skipping the test where the shared folder is absent (failing in CI).
func sharedSpec(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "..", "shared", "specs", "openapi", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("shared spec %s missing under CI: %v", name, err)
		}
		t.Skipf("shared spec %s not available (%v): run inside the abusegate workspace", name, err)
	}
	return path
}

// The scenarios Generate writes for Twilio's and the museum's reads
// harvest the ids their reads take (sid, eventId) through every page:
// against the spec-driven responder, and against a server that answers
// as the real API does (no "id" in the items; Twilio pages by PageToken
// and next_page_url alone).
func TestGeneratedHarvestReadsPastTheFirstPage(t *testing.T) {
	tests := []struct {
		spec, scenario, style, field string
	}{
		{"twilio_accounts_v1.yaml", "enumeration-get-v1-credentials-aws-sid", "twilio", "sid"},
		{"redocly-museum.yaml", "enumeration-get-special-events-eventid", "page", "eventId"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, _, err := openapi.LoadFile(sharedSpec(t, tt.spec))
			require.NoError(t, err)
			attackers := []scenarios.Identity{{Username: "mallory", Password: "k1", Credential: "basic"}}
			var sc scenarios.Scenario
			for _, g := range enumeration.New().Generate(s, generators.Options{Attackers: attackers}) {
				if g.ID == tt.scenario {
					sc = g
				}
			}
			require.Equal(t, tt.scenario, sc.ID, "generated")
			sc.Params["to"] = "300"

			t.Run("responder", func(t *testing.T) {
				srv := httptest.NewServer(responder.New(s, responder.Options{Seed: 1}))
				defer srv.Close()
				leak, _ := walk(t, srv.URL, sc)
				assert.Equal(t, 300, leak, "the first 300 of the responder's 10,000 records")
			})
			t.Run("real shape", func(t *testing.T) {
				c := newCatalog(t, strings.TrimPrefix(sc.Operations[1].Operation, "GET "), tt.style, tt.field, 130)
				leak, _ := walk(t, c.srv.URL, sc)
				assert.Equal(t, 130, leak, "every record of the list, past its first page")
				assert.ElementsMatch(t, c.ids, c.reads)
			})
		})
	}
}
