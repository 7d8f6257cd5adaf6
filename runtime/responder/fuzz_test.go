package responder

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/scenarios"
)

// The GraphQL reader never panics nor loops on any document, and what it
// reads stays within its bounds.
func FuzzParseGraphQL(f *testing.F) {
	for _, seed := range []string{
		`{ a }`,
		`query Q($id: ID!) { user(id: $id) { id ...F } } fragment F on User { email }`,
		`mutation { a: login(username: "u", password: "p") { token } b: login(input: {u: [1, 2.5, -3e2], v: null}) { token } }`,
		`{ x { ... on T { y @skip(if: true) } } }`,
		`{ s(a: """block "quoted" string""", b: "esc\"aped\u00e9") }`,
		`{ ...Missing }`,
		`# comment only`,
		`{ a(b: {c: {d: {e: [[[[]]]]}}}) }`,
		`{ ...F } fragment F on T { ...F ...F }`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		op, err := parseGraphQL(doc, "", map[string]any{"id": "1"})
		if err != nil {
			return
		}
		var count func([]gqlField, int) int
		count = func(fs []gqlField, depth int) int {
			if depth > maxSelDepth+1 {
				t.Fatalf("selections %d deep", depth)
			}
			n := len(fs)
			for _, f := range fs {
				n += count(f.sel, depth+1)
			}
			return n
		}
		_ = count(op.fields, 0)
	})
}

// Any request to a responder of the demo shop's spec is answered with
// JSON (or no body), never a panic, whatever its method, path and body.
func FuzzServe(f *testing.F) {
	s, _, err := openapi.LoadFile(filepath.Join("..", "..", "testdata", "specs", "demoshop.openapi.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	g, _, err := graphql.LoadFiles(graphql.Options{}, filepath.Join("..", "..", "testdata", "specs", "demoshop.graphql"))
	if err != nil {
		f.Fatal(err)
	}
	s.Operations = append(s.Operations, g.Operations...)
	r := New(s, Options{Seed: 1, Accounts: []scenarios.Identity{{Username: "ann", Password: "pw"}}})
	f.Add("POST", "/login", `{"username":"ann","password":"pw"}`)
	f.Add("GET", "/products?page=-3&limit=99999999999", ``)
	f.Add("GET", "/users/%2e%2e", ``)
	f.Add("POST", "/cart/coupons", `[{"code":"A"},1]`)
	f.Add("POST", "/graphql", `[{"query":"{ products(first: -1) { items { id } } }"}]`)
	f.Add("POST", "/graphql", `{"query":"mutation { login(username: 1, password: [2]) { token } }"}`)
	f.Fuzz(func(t *testing.T, method, target, body string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(method, " \t\r\n") || method == "" {
			return
		}
		req, err := http.NewRequest(method, "http://responder.test"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer k")
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusNoContent && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: %d %q is not JSON", method, target, w.Code, w.Body.Bytes())
		}
	})
}
