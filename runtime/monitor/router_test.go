package monitor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func TestRouterMatch(t *testing.T) {
	r := NewRouter(shopSurface())
	tests := []struct {
		name, method, path string
		route, objectID    string
		op                 bool // whether an operation exists for the method
		ok                 bool
	}{
		{name: "object read", method: "GET", path: "/users/42", route: "/users/{id}", objectID: "42", op: true, ok: true},
		{name: "literal beats parameter", method: "GET", path: "/users/me", route: "/users/me", op: true, ok: true},
		{name: "trailing slash", method: "GET", path: "/users/42/", route: "/users/{id}", objectID: "42", op: true, ok: true},
		{name: "query ignored", method: "GET", path: "/products?page=2", route: "/products", op: true, ok: true},
		{name: "nested object", method: "GET", path: "/users/7/orders/99", route: "/users/{uid}/orders/{id}", objectID: "99", op: true, ok: true},
		{name: "literal branch dead-ends, parameter wins", method: "GET", path: "/users/me/orders/5", route: "/users/{uid}/orders/{id}", objectID: "5", op: true, ok: true},
		{name: "literal nested", method: "GET", path: "/users/me/orders", route: "/users/me/orders", op: true, ok: true},
		{name: "other method", method: "DELETE", path: "/users/3", route: "/users/{id}", objectID: "3", op: true, ok: true},
		{name: "unknown method", method: "PATCH", path: "/users/3", route: "/users/{id}", objectID: "3", ok: true},
		{name: "root", method: "GET", path: "/", route: "/", op: true, ok: true},
		{name: "no match", method: "GET", path: "/nope/1"},
		{name: "too deep", method: "GET", path: "/users/1/x"},
		{name: "empty segment", method: "GET", path: "/users//orders/1"},
		{name: "graphql field", method: "QUERY", path: "user", route: "QUERY user", op: true, ok: true},
		{name: "graphql mutation, any case", method: "mutation", path: "login", route: "MUTATION login", op: true, ok: true},
		{name: "graphql field of the other type", method: "MUTATION", path: "user"},
		{name: "graphql unknown field", method: "QUERY", path: "__schema"},
		{name: "graphql endpoint is no REST route", method: "POST", path: "/graphql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := r.Match(tt.method, tt.path)
			require.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.route, m.Route)
			assert.Equal(t, tt.objectID, m.ObjectID)
			assert.Equal(t, tt.op, m.Op != nil)
			if m.Op != nil {
				assert.Equal(t, strings.ToUpper(tt.method), m.Op.Method)
			}
		})
	}
}

func BenchmarkRouterMatch(b *testing.B) {
	r := NewRouter(shopSurface())
	b.ReportAllocs()
	for b.Loop() {
		r.Match("GET", "/users/me/orders/5")
	}
}

// TestRouterManyLiterals covers a node past smallNode literal children,
// where they move from a slice to a map.
func TestRouterManyLiterals(t *testing.T) {
	var s scenarios.Surface
	for i := range 3 * smallNode {
		s.Operations = append(s.Operations,
			scenarios.Operation{Method: "GET", Path: fmt.Sprintf("/r%d/{id}", i)},
			scenarios.Operation{Method: "POST", Path: fmt.Sprintf("/r%d/{id}", i)})
	}
	r := NewRouter(s)
	for i := range 3 * smallNode {
		for j, method := range []string{"GET", "POST"} {
			m, ok := r.Match(method, fmt.Sprintf("/r%d/x", i))
			require.True(t, ok, "r%d", i)
			assert.Equal(t, fmt.Sprintf("/r%d/{id}", i), m.Route)
			assert.Equal(t, 2*i+j, m.Index)
		}
	}
	_, ok := r.Match("GET", "/r999/x")
	assert.False(t, ok)
}

func TestRouterGraphQLEndpoint(t *testing.T) {
	r := NewRouter(shopSurface())
	assert.True(t, r.GraphQL("/graphql"))
	assert.False(t, r.GraphQL("/users/me"))
	assert.False(t, NewRouter(scenarios.Surface{}).GraphQL("/graphql"))
}

// BenchmarkRouterMatchMix is one lookup of each kind the guard and the
// monitor make per request: a collection page with its query, an object
// read by id, a literal route beside a parameter one.
func BenchmarkRouterMatchMix(b *testing.B) {
	r := NewRouter(shopSurface())
	paths := []string{"/products?page=3&limit=20", "/products/42", "/users/me", "/users/7/orders/9"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := r.Match("GET", paths[i%len(paths)]); !ok {
			b.Fatal("no match")
		}
		i++
	}
}
