package graphql

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/abusegate/abusegate/scenarios"
)

// DefaultEndpoint is the HTTP path operations are posted to when Options
// does not say otherwise; most servers use it.
const DefaultEndpoint = "/graphql"

// Options tune how a schema becomes a Surface. The zero value is usable.
type Options struct {
	// Endpoint is the HTTP path the schema is served on, copied into every
	// operation; empty means DefaultEndpoint.
	Endpoint string
}

// Source is one schema file: SDL, or introspection JSON.
type Source struct {
	// Name is the file name used in locations.
	Name string
	Data []byte
}

// Warning is something off in a schema that did not stop it from loading,
// such as a duplicate field that was dropped.
type Warning struct {
	Loc     scenarios.Location
	Message string
}

func (w Warning) String() string { return w.Loc.String() + ": " + w.Message }

// Detect reports whether a file looks like a GraphQL schema, so a command
// taking "a spec" can pick the adapter: by extension, or by an
// introspection result's "__schema" key.
func Detect(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".graphql", ".graphqls", ".gql":
		return true
	}
	return isIntrospection(data) && bytes.Contains(data, []byte(`"__schema"`))
}

// isIntrospection reports whether data is JSON rather than SDL: an SDL
// document never starts with "{".
func isIntrospection(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(trimmed) > 0 && trimmed[0] == '{'
}

// LoadFiles reads schema files from disk; see Load.
func LoadFiles(opts Options, paths ...string) (scenarios.Surface, []Warning, error) {
	srcs := make([]Source, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return scenarios.Surface{}, nil, fmt.Errorf("graphql: %w", err)
		}
		srcs = append(srcs, Source{Name: p, Data: data})
	}
	return Load(opts, srcs...)
}

// Load builds the Surface of a schema given as SDL files (types may be
// spread over several, with extensions) or as one introspection JSON
// result. A syntax error is an error naming file:line:column. A schema
// gqlparser rejects for a local reason (a duplicate field, an unknown
// type) still loads without the offending definition, and says so in a
// warning: the rest is worth attacking.
func Load(opts Options, srcs ...Source) (scenarios.Surface, []Warning, error) {
	if len(srcs) == 0 {
		return scenarios.Surface{}, nil, errors.New("graphql: no schema given")
	}
	if opts.Endpoint == "" {
		opts.Endpoint = DefaultEndpoint
	}
	var (
		build  func() (*ast.SchemaDocument, error)
		warns  []Warning
		format = "graphql sdl"
	)
	if isIntrospection(srcs[0].Data) {
		if len(srcs) > 1 {
			return scenarios.Surface{}, nil, fmt.Errorf("graphql: %s: an introspection result is a whole schema; load it alone, not with %s", srcs[0].Name, srcs[1].Name)
		}
		in, err := decodeIntrospection(srcs[0].Name, srcs[0].Data)
		if err != nil {
			return scenarios.Surface{}, nil, err
		}
		format = "graphql introspection"
		build = func() (*ast.SchemaDocument, error) {
			sd, ws := in.document()
			warns = ws
			return sd, nil
		}
	} else {
		for _, s := range srcs[1:] {
			if isIntrospection(s.Data) {
				return scenarios.Surface{}, nil, fmt.Errorf("graphql: %s: introspection JSON cannot be mixed with SDL files", s.Name)
			}
		}
		build = func() (*ast.SchemaDocument, error) { return parseSDL(srcs) }
	}
	schema, dropped, err := validate(build)
	if err != nil {
		return scenarios.Surface{}, nil, err
	}
	warns = append(warns, dropped...)
	b := &builder{schema: schema, endpoint: opts.Endpoint, lex: lexicon{}}
	s := b.surface()
	s.Format = format
	s.Source = srcs[0].Name
	return s, append(warns, b.warns...), nil
}

