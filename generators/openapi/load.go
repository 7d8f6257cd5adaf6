package openapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/abusegate/abusegate/scenarios"
)

// Warning is something off in a spec that did not stop it from loading.
type Warning struct {
	Loc     scenarios.Location
	Message string
}

func (w Warning) String() string { return w.Loc.String() + ": " + w.Message }

// Load reads an OpenAPI 3.x document (YAML or JSON) and returns its Surface.
// name is used in locations and to resolve relative $refs; remote $refs are
// refused. Validation problems are returned as warnings, not errors: real
// specs often fail strict validation and are still worth attacking.
func Load(name string, data []byte) (scenarios.Surface, []Warning, error) {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = localOnly
	abs, err := filepath.Abs(name)
	if err != nil {
		return scenarios.Surface{}, nil, fmt.Errorf("openapi: %s: %w", name, err)
	}
	var warns []Warning
	var doc *openapi3.T
	var v2 openapi2.T
	if openapi2.UnmarshalFromData(data, &v2) == nil && v2.Swagger != "" {
		doc, err = openapi2conv.ToV3(&v2)
		if err != nil {
			return scenarios.Surface{}, nil, fmt.Errorf("openapi: %s: converting swagger %s to openapi 3: %w", name, v2.Swagger, err)
		}
		warns = append(warns, Warning{Loc: scenarios.Location{File: name}, Message: "swagger " + v2.Swagger + " converted to openapi 3: locations are file-level only"})
	} else {
		doc, err = loader.LoadFromDataWithPath(data, &url.URL{Path: filepath.ToSlash(abs)})
		if err != nil {
			return scenarios.Surface{}, nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
	}
	if doc.OpenAPI == "" {
		return scenarios.Surface{}, nil, fmt.Errorf("openapi: %s: no \"openapi\" or \"swagger\" version field; is this an OpenAPI document?", name)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		for _, e := range flatten(err) {
			warns = append(warns, Warning{Loc: scenarios.Location{File: name}, Message: e.Error()})
		}
	}
	s := scenarios.Surface{Format: "openapi " + doc.OpenAPI, Source: name}
	if doc.Info != nil {
		s.Title, s.Version = doc.Info.Title, doc.Info.Version
	}
	if doc.Paths == nil {
		return s, warns, nil
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range sortedMethods(item) {
			op := item.GetOperation(method)
			s.Operations = append(s.Operations, operation(name, doc, path, method, item, op))
		}
	}
	slices.SortStableFunc(s.Operations, func(a, b scenarios.Operation) int {
		return strings.Compare(a.Key(), b.Key())
	})
	return s, warns, nil
}

// LoadFile reads a spec from disk; see Load.
func LoadFile(path string) (scenarios.Surface, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return scenarios.Surface{}, nil, fmt.Errorf("openapi: %w", err)
	}
	return Load(path, data)
}

// localOnly refuses remote $refs: a spec must not make the harness fetch
// from hosts it was not pointed at.
func localOnly(loader *openapi3.Loader, u *url.URL) ([]byte, error) {
	if u.Scheme != "" && u.Scheme != "file" {
		return nil, fmt.Errorf("remote $ref %s refused: copy the referenced file next to the spec and use a relative $ref", u)
	}
	return openapi3.ReadFromFile(loader, u)
}

func flatten(err error) []error {
	var multi interface{ Unwrap() []error }
	if errors.As(err, &multi) {
		return multi.Unwrap()
	}
	return []error{err}
}

func sortedMethods(item *openapi3.PathItem) []string {
	ops := item.Operations()
	methods := make([]string, 0, len(ops))
	for m := range ops {
		methods = append(methods, m)
	}
	slices.Sort(methods)
	return methods
}

func operation(file string, doc *openapi3.T, path, method string, item *openapi3.PathItem, op *openapi3.Operation) scenarios.Operation {
	o := scenarios.Operation{
		ID:      op.OperationID,
		Method:  strings.ToUpper(method),
		Path:    path,
		Summary: op.Summary,
		Auth:    requiresAuth(doc, op),
		Loc:     location(file, op.Origin),
	}
	if o.ID == "" {
		o.ID = o.Key()
	}
	params := slices.Clone(item.Parameters)
	params = append(params, op.Parameters...)
	for _, ref := range params {
		if ref == nil || ref.Value == nil {
			continue
		}
		o.Params = append(o.Params, param(ref.Value))
	}
	o.RequestFields = requestFields(op)
	for _, f := range o.RequestFields {
		o.Params = append(o.Params, scenarios.Param{Name: f, In: scenarios.InBody, Role: bodyRole(f)})
	}
	o.ResponseFields = responseFields(op)
	o.Roles = roles(o)
	for i, p := range o.Params {
		if p.In == scenarios.InPath && p.Role == scenarios.ParamPlain && o.Has(scenarios.RoleObjectRead) {
			o.Params[i].Role = scenarios.ParamObjectID
		}
	}
	return o
}

func location(file string, origin *openapi3.Origin) scenarios.Location {
	loc := scenarios.Location{File: file}
	if origin != nil && origin.Key != nil {
		loc.Line, loc.Column = origin.Key.Line, origin.Key.Column
	}
	return loc
}

func requiresAuth(doc *openapi3.T, op *openapi3.Operation) bool {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	for _, r := range reqs {
		if len(r) > 0 {
			return true
		}
	}
	return false
}

func param(p *openapi3.Parameter) scenarios.Param {
	out := scenarios.Param{Name: p.Name, Required: p.Required}
	switch p.In {
	case openapi3.ParameterInPath:
		out.In = scenarios.InPath
	case openapi3.ParameterInQuery:
		out.In = scenarios.InQuery
	case openapi3.ParameterInHeader:
		out.In = scenarios.InHeader
	case openapi3.ParameterInCookie:
		out.In = scenarios.InCookie
	}
	if p.Schema != nil && p.Schema.Value != nil {
		s := p.Schema.Value
		if s.Type != nil && len(s.Type.Slice()) > 0 {
			out.Type = s.Type.Slice()[0]
		}
		out.Format = s.Format
	}
	out.Role = paramRole(out)
	return out
}

func requestFields(op *openapi3.Operation) []string {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return properties(mt.Schema.Value)
}

func responseFields(op *openapi3.Operation) []string {
	if op.Responses == nil {
		return nil
	}
	for _, code := range []string{"200", "201", "2XX", "default"} {
		r := op.Responses.Value(code)
		if r == nil || r.Value == nil {
			continue
		}
		if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			return properties(mt.Schema.Value)
		}
	}
	return nil
}

func properties(s *openapi3.Schema) []string {
	if s == nil {
		return nil
	}
	var names []string
	for name := range s.Properties {
		names = append(names, name)
	}
	for _, sub := range s.AllOf {
		if sub != nil {
			names = append(names, properties(sub.Value)...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}
