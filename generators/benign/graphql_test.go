package benign

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/generators/internal/kindtest"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/scenarios"
)

func shoppers(n int) []scenarios.Identity {
	ids := make([]scenarios.Identity, n)
	for i := range ids {
		ids[i] = scenarios.Identity{Username: "u" + string(rune('a'+i)), Password: "pw"}
	}
	return ids
}

func loadSDL(t *testing.T, sdl string) scenarios.Surface {
	t.Helper()
	s, _, err := graphql.Load(graphql.Options{}, graphql.Source{Name: "test.graphql", Data: []byte(sdl)})
	require.NoError(t, err)
	return s
}

func keys(sc scenarios.Scenario) []string {
	var out []string
	for _, t := range sc.Operations {
		out = append(out, t.Operation+" ("+t.Why+")")
	}
	return out
}

// The demo shop's SDL alone gives the GraphQL journey; with its REST
// operations beside it, shoppers keep to REST.
func TestWorkloadPicksTheJourney(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Users: 5, Products: 40})
	both := tg.Surface
	both.Operations = append(slices.Clone(tg.Surface.Operations), tg.GraphQL.Operations...)
	cases := []struct {
		name    string
		surface scenarios.Surface
		ops     []string
		params  map[string]string
	}{
		{
			name:    "graphql only",
			surface: tg.GraphQL,
			ops: []string{
				"QUERY products (collection)", "QUERY user (object-read)", "MUTATION addCartItem (cart)",
				"MUTATION applyCoupon (coupon)", "MUTATION checkout (checkout)",
			},
			params: map[string]string{
				"protocol": "graphql", "endpoint": "/graphql", "login_field": "login", "token_field": "token", "user_id_field": "userId",
				"list": "products", "list_page": "page:Int", "list_size": "limit:Int", "list_ids": "items[].id",
				"list_sel": "items { id name priceCents } limit page total",
				"read":     "user", "read_arg": "id:ID!", "read_of": "own", "read_sel": "address email id name username",
				"cart": "addCartItem", "cart_product": "productId:ID!", "cart_quantity": "quantity:Int",
				"coupon": "applyCoupon", "coupon_arg": "code:String!", "coupon_code": PublicCoupon,
				"checkout": "checkout", "checkout_sel": "discountCents orderId subtotalCents totalCents",
			},
		},
		{
			name:    "rest beside graphql",
			surface: both,
			ops:     []string{"GET /products (collection)", "GET /users/{id} (object-read)", "POST /cart/items (cart)", "POST /checkout (checkout)"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc, err := Workload(c.surface, shoppers(2))
			require.NoError(t, err)
			assert.Equal(t, c.ops, keys(sc))
			for k, v := range c.params {
				assert.Equal(t, v, sc.Params[k], "param %s", k)
			}
			if c.params == nil {
				assert.Empty(t, sc.Params["protocol"])
			}
		})
	}
}

func TestWorkloadGraphQLErrors(t *testing.T) {
	cases := []struct{ name, sdl, want string }{
		{
			name: "no login and nothing public to list",
			sdl:  "type Query { ping: String }",
			want: "no login mutation, and no public list query",
		},
		{
			name: "nothing to do after the login",
			sdl: "type Query { ping: String }\ntype Mutation { login(username: String!, password: String!): Auth }\n" +
				"type Auth { token: String! }",
			want: "no query or mutation a shopper can fill",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Workload(loadSDL(t, c.sdl), shoppers(1))
			require.ErrorContains(t, err, c.want)
		})
	}
	_, err := Program(scenarios.Scenario{ID: "b", Params: map[string]string{"protocol": "graphql", "anonymous": "true",
		"list": "products", "list_ids": "[].id", "list_sel": "id", "cart": "addCartItem", "cart_product": "productId:ID!"}}, generators.Env{})
	require.ErrorContains(t, err, "an anonymous journey needs endpoint")
	_, err = Program(scenarios.Scenario{ID: "b", Params: map[string]string{"protocol": "graphql", "login_field": "login",
		"login_username": "username:String!", "login_password": "password:String!", "endpoint": "/graphql", "token_field": "token",
		"read": "product", "read_of": "mine"}}, generators.Env{})
	require.ErrorContains(t, err, `read_of="mine": want "listed" or "own"`)
}

// recorder keeps every answer a program was given, for the test to read.
type recorder struct {
	mu      sync.Mutex
	results []scenarios.Result
}

type recorded struct {
	scenarios.Program
	sr  scenarios.SessionReporter
	rec *recorder
}

