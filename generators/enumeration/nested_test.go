package enumeration_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
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

// nestedSpec is an API of objects read under a parent, as Stripe's
// /v1/customers/{customer}/sources/{id}: customers are listed, sources
// are listed per customer, invoices are numbered per customer and not
// listed; notes sit under orphans nothing lists, and /a/{x}/b/{y}/c/{z}
// nests two levels deep.
const nestedSpec = `openapi: 3.0.3
info: {title: nested, version: "1"}
security: [{basic: []}]
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
  schemas:
    Page:
      type: object
      properties:
        data: {type: array, items: {type: object, properties: {id: {type: string}}}}
        has_more: {type: boolean}
    Thing:
      type: object
      properties: {id: {type: string}}
paths:
  /customers:
    get:
      parameters:
        - {name: starting_after, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}}
  /customers/{customer}:
    get:
      parameters: [{name: customer, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}}
  /customers/{customer}/sources:
    get:
      parameters:
        - {name: customer, in: path, required: true, schema: {type: string}}
        - {name: starting_after, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}}
  /customers/{customer}/sources/{id}:
    get:
      parameters:
        - {name: customer, in: path, required: true, schema: {type: string}}
        - {name: id, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}}
  /customers/{customer}/invoices/{number}:
    get:
      parameters:
        - {name: customer, in: path, required: true, schema: {type: string}}
        - {name: number, in: path, required: true, schema: {type: integer}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}}
  /orphans/{orphan}/notes/{note}:
    get:
      parameters:
        - {name: orphan, in: path, required: true, schema: {type: string}}
        - {name: note, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}}
  /a:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Page"}}}}}
  /a/{x}/b/{y}/c/{z}:
    get:
      parameters:
        - {name: x, in: path, required: true, schema: {type: string}}
        - {name: y, in: path, required: true, schema: {type: string}}
        - {name: z, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}}
`

// shop is a server shaped as nestedSpec: customers listed Stripe's way
// (pages of 3, has_more and starting_after), each with its own sources
// (items name their id "source_id", no "id") and invoices 1..n. A read
// answers only a child of the customer in its path. It records every
// request.
type shop struct {
	customers []string
	sources   map[string][]string
	invoices  int
	srv       *httptest.Server
	mu        sync.Mutex
	reads     []string // paths of the records read
	misses    []string // any other request but a list
}

func newShop(t *testing.T, customers, children int, sourceID func(c string, i int) string) *shop {
	s := &shop{sources: map[string][]string{}, invoices: children}
	for i := range customers {
		c := fmt.Sprintf("cus_%02d", i+1)
		s.customers = append(s.customers, c)
		for j := range children {
			s.sources[c] = append(s.sources[c], sourceID(c, j+1))
		}
	}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := r.BasicAuth(); !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	page := func(ids []string, field string) {
		start := 0
		if i := slices.Index(ids, r.URL.Query().Get("starting_after")); i >= 0 {
			start = i + 1
		}
		end := min(start+3, len(ids))
		items := []map[string]any{}
		for _, id := range ids[start:end] {
			items = append(items, map[string]any{field: id})
		}
		writeJSON(w, nil, map[string]any{"object": "list", "data": items, "has_more": end < len(ids)})
	}
	switch {
	case len(segs) == 1 && segs[0] == "customers":
		page(s.customers, "id")
		return
	case len(segs) == 3 && segs[0] == "customers" && segs[2] == "sources" && s.sources[segs[1]] != nil:
		page(s.sources[segs[1]], "source_id")
		return
	case len(segs) == 4 && segs[0] == "customers" && segs[2] == "sources" && slices.Contains(s.sources[segs[1]], segs[3]),
		len(segs) == 4 && segs[0] == "customers" && segs[2] == "invoices" && s.sources[segs[1]] != nil && inRange(segs[3], s.invoices):
		s.reads = append(s.reads, r.URL.Path)
		writeJSON(w, nil, map[string]any{"id": segs[3], "owner": segs[1]})
		return
	}
	s.misses = append(s.misses, r.URL.RequestURI())
	w.WriteHeader(http.StatusNotFound)
}

func inRange(s string, n int) bool {
	i, err := strconv.Atoi(s)
	return err == nil && i >= 1 && i <= n
}

func nestedScenarios(t *testing.T) map[string]scenarios.Scenario {
	t.Helper()
	s, _, err := openapi.Load("nested.yaml", []byte(nestedSpec))
	require.NoError(t, err)
	attackers := []scenarios.Identity{{Username: "mallory", Password: "k1", Credential: "basic"}}
	out := map[string]scenarios.Scenario{}
	for _, sc := range enumeration.New().Generate(s, generators.Options{Attackers: attackers}) {
		out[sc.ID] = sc
	}
	return out
}

// A nested read walks its last parameter under parents harvested from
// their own list; a read whose parent nothing lists, or nested deeper,
// is not generated: it could not read anything.
func TestGenerateNestedReads(t *testing.T) {
	got := nestedScenarios(t)
	sc, ok := got["enumeration-get-customers-customer-sources-id"]
	require.True(t, ok, "generated: %v", slices.Sorted(maps.Keys(got)))
	assert.Equal(t, "id", sc.Params["param"])
	assert.Equal(t, "customer", sc.Params["parent"])
	assert.Equal(t, "GET /customers", sc.Params["parent_list"])
	assert.Equal(t, "starting_after", sc.Params["parent_cursor_param"])
	assert.Equal(t, "GET /customers/{customer}/sources", sc.Params["harvest"])
	assert.Contains(t, sc.Operations[0].Why, `under each {customer} harvested from GET /customers`)

	inv := got["enumeration-get-customers-customer-invoices-number"]
	assert.Equal(t, "number", inv.Params["param"])
	assert.Empty(t, inv.Params["harvest"], "integer ids are walked, not listed")
	assert.Equal(t, []string{"50", "500"}, []string{inv.Params["to"], inv.Params["reads"]}, "a few numbers under every parent")

	assert.NotContains(t, got, "enumeration-get-orphans-orphan-notes-note", "nothing lists the orphans")
	assert.NotContains(t, got, "enumeration-get-a-x-b-y-c-z", "nested two levels deep")
	assert.Contains(t, got, "enumeration-get-customers-customer", "a read of one level is as before")
}

