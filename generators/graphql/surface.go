package graphql

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/abusegate/abusegate/scenarios"
)

// builder turns a validated schema into a Surface.
type builder struct {
	schema   *ast.Schema
	endpoint string
	warns    []Warning
	lex      lexicon
	// shapes memoizes the responder's body shapes (replies.go).
	shapes map[shapeKey]*scenarios.Shape
}

func (b *builder) surface() scenarios.Surface {
	s := scenarios.Surface{Title: firstParagraph(b.schema.Description)}
	abuse := map[string]*ast.Directive{}
	for _, root := range []struct {
		def    *ast.Definition
		method string
	}{{b.schema.Query, "QUERY"}, {b.schema.Mutation, "MUTATION"}} {
		if root.def == nil {
			continue
		}
		for _, f := range root.def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			op := b.operation(root.def, root.method, f)
			if d := f.Directives.ForName(abuseName); d != nil {
				abuse[op.Key()] = d
			}
			s.Operations = append(s.Operations, op)
		}
	}
	for i := range s.Operations {
		if d, ok := abuse[s.Operations[i].Key()]; ok {
			b.applyAbuse(&s.Operations[i], d, s.Operations)
		}
	}
	slices.SortStableFunc(s.Operations, func(a, b scenarios.Operation) int {
		return strings.Compare(a.Key(), b.Key())
	})
	return s
}

// firstParagraph is a description's first paragraph on one line.
func firstParagraph(s string) string {
	para, _, _ := strings.Cut(strings.TrimSpace(s), "\n\n")
	return strings.Join(strings.Fields(para), " ")
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

func (b *builder) operation(root *ast.Definition, method string, f *ast.FieldDefinition) scenarios.Operation {
	o := scenarios.Operation{
		ID:         strings.ToLower(method) + "." + f.Name,
		Method:     method,
		Path:       f.Name,
		Summary:    firstLine(f.Description),
		Protocol:   scenarios.GraphQL,
		Endpoint:   b.endpoint,
		Deprecated: f.Directives.ForName("deprecated") != nil,
		Auth:       b.requiresAuth(root, f),
		Loc:        posLoc(f.Position),
	}
	mutation := method == "MUTATION"
	for _, a := range f.Arguments {
		b.params(&o, a.Name, a.Type, a.Description, a.DefaultValue == nil, a.Position, mutation, 0, nil)
	}
	o.ResponseFields = b.responseFields(f.Type)
	o.Replies = b.replies(f.Type)
	o.Roles, o.Pagination = classify(&o, b.shape(f.Type), mutation, b.argDescriptions(f), b.lex)
	o.Sensitivity = sensitivity(o, b.lex)
	return o
}

// maxInputDepth bounds how far input objects are flattened into
// parameters: "input.address.city" is deep enough to find credentials and
// ids, and it keeps recursive inputs finite.
const maxInputDepth = 2

// params adds the parameter for one argument or input field and, for an
// input object, its fields under a dotted name.
func (b *builder) params(o *scenarios.Operation, name string, t *ast.Type, desc string, noDefault bool, pos *ast.Position, mutation bool, depth int, seen []string) {
	p := scenarios.Param{
		Name:         name,
		In:           scenarios.InArgument,
		DeclaredType: t.String(),
		Required:     t.NonNull && noDefault,
		Loc:          posLoc(pos),
	}
	p.Type, p.Format = jsonType(b.schema, t)
	p.Role, p.IDKind = paramRole(name, t, mutation, b.lex)
	o.Params = append(o.Params, p)
	def := b.schema.Types[t.Name()]
	if def == nil || def.Kind != ast.InputObject || depth >= maxInputDepth || slices.Contains(seen, def.Name) {
		return
	}
	seen = append(seen, def.Name)
	for _, f := range def.Fields {
		b.params(o, name+"."+f.Name, f.Type, f.Description, p.Required && f.DefaultValue == nil, f.Position, mutation, depth+1, seen)
	}
}

func lastSegment(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// argDescriptions maps argument names to their descriptions, where page
// size limits are often stated ("maximum 100").
func (b *builder) argDescriptions(f *ast.FieldDefinition) map[string]string {
	out := map[string]string{}
	for _, a := range f.Arguments {
		if a.Description != "" {
			out[a.Name] = a.Description
		}
	}
	return out
}

// jsonType maps a GraphQL input type to the JSON schema type and format
// the rest of abusegate speaks.
func jsonType(schema *ast.Schema, t *ast.Type) (typ, format string) {
	if t.Elem != nil {
		return "array", ""
	}
	switch t.NamedType {
	case "Int":
		return "integer", "int32"
	case "Float":
		return "number", "double"
	case "String":
		return "string", ""
	case "Boolean":
		return "boolean", ""
	case "ID":
		return "string", "id"
	}
	def := schema.Types[t.NamedType]
	switch {
	case def == nil:
		return "string", strings.ToLower(t.NamedType)
	case def.Kind == ast.InputObject:
		return "object", ""
	case def.Kind == ast.Enum:
		return "string", "enum"
	}
	return "string", strings.ToLower(t.NamedType)
}

// authDirectives are the directive names schemas use to mark fields that
// need a caller (graphql-shield, AppSync, Apollo, Hot Chocolate...),
// lower-cased.
var authDirectives = map[string]bool{
	"auth": true, "authenticated": true, "isauthenticated": true, "requireauth": true,
	"requiresauth": true, "requiresauthentication": true, "requiresscopes": true,
	"hasrole": true, "hasscope": true, "haspermission": true, "haspermissions": true,
	"authorize": true, "authz": true, "policy": true, "aws_auth": true, "aws_iam": true,
	"aws_cognito_user_pools": true, "aws_oidc": true, "loggedin": true, "private": true,
}

func hasAuthDirective(dirs ast.DirectiveList) bool {
	for _, d := range dirs {
		if authDirectives[strings.ToLower(d.Name)] {
			return true
		}
	}
	return false
}

// requiresAuth reads auth directives on the field, its root type or the
// type it returns; GraphQL schemas state nothing else about auth.
func (b *builder) requiresAuth(root *ast.Definition, f *ast.FieldDefinition) bool {
	if hasAuthDirective(f.Directives) || hasAuthDirective(root.Directives) {
		return true
	}
	if def := b.schema.Types[f.Type.Name()]; def != nil {
		return hasAuthDirective(def.Directives)
	}
	return false
}