func (r *recorded) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil {
		r.rec.mu.Lock()
		// A copy: the executor reuses the header map and body buffer
		// (scenarios.Result).
		kept := *prev
		kept.Header, kept.Body = prev.Header.Clone(), bytes.Clone(prev.Body)
		r.rec.results = append(r.rec.results, kept)
		r.rec.mu.Unlock()
	}
	return r.Program.Next(prev)
}

func (r *recorded) Session() scenarios.Session { return r.sr.Session() }

// shopperKind runs benign.Program under kindtest, recording the answers.
type shopperKind struct{ rec *recorder }

func (shopperKind) Info() generators.Info { return generators.Info{ID: ID} }
func (shopperKind) Generate(scenarios.Surface, generators.Options) []scenarios.Scenario {
	return nil
}

func (k shopperKind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p, err := Program(sc, env)
	if err != nil {
		return nil, err
	}
	return &recorded{Program: p, sr: p.(scenarios.SessionReporter), rec: k.rec}, nil
}

// operation is the operation name of a GraphQL request body.
func operation(t *testing.T, body []byte) string {
	t.Helper()
	var b struct {
		OperationName string `json:"operationName"`
	}
	require.NoError(t, json.Unmarshal(body, &b))
	return b.OperationName
}

// Shoppers of the real demo shop's /graphql log in through the login
// mutation, list, read, fill carts and place orders, every answer 2xx and
// free of GraphQL errors.
func TestGraphQLShoppersPlaceOrders(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Users: 10, Products: 200})
	users := tg.Identities(0, 6)
	sc, err := Workload(tg.GraphQL, users)
	require.NoError(t, err)
	sc.Schedule.VUs = len(users)
	sc.Think = scenarios.ConstantThink(5 * time.Millisecond)
	rec := &recorder{}
	res := tg.Run(t, shopperKind{rec}, sc, 2*time.Second, 3000)
	require.NotEmpty(t, res.Exchanges)

	ops := map[string]int{}
	orders := map[string]bool{}
	for _, r := range rec.results {
		require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
		name := operation(t, r.Request.Body)
		ops[name]++
		answers, err := generators.ParseAnswers(r.Body)
		require.NoError(t, err)
		require.Len(t, answers, 1)
		require.Empty(t, answers[0].Errors, "%s: %s", name, r.Body)
		if name == "Checkout" {
			o, ok := answers[0].Object("checkout")
			require.True(t, ok, "%s", r.Body)
			id, _ := o["orderId"].(string)
			require.NotEmpty(t, id)
			assert.False(t, orders[id], "order %s placed twice", id)
			orders[id] = true
			assert.Positive(t, o["totalCents"], "an order of something")
		}
	}
	t.Logf("operations %v, %d orders", ops, len(orders))
	for _, name := range []string{"AbusegateLogin", "Browse", "Details", "AddToCart", "Checkout"} {
		assert.Positive(t, ops[name], "%s in %v", name, ops)
	}
	assert.Equal(t, len(users), ops["AbusegateLogin"], "one login a shopper")
	assert.GreaterOrEqual(t, len(orders), len(users), "every shopper places orders: %v", ops)
	// The coupon is typed at most once a shopper.
	assert.LessOrEqual(t, ops["ApplyCoupon"], len(users))
	for _, ex := range res.Exchanges {
		assert.Equal(t, scenarios.OutcomeSuccess, ex.Outcome, "%+v", ex)
	}
}