// The walk reads every child of every parent, each once, by one VU, in
// real paths only: listed children through their per-parent list, and
// numbered ones by walking the numbers under each parent. The budget
// (to-from+1) bounds the reads of all parents together.
func TestNestedWalkReadsUnderEveryParent(t *testing.T) {
	scs := nestedScenarios(t)
	tests := []struct {
		name, scenario string
		budget, want   int
	}{
		{"listed children", "enumeration-get-customers-customer-sources-id", 500, 7 * 4},
		{"listed children within the budget", "enumeration-get-customers-customer-sources-id", 10, 10},
		{"numbered children", "enumeration-get-customers-customer-invoices-number", 3 * 3 * 5, 7 * 4}, // 3 customers a VU at most
		{"numbered children within the budget", "enumeration-get-customers-customer-invoices-number", 12, 3 * 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShop(t, 7, 4, func(c string, i int) string { return fmt.Sprintf("src_%s_%d", c, i) })
			sc := scs[tt.scenario]
			sc.Schedule.VUs = 3
			sc.Params["to"] = strconv.Itoa(tt.budget)
			if sc.Params["harvest"] == "" {
				// Numbers 1..5 under each customer (4 exist), so many reads
				// in all: VU 0 of 3 reads 1..4 under cus_01 (not 5).
				sc.Params["to"], sc.Params["reads"] = "5", strconv.Itoa(tt.budget)
			}
			leak, reads := walk(t, s.srv.URL, sc)
			assert.Equal(t, tt.want, leak)
			assert.Equal(t, tt.want, reads, "each record read once")
			assert.Len(t, s.reads, tt.want)
			for _, p := range append(slices.Clone(s.reads), s.misses...) {
				assert.NotContains(t, p, "{", "a path template went out")
				assert.NotContains(t, p, "%7B")
			}
			if sc.Params["harvest"] != "" {
				assert.Empty(t, s.misses, "nothing but lists and records")
			}
		})
	}
}

// A path must never go out with a literal {name}: a listed id that would
// put one back is not read, and a scenario whose path has a parameter
// nothing fills (a plan written before nested reads were walked) does not
// run.
func TestNestedNeverSendsATemplate(t *testing.T) {
	s := newShop(t, 2, 3, func(c string, i int) string {
		if i == 2 {
			return "{id}"
		}
		return fmt.Sprintf("src_%s_%d", c, i)
	})
	sc := nestedScenarios(t)["enumeration-get-customers-customer-sources-id"]
	sc.Schedule.VUs = 2
	leak, _ := walk(t, s.srv.URL, sc)
	assert.Equal(t, 2*2, leak, "the two real sources of each customer")
	for _, p := range append(slices.Clone(s.reads), s.misses...) {
		assert.NotContains(t, p, "{")
	}

	old := scenarios.Scenario{ID: "e", Operations: []scenarios.Target{{Operation: "GET /customers/{customer}/sources/{id}"}},
		Params: map[string]string{"param": "customer", "from": "1", "to": "5", "harvest": "GET /customers"}}
	_, err := enumeration.New().Program(old, generators.Env{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "path /customers/{customer}/sources/{id} has parameters besides {customer} that nothing fills")

	old.Params = map[string]string{"param": "id", "parent": "customer", "from": "1", "to": "5", "harvest": "GET /customers/{customer}/sources", "parent_list": "GET /x/{y}"}
	_, err = enumeration.New().Program(old, generators.Env{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "parent_list GET /x/{y}")
}

// Every scenario Generate writes for Stripe's API sends real paths only:
// its nested reads (/v1/customers/{customer}/sources/{id}, ...) fill the
// parent from its list, against the spec-driven responder, and read
// records.
func TestStripeNestedReadsSendRealPaths(t *testing.T) {
	s, _, err := openapi.LoadFile(sharedSpec(t, "stripe-spec3-2023-05.yaml"))
	require.NoError(t, err)
	attackers := []scenarios.Identity{{Username: "mallory", Password: "k1", Credential: "basic"}}
	srv := httptest.NewServer(responder.New(s, responder.Options{Seed: 1}))
	defer srv.Close()
	var mu sync.Mutex
	var sent []string
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		sent = append(sent, r.URL.EscapedPath())
		mu.Unlock()
		r.URL.Scheme, r.URL.Host = "", ""
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer rec.Close()
	nested := 0
	for _, sc := range enumeration.New().Generate(s, generators.Options{Attackers: attackers}) {
		if strings.Count(sc.Operations[0].Operation, "{") < 2 {
			continue
		}
		nested++
		sc.Params["to"], sc.Schedule.VUs = "20", 2
		leak, _ := walk(t, rec.URL, sc)
		assert.Positive(t, leak, "%s reads records", sc.ID)
	}
	assert.GreaterOrEqual(t, nested, 10, "Stripe's nested reads are generated")
	require.NotEmpty(t, sent)
	for _, p := range sent {
		if strings.ContainsAny(p, "{}") || strings.Contains(strings.ToUpper(p), "%7B") {
			t.Errorf("sent a path template: %s", p)
		}
	}
}
