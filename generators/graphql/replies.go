package graphql

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/abusegate/abusegate/scenarios"
)

// Bounds of the shapes a responder synthesizes from: how deep a type is
// followed (recursive ones are cut here), how many fields an object and
// how many values an enum keep.
const (
	maxShapeDepth = 6
	maxShapeProps = 48
	maxEnum       = 32
)

// shapeKey memoizes a named type's shape at a remaining depth.
type shapeKey struct {
	name  string
	depth int
}

// replies is what a responder answers a field with: one JSON answer whose
// body is the field's type (the responder wraps it in data and projects
// it onto the query's selection set).
func (b *builder) replies(t *ast.Type) *scenarios.Replies {
	return &scenarios.Replies{Success: "200", Answers: []scenarios.Answer{{
		Code: "200", ContentType: "application/json", Shape: b.typeShape(t, maxShapeDepth),
	}}}
}

// typeShape reduces a GraphQL type to a scenarios.Shape: lists are
// arrays, objects and interfaces objects (a union its first member),
// scalars and enums JSON leaves.
func (b *builder) typeShape(t *ast.Type, depth int) *scenarios.Shape {
	if t == nil {
		return nil
	}
	if t.Elem != nil {
		return &scenarios.Shape{Type: "array", Items: b.typeShape(t.Elem, depth)}
	}
	key := shapeKey{t.NamedType, depth}
	if sh, ok := b.shapes[key]; ok {
		return sh
	}
	if b.shapes == nil {
		b.shapes = map[shapeKey]*scenarios.Shape{}
	}
	sh := &scenarios.Shape{}
	b.shapes[key] = sh // a type that contains itself meets its own entry
	def := b.schema.Types[t.NamedType]
	switch {
	case def == nil:
		sh.Type = "string"
	case def.Kind == ast.Scalar:
		sh.Type, sh.Format = scalarShape(def.Name)
	case def.Kind == ast.Enum:
		sh.Type = "string"
		for _, v := range def.EnumValues[:min(len(def.EnumValues), maxEnum)] {
			data, _ := json.Marshal(v.Name) // a name always marshals
			sh.Enum = append(sh.Enum, data)
		}
	case depth <= 0:
		sh.Cut = true
	case def.Kind == ast.Union:
		if len(def.Types) > 0 {
			*sh = *b.typeShape(&ast.Type{NamedType: def.Types[0]}, depth)
		}
	default:
		sh.Type = "object"
		b.fields(sh, def, depth)
	}
	return sh
}

func (b *builder) fields(sh *scenarios.Shape, def *ast.Definition, depth int) {
	for _, f := range def.Fields {
		if len(sh.Properties) >= maxShapeProps {
			break
		}
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		sh.Properties = append(sh.Properties, scenarios.Property{
			Name: f.Name, Required: f.Type.NonNull, Shape: b.typeShape(f.Type, depth-1),
		})
	}
	slices.SortFunc(sh.Properties, func(x, y scenarios.Property) int { return strings.Compare(x.Name, y.Name) })
}

// scalarShape is the JSON type (and format) of a GraphQL scalar; custom
// scalars are strings, dates by their names.
func scalarShape(name string) (typ, format string) {
	switch l := strings.ToLower(name); {
	case name == "Int":
		return "integer", ""
	case name == "Float":
		return "number", ""
	case name == "Boolean":
		return "boolean", ""
	case strings.Contains(l, "datetime") || strings.Contains(l, "timestamp"):
		return "string", "date-time"
	case strings.Contains(l, "date"):
		return "string", "date"
	case strings.Contains(l, "uri") || strings.Contains(l, "url"):
		return "string", "uri"
	}
	return "string", ""
}
