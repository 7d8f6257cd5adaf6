package graphql

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/abusegate/abusegate/scenarios"
)

// introspection is a decoded __schema result with the positions of the
// names in the JSON, so that operations found in it can be located.
type introspection struct {
	name   string
	src    *ast.Source
	schema *introSchema
	pos    positions
}

type introResult struct {
	Data   *introData      `json:"data"`
	Schema *introSchema    `json:"__schema"`
	Errors json.RawMessage `json:"errors"`
}

type introData struct {
	Schema *introSchema `json:"__schema"`
}

type introSchema struct {
	QueryType        *introName  `json:"queryType"`
	MutationType     *introName  `json:"mutationType"`
	SubscriptionType *introName  `json:"subscriptionType"`
	Types            []introType `json:"types"`
}

type introName struct {
	Name string `json:"name"`
}

type introType struct {
	Kind          string       `json:"kind"`
	Name          string       `json:"name"`
	Description   string       `json:"description"`
	Fields        []introField `json:"fields"`
	InputFields   []introInput `json:"inputFields"`
	Interfaces    []introRef   `json:"interfaces"`
	PossibleTypes []introRef   `json:"possibleTypes"`
	EnumValues    []introEnum  `json:"enumValues"`
}

type introField struct {
	Name              string       `json:"name"`
	Description       string       `json:"description"`
	Args              []introInput `json:"args"`
	Type              *introRef    `json:"type"`
	IsDeprecated      bool         `json:"isDeprecated"`
	DeprecationReason string       `json:"deprecationReason"`
}

type introInput struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Type        *introRef `json:"type"`
}

type introEnum struct {
	Name string `json:"name"`
}

type introRef struct {
	Kind   string    `json:"kind"`
	Name   string    `json:"name"`
	OfType *introRef `json:"ofType"`
}

// decodeIntrospection reads a __schema result, bare or wrapped in "data".
func decodeIntrospection(name string, data []byte) (*introspection, error) {
	var res introResult
	if err := json.Unmarshal(data, &res); err != nil {
		loc := scenarios.Location{File: name}
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			loc = newLines(data).loc(name, max(syn.Offset-1, 0)) // Offset is past the bad byte
		case errors.As(err, &typ):
			loc = newLines(data).loc(name, typ.Offset)
		}
		return nil, &SchemaError{Loc: loc, Message: "not an introspection result: " + err.Error(), Fix: "give the JSON answer of the standard introspection query"}
	}
	s := res.Schema
	if res.Data != nil && res.Data.Schema != nil {
		s = res.Data.Schema
	}
	if s == nil {
		msg := `no "__schema" object`
		if len(res.Errors) > 0 && string(res.Errors) != "null" {
			msg += " (the response carries errors: " + truncate(string(res.Errors), 200) + ")"
		}
		return nil, &SchemaError{Loc: scenarios.Location{File: name}, Message: msg, Fix: `save the result of the introspection query, {"data": {"__schema": ...}}`}
	}
	return &introspection{
		name:   name,
		src:    &ast.Source{Name: name, Input: ""},
		schema: s,
		pos:    scanPositions(name, data),
	}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// builtinScalars are declared by gqlparser's prelude; an introspection
