package graphql

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func sdl(name, text string) Source { return Source{Name: name, Data: []byte(text)} }

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		srcs []Source
		want string
	}{
		{"syntax", []Source{sdl("s.graphql", "type Query {\n  user(id: ID!: User\n}\n")}, "graphql: s.graphql:2:15: Expected Name, found : (fix the syntax there)"},
		{"no schema", nil, "no schema given"},
		{"not json", []Source{sdl("i.json", `{"data": {"__schema": [}`)}, "i.json:1:24: not an introspection result"},
		{"no __schema", []Source{sdl("i.json", `{"errors": [{"message": "introspection disabled"}]}`)}, `no "__schema" object (the response carries errors: [{"message": "introspection disabled"}])`},
		{"mixed", []Source{sdl("a.graphql", "type Query { a: Int }"), sdl("i.json", `{"__schema": {}}`)}, "cannot be mixed"},
		{"two introspections", []Source{sdl("i.json", `{"__schema": {}}`), sdl("j.json", `{"__schema": {}}`)}, "load it alone"},
		{"bad root", []Source{sdl("r.graphql", "schema { query: Missing }\ntype Query { a: Int }\n")}, "r.graphql:1:10: Schema root query refers to a type Missing that does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Load(Options{}, tt.srcs...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSchemaErrorIsTyped(t *testing.T) {
	_, _, err := Load(Options{}, sdl("s.graphql", "type Query {"))
	var se *SchemaError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, "s.graphql", se.Loc.File)
	assert.Equal(t, 1, se.Loc.Line)
	assert.NotEmpty(t, se.Fix)
}

// TestRepairs: a schema gqlparser rejects for a local reason loads without
// the offending part, with a warning at its position.
func TestRepairs(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		warning  string
		wantOps  []string
		withRole scenarios.Role
	}{
		{
			name:    "duplicate field",
			text:    "type Query {\n  user(id: ID!): User\n  user(id: Int!): User\n}\ntype User { id: ID! email: String }\n",
			warning: "bad.graphql:3:3: Field Query.user can only be defined once: field Query.user ignored (remove or rename the second definition)",
			wantOps: []string{"QUERY user"},
		},
		{
			name:    "unknown type",
			text:    "type Query {\n  user(id: ID!): User\n  order(id: ID!): Order\n}\ntype User { id: ID! }\n",
			warning: "bad.graphql:3:19: Undefined type Order: field Query.order ignored (define the type or fix its name)",
			wantOps: []string{"QUERY user"},
		},
		{
			name:    "unknown argument type",
			text:    "type Query {\n  user(id: UserKey!): User\n  me: User\n}\ntype User { id: ID! }\n",
			warning: "bad.graphql:2:12: Undefined type UserKey: field Query.user ignored",
			wantOps: []string{"QUERY me"},
		},
		{
			name:    "unknown directive",
			text:    "type Query {\n  user(id: ID!): User @cached(ttl: 5)\n}\ntype User { id: ID! }\n",
			warning: "bad.graphql:2:24: Undefined directive cached: the directive ignored",
			wantOps: []string{"QUERY user"},
		},
		{
			name:    "type declared twice",
			text:    "type Query { user(id: ID!): User }\ntype User { id: ID! }\ntype User { name: String }\n",
			warning: "bad.graphql:3:6: Cannot redeclare type User: type User ignored",
			wantOps: []string{"QUERY user"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, warns, err := Load(Options{}, sdl("bad.graphql", tt.text))
			require.NoError(t, err)
			require.Len(t, warns, 1)
			assert.Contains(t, warns[0].String(), tt.warning)
			var keys []string
			for _, op := range s.Operations {
				keys = append(keys, op.Key())
			}
			assert.Equal(t, tt.wantOps, keys)
		})
	}
}

func TestRepairGivesUp(t *testing.T) {
	text := "type Query { a: Int }\n"
	for i := 0; i < maxRepairs+2; i++ {
		text += "type Query { a: Int }\n"
	}
	_, _, err := Load(Options{}, sdl("many.graphql", text))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "other problems were skipped")
}
