package graphql

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// shape is what a field returns, as far as abuse goes.
type shape struct {
	typeName string
	// list: the field returns a list; connection: a Relay connection
	// (edges { node } or nodes, with pageInfo); wrapper: an object holding
	// the page under items, results... ("ProductPage").
	list, connection, wrapper bool
	// object: one object, interface or union; leaf: a scalar or enum.
	object, leaf bool
}

// wrapperFields are the names of the list a page object carries.
var wrapperFields = []string{"items", "results", "data", "entries", "records", "list", "content", "rows", "nodes", "edges"}

func (b *builder) shape(t *ast.Type) shape {
	s := shape{typeName: t.Name(), list: t.Elem != nil}
	def := b.schema.Types[t.Name()]
	if def == nil || s.list {
		return s
	}
	switch {
	case def.IsLeafType():
		s.leaf = true
	case isConnection(b.schema, def):
		s.connection = true
	case isPage(def):
		s.wrapper = true
	default:
		s.object = true
	}
	return s
}

// pageFields are the bookkeeping fields a page object has beside its list.
var pageFields = []string{"total", "totalcount", "count", "page", "pageinfo", "hasmore", "hasnextpage", "next", "nextcursor", "cursor", "limit", "offset", "pages", "totalpages"}

// isPage recognises a page object: a list under a usual name and paging
// bookkeeping beside it (a Menu with items is not a page).
func isPage(def *ast.Definition) bool {
	if def.Kind != ast.Object {
		return false
	}
	list := slices.ContainsFunc(def.Fields, func(f *ast.FieldDefinition) bool {
		return f.Type.Elem != nil && slices.Contains(wrapperFields, strings.ToLower(f.Name))
	})
	book := slices.ContainsFunc(def.Fields, func(f *ast.FieldDefinition) bool {
		return slices.Contains(pageFields, strings.ToLower(f.Name))
	})
	return list && book
}

// isConnection recognises the Relay cursor connection shape.
func isConnection(schema *ast.Schema, def *ast.Definition) bool {
	if strings.HasSuffix(def.Name, "Connection") {
		return true
	}
	edges := def.Fields.ForName("edges")
	if edges != nil && edges.Type.Elem != nil {
		if e := schema.Types[edges.Type.Name()]; e != nil && e.Fields.ForName("node") != nil {
			return true
		}
	}
	return def.Fields.ForName("nodes") != nil && def.Fields.ForName("pageInfo") != nil
}

// maxResponseFields bounds one operation's response field list; GitHub's
// Repository alone would otherwise list thousands of nested paths.
const maxResponseFields = 400

// responseFields lists the return type's fields as dotted paths: every
// field of the returned object, and the scalar fields one object further
// ("owner.email"); a connection's edges[].node and nodes[] do not count as
// a level, and a list at the root is "[]".
func (b *builder) responseFields(t *ast.Type) []string {
	var out []string
	prefix := ""
	if t.Elem != nil {
		prefix = "[]."
	}
	b.objectFields(b.schema.Types[t.Name()], prefix, 0, 2, &out)
	slices.Sort(out)
	return slices.Compact(out)
}

// free is how many edges/node hops may still pass without counting.
func (b *builder) objectFields(def *ast.Definition, prefix string, depth, free int, out *[]string) {
	if def == nil || def.IsLeafType() || def.Kind == ast.InputObject {
		return
	}
	if def.Kind == ast.Union {
		for _, member := range def.Types {
			b.objectFields(b.schema.Types[member], prefix, depth, free, out)
		}
		return
	}
	for _, f := range def.Fields {
		if len(*out) >= maxResponseFields {
			return
		}
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		name := prefix + f.Name
		if f.Type.Elem != nil {
			name += "[]"
		}
		sub := b.schema.Types[f.Type.Name()]
		if sub == nil || sub.IsLeafType() {
			*out = append(*out, name)
			continue
		}
		*out = append(*out, name)
		hop, left := depth+1, free
		if free > 0 && (f.Name == "edges" || f.Name == "node" || f.Name == "nodes") {
			hop, left = depth, free-1
		}
		if hop <= 1 {
			b.objectFields(sub, name+".", hop, left, out)
		}
	}
}
