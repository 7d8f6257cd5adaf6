package openapi

import (
	"errors"
	"strconv"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/abusegate/abusegate/scenarios"
)

// yamlErrorPos extracts the position and message of a YAML syntax error.
func yamlErrorPos(err error) (line, col int, msg string, ok bool) {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil || ye.GetToken().Position == nil {
		return 0, 0, "", false
	}
	p := ye.GetToken().Position
	return p.Line, p.Column, ye.GetMessage(), true
}

// v2Locator finds where things are in a Swagger 2.0 document. kin-openapi
// records origins for OpenAPI 3 only, and conversion loses them, so the
// original text is parsed once more (Swagger specs only) and looked up by
// JSON pointer tokens.
type v2Locator struct {
	file string
	root ast.Node
	doc  *openapi2.T
}

func newV2Locator(file string, data []byte, doc *openapi2.T) *v2Locator {
	l := &v2Locator{file: file, doc: doc}
	if f, err := parser.ParseBytes(data, 0); err == nil && len(f.Docs) > 0 {
		l.root = f.Docs[0].Body
	}
	return l
}

// at returns the location of the key that holds the value at the pointer
// tokens, or of the deepest ancestor found.
func (l *v2Locator) at(tokens ...string) scenarios.Location {
	loc := scenarios.Location{File: l.file}
	if l == nil || l.root == nil {
		return loc
	}
	node := l.root
	for _, tok := range tokens {
		next, pos := child(node, tok)
		if next == nil {
			break
		}
		if pos != nil {
			loc.Line, loc.Column = pos.Line, pos.Column
		}
		node = next
	}
	return loc
}

func child(n ast.Node, tok string) (ast.Node, *tokenPosition) {
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			if keyString(mv.Key) == tok {
				return mv.Value, position(mv.Key)
			}
		}
	case *ast.MappingValueNode:
		if keyString(n.Key) == tok {
			return n.Value, position(n.Key)
		}
	case *ast.SequenceNode:
		i, err := strconv.Atoi(tok)
		if err == nil && i >= 0 && i < len(n.Values) {
			return n.Values[i], position(n.Values[i])
		}
	case *ast.TagNode:
		return child(n.Value, tok)
	}
	return nil, nil
}

type tokenPosition struct{ Line, Column int }

func position(n ast.Node) *tokenPosition {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return nil
	}
	p := n.GetToken().Position
	return &tokenPosition{p.Line, p.Column}
}

func keyString(k ast.MapKeyNode) string {
	switch k := k.(type) {
	case *ast.StringNode:
		return k.Value
	case nil:
		return ""
	default:
		return k.String()
	}
}

// param finds a Swagger parameter by name and location on an operation or
// its path item.
func (l *v2Locator) param(path, method, name, in string) scenarios.Location {
	if l == nil || l.doc == nil || l.doc.Paths == nil {
		return scenarios.Location{File: l.fileName()}
	}
	item := l.doc.Paths[path]
	if item == nil {
		return l.at("paths", path, method)
	}
	if op := item.GetOperation(method); op != nil {
		for i, p := range op.Parameters {
			if p != nil && p.Name == name && (p.In == in || in == "") {
				return l.at("paths", path, method, "parameters", strconv.Itoa(i))
			}
		}
	}
	for i, p := range item.Parameters {
		if p != nil && p.Name == name && (p.In == in || in == "") {
			return l.at("paths", path, "parameters", strconv.Itoa(i))
		}
	}
	return l.at("paths", path, method)
}

func (l *v2Locator) fileName() string {
	if l == nil {
		return ""
	}
	return l.file
}
