package responder

import (
	"testing"
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
