package openapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/goccy/go-yaml/parser"

	"github.com/abusegate/abusegate/scenarios"
)

// Warning is something off in a spec that did not stop it from loading.
type Warning struct {
	Loc     scenarios.Location
	Message string
}

func (w Warning) String() string { return w.Loc.String() + ": " + w.Message }

// Load reads a Swagger 2.0 or OpenAPI 3.0/3.1 document (YAML or JSON) and
// returns its Surface, with the default Options. name is used in locations
// and to resolve relative $refs; remote $refs are refused. Validation
// problems are returned as warnings, not errors: real specs often fail
// strict validation and are still worth attacking.
func Load(name string, data []byte) (scenarios.Surface, []Warning, error) {
	return Options{}.Load(context.Background(), name, data)
}

// LoadFile reads a spec from disk with the default Options; see Load.
func LoadFile(path string) (scenarios.Surface, []Warning, error) {
	return Options{}.Read(context.Background(), path)
}

// Load reads a spec already in memory; name locates it (see the package
// Load).
func (o Options) Load(ctx context.Context, name string, data []byte) (scenarios.Surface, []Warning, error) {
	return o.load(ctx, name, data, nil)
}

var swaggerKey = regexp.MustCompile(`["']?swagger["']?\s*:\s*["']?2\.`)

func (o Options) load(ctx context.Context, name string, data []byte, base *url.URL) (scenarios.Surface, []Warning, error) {
	root := base
	if root == nil {
		abs, err := filepath.Abs(name)
		if err != nil {
			return scenarios.Surface{}, nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
		root = &url.URL{Path: filepath.ToSlash(abs)}
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = o.refReader(ctx, base)
	loader.Context = ctx

	b := &builder{file: name, rootPath: root.Path}
	var doc *openapi3.T
	if swaggerKey.Match(data) {
		var v2 openapi2.T
		if err := openapi2.UnmarshalFromData(data, &v2); err == nil && v2.Swagger != "" {
			b.v2 = newV2Locator(name, data, &v2)
			doc, err = openapi2conv.ToV3WithLoader(&v2, loader, root)
			if err != nil {
				return scenarios.Surface{}, nil, fmt.Errorf("openapi: %s: converting swagger %s to openapi 3: %w", name, v2.Swagger, err)
			}
			b.format = "swagger " + v2.Swagger
		}
	}
	if doc == nil {
		var err error
		doc, err = loader.LoadFromDataWithPath(data, root)
		if err != nil {
			return scenarios.Surface{}, nil, parseError(name, data, err)
		}
		if doc.OpenAPI == "" {
			return scenarios.Surface{}, nil, fmt.Errorf("openapi: %s: no \"openapi\" or \"swagger\" version field; is this an OpenAPI document? Add openapi: 3.0.3 (or swagger: \"2.0\") at the top", name)
		}
		b.format = "openapi " + doc.OpenAPI
	}
	b.doc = doc
	if !o.SkipValidation {
		b.warnings(validate(ctx, doc))
	}
	return b.surface(), b.warns, nil
}

func validate(ctx context.Context, doc *openapi3.T) error {
	// Examples, defaults and patterns are what real specs most often get
	// wrong and what costs most to check (regex compiles on the Stripe
	// spec take seconds); none of them changes what abuse sees.
	return doc.Validate(ctx,
		openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(),
		openapi3.DisableSchemaPatternValidation(),
		openapi3.EnableMultiError(),
		openapi3.AllowExtraSiblingFields("description", "summary", "example", "nullable", "deprecated", "readOnly", "writeOnly"))
}

var lineInMessage = regexp.MustCompile(`line (\d+)`)

// parseError turns a loader failure into an error naming the file, line
// and column when the document does not parse, and the problem either way.
func parseError(name string, data []byte, err error) error {
	if _, perr := parser.ParseBytes(data, 0); perr != nil {
		if line, col, msg, ok := yamlErrorPos(perr); ok {
			return fmt.Errorf("openapi: %s:%d:%d: not valid YAML or JSON: %s", name, line, col, msg)
		}
	}
	if m := lineInMessage.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return fmt.Errorf("openapi: %s:%d: %w", name, line, err)
	}
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		return fmt.Errorf("openapi: %s: resolving a $ref: %w", name, err)
	}
	return fmt.Errorf("openapi: %s: %w", name, err)
}
