package openapi

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/abusegate/abusegate/scenarios"
)

// builder turns a loaded document into a Surface, collecting warnings on
// the way.
type builder struct {
	file     string // the name locations carry
	rootPath string // the absolute path (or URL path) origins carry
	format   string
	doc      *openapi3.T
	v2       *v2Locator // Swagger 2.0 only
	warns    []Warning
	// flat memoizes flattenSchema: operations share component schemas
	// (every error response, every expandable customer).
	flat map[*openapi3.Schema][]field
	// shapes memoizes the responder's body shapes (replies.go).
	shapes map[shapeKey]*scenarios.Shape
}

// fields flattens a body schema once per distinct schema.
func (b *builder) fields(s *openapi3.Schema) []field {
	if s == nil {
		return nil
	}
	if f, ok := b.flat[s]; ok {
		return f
	}
	if b.flat == nil {
		b.flat = map[*openapi3.Schema][]field{}
	}
	f := flattenSchema(s, maxFieldDepth, maxFields)
	b.flat[s] = f
	return f
}

func (b *builder) warn(loc scenarios.Location, format string) {
	b.warns = append(b.warns, Warning{Loc: loc, Message: format})
}

func (b *builder) surface() scenarios.Surface {
	doc := b.doc
	s := scenarios.Surface{Format: b.format, Source: b.file}
	if doc.Info != nil {
		s.Title, s.Version = doc.Info.Title, doc.Info.Version
	}
	s.Servers = b.servers()
	s.AuthSchemes = b.authSchemes()
	if doc.Paths == nil {
		return s
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range sortedMethods(item) {
			s.Operations = append(s.Operations, b.operation(path, method, item, item.GetOperation(method)))
		}
	}
	slices.SortStableFunc(s.Operations, func(a, b scenarios.Operation) int {
		return strings.Compare(a.Key(), b.Key())
	})
	b.resolveRequires(s.Operations)
	return s
}

// loc turns a kin-openapi origin into a Location; fallback tokens locate
// the element in a Swagger 2.0 document, which has no origins.
func (b *builder) loc(origin *openapi3.Origin, v2tokens ...string) scenarios.Location {
	if b.v2 != nil {
		return b.v2.at(v2tokens...)
	}
	loc := scenarios.Location{File: b.file}
	if origin == nil || origin.Key == nil {
		return loc
	}
	loc.Line, loc.Column = origin.Key.Line, origin.Key.Column
	if f := origin.Key.File; f != "" && f != b.rootPath && f != filepath.FromSlash(b.rootPath) {
		loc.File = b.refFile(f)
	}
	return loc
}

// refFile names a $ref'd file relative to the spec's own directory, as the
// user wrote it, rather than as an absolute path.
func (b *builder) refFile(abs string) string {
	rel, err := filepath.Rel(filepath.Dir(filepath.FromSlash(b.rootPath)), filepath.FromSlash(abs))
	if err != nil {
		return abs
	}
	return filepath.Join(filepath.Dir(b.file), rel)
}

func (b *builder) fieldLoc(origin *openapi3.Origin, field string, v2tokens ...string) scenarios.Location {
	if b.v2 != nil || origin == nil {
		return b.loc(origin, v2tokens...)
	}
	if f, ok := origin.Fields.Lookup(field); ok {
		loc := scenarios.Location{File: b.file, Line: f.Line, Column: f.Column}
		if f.File != "" && f.File != b.rootPath {
			loc.File = b.refFile(f.File)
		}
		return loc
	}
	return b.loc(origin, v2tokens...)
}

func (b *builder) servers() []scenarios.Server {
	var out []scenarios.Server
	for _, srv := range b.doc.Servers {
		if srv == nil {
			continue
		}
		out = append(out, scenarios.Server{URL: srv.URL, Loc: b.loc(srv.Origin, "host")})
	}
	return out
}

func (b *builder) authSchemes() []scenarios.AuthScheme {
	if b.doc.Components == nil {
		return nil
	}
	var out []scenarios.AuthScheme
	for name, ref := range b.doc.Components.SecuritySchemes {
		if ref == nil || ref.Value == nil {
			continue
		}
		ss := ref.Value
		a := scenarios.AuthScheme{Name: name, Loc: b.loc(ss.Origin, "securityDefinitions", name)}
		switch strings.ToLower(ss.Type) {
		case "http":
			a.Type = strings.ToLower(ss.Scheme)
			if a.Type == "" {
				a.Type = "bearer"
			}
		case "apikey":
			a.Type, a.Param = "apiKey", ss.Name
			a.In = paramIn(ss.In)
			if a.In == scenarios.InCookie {
				a.Type = "cookie"
			}
		case "oauth2":
			a.Type = "oauth2"
		case "openidconnect":
			a.Type = "openIdConnect"
		default:
			a.Type = ss.Type
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y scenarios.AuthScheme) int { return strings.Compare(x.Name, y.Name) })
	return out
}

func paramIn(in string) scenarios.ParamIn {
	switch in {
	case openapi3.ParameterInPath:
		return scenarios.InPath
	case openapi3.ParameterInQuery:
		return scenarios.InQuery
	case openapi3.ParameterInHeader:
		return scenarios.InHeader
	case openapi3.ParameterInCookie:
		return scenarios.InCookie
	case "body", "formData":
		return scenarios.InBody
	}
	return 0
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

// requirements returns the security alternatives that apply to op.
func (b *builder) requirements(op *openapi3.Operation) openapi3.SecurityRequirements {
	if op.Security != nil {
		return *op.Security
	}
	return b.doc.Security
}

// requiresAuth is true when every alternative needs credentials: an empty
// alternative ({}) makes them optional.
func requiresAuth(reqs openapi3.SecurityRequirements) bool {
	if len(reqs) == 0 {
		return false
	}
	for _, r := range reqs {
		if len(r) == 0 {
			return false
		}
	}
	return true
}

func scopes(reqs openapi3.SecurityRequirements) []string {
	var out []string
	for _, r := range reqs {
		for _, s := range r {
			out = append(out, s...)
		}
	}
	return out
}