// result lists them too.
var builtinScalars = map[string]bool{"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true}

// document converts the result into a schema document gqlparser can
// validate, with warnings for what it had to leave out. Directive
// definitions are not converted: applied directives are not part of
// introspection, so they would say nothing.
func (in *introspection) document() (*ast.SchemaDocument, []Warning) {
	var warns []Warning
	sd, err := parser.ParseSchema(validator.Prelude)
	if err != nil {
		return nil, []Warning{{Message: "gqlparser prelude: " + err.Error()}}
	}
	for i, t := range in.schema.Types {
		if t.Name == "" || strings.HasPrefix(t.Name, "__") || builtinScalars[t.Name] {
			continue
		}
		p := in.pos.at(in.src, fmt.Sprintf("types.%d", i))
		def := &ast.Definition{Name: t.Name, Description: t.Description, Position: p}
		switch t.Kind {
		case "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT", "SCALAR":
			def.Kind = ast.DefinitionKind(t.Kind)
		default:
			warns = append(warns, Warning{Loc: posLoc(p), Message: fmt.Sprintf("type %s has unknown kind %q; ignored", t.Name, t.Kind)})
			continue
		}
		for j, f := range t.Fields {
			fp := in.pos.at(in.src, fmt.Sprintf("types.%d.fields.%d", i, j))
			fd, err := in.field(f, fp, fmt.Sprintf("types.%d.fields.%d", i, j))
			if err != nil {
				warns = append(warns, Warning{Loc: posLoc(fp), Message: fmt.Sprintf("field %s.%s: %v; ignored", t.Name, f.Name, err)})
				continue
			}
			def.Fields = append(def.Fields, fd)
		}
		for j, f := range t.InputFields {
			fp := in.pos.at(in.src, fmt.Sprintf("types.%d.inputFields.%d", i, j))
			typ, err := typeRef(f.Type, fp)
			if err != nil {
				warns = append(warns, Warning{Loc: posLoc(fp), Message: fmt.Sprintf("input field %s.%s: %v; ignored", t.Name, f.Name, err)})
				continue
			}
			def.Fields = append(def.Fields, &ast.FieldDefinition{Name: f.Name, Description: f.Description, Type: typ, Position: fp})
		}
		for _, r := range t.Interfaces {
			def.Interfaces = append(def.Interfaces, r.Name)
		}
		for _, r := range t.PossibleTypes {
			if t.Kind == "UNION" {
				def.Types = append(def.Types, r.Name)
			}
		}
		for _, v := range t.EnumValues {
			def.EnumValues = append(def.EnumValues, &ast.EnumValueDefinition{Name: v.Name, Position: p})
		}
		sd.Definitions = append(sd.Definitions, def)
	}
	root := &ast.SchemaDefinition{}
	for _, r := range []struct {
		op   ast.Operation
		name *introName
	}{{ast.Query, in.schema.QueryType}, {ast.Mutation, in.schema.MutationType}, {ast.Subscription, in.schema.SubscriptionType}} {
		if r.name != nil && r.name.Name != "" {
			p := in.pos.at(in.src, rootKey(r.op))
			root.OperationTypes = append(root.OperationTypes, &ast.OperationTypeDefinition{Operation: r.op, Type: r.name.Name, Position: p})
		}
	}
	sd.Schema = append(sd.Schema, root)
	return sd, warns
}

func rootKey(op ast.Operation) string {
	switch op {
	case ast.Mutation:
		return "mutationType"
	case ast.Subscription:
		return "subscriptionType"
	}
	return "queryType"
}

func (in *introspection) field(f introField, p *ast.Position, path string) (*ast.FieldDefinition, error) {
	typ, err := typeRef(f.Type, p)
	if err != nil {
		return nil, err
	}
	fd := &ast.FieldDefinition{Name: f.Name, Description: f.Description, Type: typ, Position: p}
	if f.IsDeprecated {
		fd.Directives = ast.DirectiveList{{Name: "deprecated", Position: p, Arguments: ast.ArgumentList{{
			Name: "reason", Value: &ast.Value{Kind: ast.StringValue, Raw: f.DeprecationReason, Position: p}, Position: p,
		}}}}
	}
	for k, a := range f.Args {
		ap := in.pos.at(in.src, fmt.Sprintf("%s.args.%d", path, k))
		at, err := typeRef(a.Type, ap)
		if err != nil {
			return nil, fmt.Errorf("argument %s: %w", a.Name, err)
		}
		fd.Arguments = append(fd.Arguments, &ast.ArgumentDefinition{Name: a.Name, Description: a.Description, Type: at, Position: ap})
	}
	return fd, nil
}

// maxTypeDepth bounds list nesting; real schemas use two or three.
const maxTypeDepth = 16

// typeRef converts a {kind, name, ofType} chain.
func typeRef(r *introRef, p *ast.Position) (*ast.Type, error) { return typeRefDepth(r, p, 0) }

func typeRefDepth(r *introRef, p *ast.Position, depth int) (*ast.Type, error) {
	switch {
	case depth > maxTypeDepth:
		return nil, errors.New("type nested too deeply")
	case r == nil:
		return nil, errors.New("missing type")
	case r.Kind == "NON_NULL":
		if r.OfType == nil || r.OfType.Kind == "NON_NULL" {
			return nil, errors.New("NON_NULL must wrap a nullable type")
		}
		t, err := typeRefDepth(r.OfType, p, depth+1)
		if err != nil {
			return nil, err
		}
		t.NonNull = true
		return t, nil
	case r.Kind == "LIST":
		elem, err := typeRefDepth(r.OfType, p, depth+1)
		if err != nil {
			return nil, err
		}
		return &ast.Type{Elem: elem, Position: p}, nil
	case r.Name == "":
		return nil, fmt.Errorf("%s type without a name", r.Kind)
	default:
		return &ast.Type{NamedType: r.Name, Position: p}, nil
	}
}