// The documents are what a client sends: one field, variables declared
// with the schema's types, small pages, the shopper's own id, listed
// products.
func TestGraphQLShopperRequests(t *testing.T) {
	tg := kindtest.Shop(t, demoshop.Options{Users: 5, Products: 40})
	sc, err := Workload(tg.GraphQL, shoppers(1))
	require.NoError(t, err)
	p, err := Program(sc, generators.Env{Identity: scenarios.Identity{Username: "ann", Password: "pw"}, Seed: 3})
	require.NoError(t, err)

	step, ok := p.Next(nil)
	require.True(t, ok)
	assert.Contains(t, string(step.Request.Body), `mutation AbusegateLogin($u0: String!, $p0: String!) { login(password: $p0, username: $u0) { token userId } }`)
	login := scenarios.Result{Request: step.Request, Status: 200, Body: []byte(`{"data":{"login":{"token":"t1","userId":"7"}}}`)}
	step, ok = p.Next(&login)
	require.True(t, ok)
	require.Equal(t, "Browse", operation(t, step.Request.Body))
	assert.Equal(t, "Bearer t1", step.Request.Header.Get("Authorization"))
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	require.NoError(t, json.Unmarshal(step.Request.Body, &body))
	assert.Equal(t, "query Browse($page: Int, $size: Int) { products(limit: $size, page: $page) { items { id name priceCents } limit page total } }", body.Query)
	assert.Contains(t, []any{10.0, 20.0}, body.Variables["size"])
	assert.LessOrEqual(t, body.Variables["page"], 50.0)

	page := scenarios.Result{Request: step.Request, Status: 200,
		Body: []byte(`{"data":{"products":{"items":[{"id":"31","name":"a","priceCents":5},{"id":"32","name":"b","priceCents":7}],"page":2,"limit":20,"total":40}}}`)}
	prev := &page
	seen := map[string]string{}
	for range 40 {
		step, ok = p.Next(prev)
		require.True(t, ok)
		name := operation(t, step.Request.Body)
		seen[name] = string(step.Request.Body)
		answer := `{"data":{"x":null}}`
		switch name {
		case "AddToCart":
			answer = `{"data":{"addCartItem":{"totalCents":5}}}`
		case "ApplyCoupon":
			answer = `{"data":{"applyCoupon":{"totalCents":4}}}`
		case "Checkout":
			answer = `{"data":{"checkout":{"orderId":"1"}}}`
		case "Browse":
			answer = string(page.Body)
		}
		prev = &scenarios.Result{Request: step.Request, Status: 200, Body: []byte(answer)}
	}
	assert.Contains(t, seen["Details"], `"variables":{"id":"7"}`, "the shopper reads its own record")
	assert.Regexp(t, `"product":"3[12]"`, seen["AddToCart"], "a listed product goes into the cart")
	assert.Contains(t, seen["Checkout"], `mutation Checkout { checkout { discountCents orderId subtotalCents totalCents } }`)
}

// Where the schema reads the listed objects by id, shoppers read what
// they were shown.
func TestGraphQLShopperReadsListed(t *testing.T) {
	s := loadSDL(t, `
type Query {
  products(page: Int, limit: Int): ProductPage!
  product(id: ID!): Product
}
type Mutation { login(username: String!, password: String!): Auth }
type Auth { token: String! }
type ProductPage { items: [Product!]! total: Int! }
type Product { id: ID! name: String! }`)
	sc, err := Workload(s, shoppers(1))
	require.NoError(t, err)
	require.Equal(t, []string{"QUERY products (collection)", "QUERY product (object-read)"}, keys(sc))
	assert.Equal(t, readListed, sc.Params[paramReadOf])
	p, err := Program(sc, generators.Env{Identity: scenarios.Identity{Username: "ann"}, Seed: 1})
	require.NoError(t, err)
	step, _ := p.Next(nil)
	prev := &scenarios.Result{Request: step.Request, Status: 200, Body: []byte(`{"data":{"login":{"token":"t"}}}`)}
	var reads []string
	for range 20 {
		step, ok := p.Next(prev)
		require.True(t, ok)
		answer := `{"data":{"product":{"id":"1","name":"x"}}}`
		if operation(t, step.Request.Body) == "Browse" {
			answer = `{"data":{"products":{"items":[{"id":"4","name":"a"},{"id":"9","name":"b"}],"total":2}}}`
		} else {
			reads = append(reads, string(step.Request.Body))
		}
		prev = &scenarios.Result{Request: step.Request, Status: 200, Body: []byte(answer)}
	}
	require.NotEmpty(t, reads)
	for _, r := range reads {
		assert.True(t, strings.Contains(r, `"id":"4"`) || strings.Contains(r, `"id":"9"`), r)
	}
}

func TestJudgeAnswer(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   scenarios.Outcome
	}{
		{"served", 200, `{"data":{"cart":{"totalCents":1}}}`, scenarios.OutcomeSuccess},
		{"guard", 403, `{"error":"blocked"}`, scenarios.OutcomeDenied},
		{"refused in-band", 200, `{"data":null,"errors":[{"message":"slow down","extensions":{"code":"RATE_LIMITED"}}]}`, scenarios.OutcomeDenied},
		{"wrong", 200, `{"data":null,"errors":[{"message":"unknown coupon","extensions":{"status":404}}]}`, scenarios.OutcomeFailed},
		{"unreadable", 200, `<html>`, scenarios.OutcomeFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, leak := judgeAnswer(scenarios.Result{Status: c.status, Body: []byte(c.body)})
			assert.Equal(t, c.want, got)
			assert.Zero(t, leak)
		})
	}
}

