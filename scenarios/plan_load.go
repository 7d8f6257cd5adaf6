package scenarios

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// LoadPlan parses abusegate.yaml. name is used in positions. It reports
// every unknown key (a typo) at once, each with its line and column and the
// keys that are allowed there; a syntax error stops it at the first.
func LoadPlan(name string, data []byte) (*PlanFile, error) {
	p := &PlanFile{name: name, positions: map[string]Location{}}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimSpace(yaml.FormatError(err, false, false)))
	}
	var errs []error
	for _, doc := range file.Docs {
		if doc.Body != nil {
			p.walk(doc.Body, "", reflect.TypeFor[PlanFile](), &errs)
		}
	}
	if len(file.Docs) > 1 {
		errs = append(errs, &PlanError{Loc: Location{File: name}, Path: "$", Message: "several YAML documents: a plan is one document"})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := yaml.UnmarshalWithOptions(data, p); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimSpace(yaml.FormatError(err, false, false)))
	}
	return p, nil
}

func (p *PlanFile) loc(n ast.Node) Location {
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Location{File: p.name}
	}
	return Location{File: p.name, Line: tk.Position.Line, Column: tk.Position.Column}
}

// walk records the position of every field path and reports keys the type
// t does not have.
func (p *PlanFile) walk(n ast.Node, path string, t reflect.Type, errs *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			p.walk(mv, path, t, errs)
		}
	case *ast.MappingValueNode:
		key := n.Key.GetToken().Value
		child := key
		if path != "" {
			child = path + "." + key
		}
		p.positions[child] = p.loc(n.Key)
		switch t.Kind() {
		case reflect.Struct:
			f, ok := fieldByTag(t, key)
			if !ok {
				*errs = append(*errs, &PlanError{Loc: p.loc(n.Key), Path: child,
					Message: fmt.Sprintf("unknown key %q (allowed here: %s)", key, strings.Join(tags(t), ", "))})
				return
			}
			p.walk(n.Value, child, f.Type, errs)
		case reflect.Map:
			p.walk(n.Value, child, t.Elem(), errs)
		}
	case *ast.SequenceNode:
		if t.Kind() != reflect.Slice {
			return
		}
		for i, v := range n.Values {
			item := path + "[" + strconv.Itoa(i) + "]"
			p.positions[item] = p.loc(v)
			p.walk(v, item, t.Elem(), errs)
		}
	}
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name == key && f.IsExported() {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func tags(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