// parseSDL parses the sources with gqlparser's prelude and, unless the
// schema declares its own, the @abuse directive.
func parseSDL(srcs []Source) (*ast.SchemaDocument, error) {
	inputs := make([]*ast.Source, 0, len(srcs)+1)
	inputs = append(inputs, validator.Prelude)
	for _, s := range srcs {
		inputs = append(inputs, &ast.Source{Name: s.Name, Input: string(s.Data)})
	}
	sd, err := parser.ParseSchemas(inputs...)
	if err != nil {
		return nil, locate(err, "fix the syntax there")
	}
	if sd.Directives.ForName(abuseName) == nil {
		abuse, err := parser.ParseSchema(abuseSource)
		if err != nil {
			return nil, fmt.Errorf("graphql: built-in @abuse declaration: %w", err)
		}
		sd.Merge(abuse)
	}
	return sd, nil
}

// maxRepairs bounds how many definitions a broken schema may lose before
// it is refused as a whole.
const maxRepairs = 50

// validate builds and validates the document, dropping each definition
// gqlparser rejects and trying again. build must return a fresh document
// each time, because validation mutates it (extensions are merged into
// their base types).
func validate(build func() (*ast.SchemaDocument, error)) (*ast.Schema, []Warning, error) {
	var (
		drops []dropKey
		warns []Warning
	)
	for {
		sd, err := build()
		if err != nil {
			return nil, nil, err
		}
		for _, d := range drops {
			drop(sd, d)
		}
		schema, err := validator.ValidateSchemaDocument(sd)
		if err == nil {
			return schema, warns, nil
		}
		gerr, loc := errorAt(err)
		if len(drops) == maxRepairs {
			return nil, nil, &SchemaError{Loc: loc, Message: strings.TrimSuffix(gerr.Message, "."), Fix: fmt.Sprintf("%d other problems were skipped before this one; fix the schema", len(drops))}
		}
		d, what, ok := find(sd, loc)
		if !ok || slices.Contains(drops, d) {
			return nil, nil, locate(err, hint(gerr.Message))
		}
		drops = append(drops, d)
		warns = append(warns, Warning{Loc: loc, Message: fmt.Sprintf("%s: %s ignored (%s)", strings.TrimSuffix(gerr.Message, "."), what, hint(gerr.Message))})
	}
}

// errorAt extracts gqlparser's message and location.
func errorAt(err error) (*gqlerror.Error, scenarios.Location) {
	var gerr *gqlerror.Error
	if !errors.As(err, &gerr) {
		gerr = &gqlerror.Error{Message: err.Error()}
	}
	var loc scenarios.Location
	if f, ok := gerr.Extensions["file"].(string); ok {
		loc.File = f
	}
	if len(gerr.Locations) > 0 && gerr.Locations[0].Line > 0 {
		loc.Line, loc.Column = gerr.Locations[0].Line, gerr.Locations[0].Column
	}
	return gerr, loc
}

// SchemaError is a schema gqlparser (or the introspection decoder) could
// not read, with where and how to fix it; commands map it to "bad spec".
type SchemaError struct {
	Loc     scenarios.Location
	Message string
	Fix     string
}

func (e *SchemaError) Error() string {
	where := e.Loc.String()
	if where == "" {
		where = "schema"
	}
	msg := "graphql: " + where + ": " + e.Message
	if e.Fix != "" {
		msg += " (" + e.Fix + ")"
	}
	return msg
}

// locate turns a gqlparser error into a SchemaError.
func locate(err error, fix string) error {
	gerr, loc := errorAt(err)
	return &SchemaError{Loc: loc, Message: strings.TrimSuffix(gerr.Message, "."), Fix: fix}
}

// hint suggests a fix for gqlparser's common complaints.
func hint(msg string) string {
	switch {
	case strings.Contains(msg, "can only be defined once"), strings.Contains(msg, "Cannot redeclare"):
		return "remove or rename the second definition"
	case strings.Contains(msg, "Undefined type"):
		return "define the type or fix its name"
	case strings.Contains(msg, "Undefined directive"):
		return "declare it with a directive definition or remove it"
	case strings.Contains(msg, "must define one or more"):
		return "give it at least one field or value"
	case strings.Contains(msg, "does not exist"):
		return "define that type or point the schema root at an existing one"
	}
	return "fix the definition there"
}