func TestCollect(t *testing.T) {
	cases := []struct {
		path, body string
		want       []string
	}{
		{"items[].id", `{"items":[{"id":"1"},{"id":2},{"name":"x"}]}`, []string{"1", "2"}},
		{"[].id", `[{"id":"a"},{"id":"b"}]`, []string{"a", "b"}},
		{"edges[].node.id", `{"edges":[{"node":{"id":"n1"}},{"node":null}]}`, []string{"n1"}},
		{"items[].id", `{"items":null}`, nil},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			var v any
			require.NoError(t, json.Unmarshal([]byte(c.body), &v))
			assert.Equal(t, c.want, collect(v, strings.Split(c.path, "."), nil))
		})
	}
}

// BenchmarkGraphQLShopper is one shopper step: read a page of 20 products
// (or another answer) and write the next document.
func BenchmarkGraphQLShopper(b *testing.B) {
	tg := kindtest.Shop(b, demoshop.Options{Users: 5, Products: 40})
	sc, err := Workload(tg.GraphQL, shoppers(1))
	require.NoError(b, err)
	p, err := Program(sc, generators.Env{Identity: scenarios.Identity{Username: "ann", Password: "pw"}, Seed: 1})
	require.NoError(b, err)
	step, _ := p.Next(nil)
	prev := &scenarios.Result{Request: step.Request, Status: 200, Body: []byte(`{"data":{"login":{"token":"t1","userId":"7"}}}`)}
	var page strings.Builder
	page.WriteString(`{"data":{"products":{"items":[`)
	for i := range 20 {
		if i > 0 {
			page.WriteByte(',')
		}
		page.WriteString(`{"id":"` + string(rune('1'+i%9)) + `","name":"Product","priceCents":1999}`)
	}
	page.WriteString(`],"page":1,"limit":20,"total":40}}}`)
	answers := map[string][]byte{
		"Browse":      []byte(page.String()),
		"AddToCart":   []byte(`{"data":{"addCartItem":{"totalCents":5}}}`),
		"ApplyCoupon": []byte(`{"data":{"applyCoupon":{"totalCents":4}}}`),
		"Checkout":    []byte(`{"data":{"checkout":{"orderId":"1"}}}`),
		"Details":     []byte(`{"data":{"user":{"id":"7"}}}`),
	}
	b.ReportAllocs()
	for b.Loop() {
		step, ok := p.Next(prev)
		if !ok {
			b.Fatal("the shopper stopped")
		}
		var body struct {
			OperationName string `json:"operationName"`
		}
		_ = json.Unmarshal(step.Request.Body, &body)
		prev = &scenarios.Result{Request: step.Request, Status: 200, Body: answers[body.OperationName]}
	}
}

// A public API without a login mutation (SWAPI, a storefront's catalog) is
// browsed anonymously: visitors send no credentials, list, and read what
// the listing showed.
func TestAnonymousVisitorsBrowseAPublicAPI(t *testing.T) {
	sdl := "type Query { products(page: Int, limit: Int): [Product!]!\n product(id: ID!): Product }\ntype Product { id: ID! name: String! }"
	sc, err := Workload(loadSDL(t, sdl), shoppers(2))
	require.NoError(t, err)
	assert.Equal(t, []string{"QUERY products (collection)", "QUERY product (object-read)"}, keys(sc))
	assert.Equal(t, "true", sc.Params["anonymous"])
	assert.Empty(t, sc.Params["login_field"])

	p, err := Program(sc, generators.Env{Seed: 1})
	require.NoError(t, err)
	var reads int
	var prev *scenarios.Result
	for range 40 {
		st, ok := p.Next(prev)
		require.True(t, ok)
		assert.Empty(t, st.Request.Header.Get("Authorization"))
		body := string(st.Request.Body)
		var answer string
		switch {
		case strings.Contains(body, "products"):
			answer = `{"data":{"products":[{"id":"7","name":"a"},{"id":"9","name":"b"}]}}`
		default:
			reads++
			assert.Regexp(t, `"id":"(7|9)"`, body, "a visitor reads what the listing showed")
			answer = `{"data":{"product":{"id":"7","name":"a"}}}`
		}
		prev = &scenarios.Result{Request: st.Request, Status: 200, Body: []byte(answer)}
	}
	assert.Positive(t, reads)
	assert.Empty(t, p.(scenarios.SessionReporter).Session().Identity)
}
