package graphql

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/abusegate/abusegate/scenarios"
)

// seedFiles adds the repo's and, where present, the shared corpus's small
// schemas to a fuzz target's seeds.
func seedFiles(f *testing.F, names ...string) {
	for _, n := range names {
		if data, err := os.ReadFile(n); err == nil {
			f.Add(data)
		}
	}
}

// checkLoad states what must hold for any input: no panic, a typed error
// naming a place, or a surface whose operations are well formed.
func checkLoad(t *testing.T, data []byte, name string) {
	s, warns, err := Load(Options{}, Source{Name: name, Data: data})
	if err != nil {
		var se *SchemaError
		if !errors.As(err, &se) {
			t.Fatalf("error is not a SchemaError: %v", err)
		}
		if se.Loc.File != name && se.Loc.File != "abusegate:@abuse" {
			t.Fatalf("error names %q, not the file: %v", se.Loc.File, err)
		}
		return
	}
	for _, w := range warns {
		if w.Message == "" {
			t.Fatalf("empty warning at %s", w.Loc)
		}
	}
	for _, op := range s.Operations {
		if (op.Method != "QUERY" && op.Method != "MUTATION") || op.Path == "" || op.Protocol != scenarios.GraphQL {
			t.Fatalf("malformed operation %+v", op)
		}
		for _, r := range op.Roles {
			if r.Confidence <= 0 || r.Confidence > 1 || r.Evidence == "" {
				t.Fatalf("%s: role without confidence or evidence: %+v", op.Key(), r)
			}
		}
	}
}

func FuzzLoadSDL(f *testing.F) {
	for _, s := range []string{
		shopSDL, abuseSDL, AbuseDirective + "type Query { a: Int @abuse(roles: [\"login\"]) }",
		"type Query { user(id: ID!): User\n user(id: Int!): User }\ntype User { id: ID! }",
		"schema { query: Q } type Q { a(first: Int, after: String): [Int] }",
		"extend type Query { b: Int }\ntype Query { a: Int }",
		"type Query {", "", "directive @x on FIELD_DEFINITION\ntype Query { a: Int @x @x }",
		"union U = A | A\ntype A { a: Int }\ntype Query { u: U }",
	} {
		f.Add([]byte(s))
	}
	seedFiles(f, filepath.Join("..", "..", "testdata", "specs", "demoshop.graphql"),
		filepath.Join("..", "..", "..", "shared", "specs", "graphql", "gqlgen-todo.graphql"),
		filepath.Join("..", "..", "..", "shared", "specs", "graphql", "gqlparser-swapi.graphql"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if isIntrospection(data) {
			return // FuzzLoadIntrospection's
		}
		checkLoad(t, data, "fuzz.graphql")
	})
}

const introSeed = `{"data": {"__schema": {
  "queryType": {"name": "Query"}, "mutationType": {"name": "Mutation"},
  "types": [
    {"kind": "OBJECT", "name": "Query", "fields": [
      {"name": "user", "args": [{"name": "id", "type": {"kind": "NON_NULL", "ofType": {"kind": "SCALAR", "name": "Int"}}}],
       "type": {"kind": "OBJECT", "name": "User"}},
      {"name": "users", "args": [{"name": "first", "type": {"kind": "SCALAR", "name": "Int"}}, {"name": "after", "type": {"kind": "SCALAR", "name": "String"}}],
       "type": {"kind": "LIST", "ofType": {"kind": "OBJECT", "name": "User"}}, "isDeprecated": true, "deprecationReason": "use search"}]},
    {"kind": "OBJECT", "name": "Mutation", "fields": [
      {"name": "login", "args": [{"name": "input", "type": {"kind": "NON_NULL", "ofType": {"kind": "INPUT_OBJECT", "name": "Creds"}}}],
       "type": {"kind": "OBJECT", "name": "Session"}}]},
    {"kind": "INPUT_OBJECT", "name": "Creds", "inputFields": [
      {"name": "email", "type": {"kind": "SCALAR", "name": "String"}}, {"name": "password", "type": {"kind": "SCALAR", "name": "String"}}]},
    {"kind": "OBJECT", "name": "Session", "fields": [{"name": "token", "args": [], "type": {"kind": "SCALAR", "name": "String"}}]},
    {"kind": "OBJECT", "name": "User", "interfaces": [], "fields": [{"name": "email", "args": [], "type": {"kind": "SCALAR", "name": "String"}}]},
    {"kind": "ENUM", "name": "Color", "enumValues": [{"name": "RED"}]},
    {"kind": "SCALAR", "name": "String"}, {"kind": "OBJECT", "name": "__Type", "fields": []}
  ]}}}`

func FuzzLoadIntrospection(f *testing.F) {
	for _, s := range []string{
		introSeed, `{"__schema": {"queryType": {"name": "Q"}, "types": [{"kind": "OBJECT", "name": "Q", "fields": [{"name": "a", "type": {"kind": "NON_NULL", "ofType": {"kind": "NON_NULL"}}}]}]}}`,
		`{"__schema": {"queryType": {"name": "Missing"}, "types": []}}`, `{"data": null, "errors": [{"message": "no"}]}`,
		`{"__schema": {"types": [{"kind": "WAT", "name": "X"}]}}`, `{`, `{"__schema": 5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !isIntrospection(data) {
			return
		}
		checkLoad(t, data, "fuzz.json")
	})
}

// TestIntrospectionSeed pins what the fuzz seed means, so the seed keeps
// exercising the paths it was written for.
func TestIntrospectionSeed(t *testing.T) {
	s, warns, err := Load(Options{}, Source{Name: "seed.json", Data: []byte(introSeed)})
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Fatalf("warnings: %v", warns)
	}
	login := op(t, s, "MUTATION login")
	if !login.Has(scenarios.RoleLogin) || login.Loc.Line != 10 {
		t.Fatalf("login: %+v", login)
	}
	users := op(t, s, "QUERY users")
	if !users.Deprecated || users.Pagination == nil || users.Pagination.Style != scenarios.PageCursor {
		t.Fatalf("users: %+v", users)
	}
}
