package openapi

import (
	"errors"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/abusegate/abusegate/scenarios"
)

// warnings turns validation problems into located warnings: at the origin
// the error carries when it has one, else at the path, operation or
// component it names, else at the file.
func (b *builder) warnings(err error) {
	if err == nil {
		return
	}
	var leaves []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		leaves = me
	} else {
		leaves = []error{err}
	}
	for _, e := range leaves {
		b.warn(b.errLoc(e), e.Error())
	}
}

var originType = reflect.TypeFor[*openapi3.Origin]()

func (b *builder) errLoc(err error) scenarios.Location {
	var path, method, section, name string
	var origin *openapi3.Origin
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch v := e.(type) {
		case *openapi3.PathValidationError:
			path = v.Path
		case *openapi3.OperationValidationError:
			method = v.Method
		case *openapi3.ComponentValidationError:
			section, name = v.Section, v.Name
		}
		if o := originOf(e); o != nil && o.Key != nil {
			origin = o
		}
	}
	if origin != nil && b.v2 == nil {
		return b.loc(origin)
	}
	if path != "" && b.doc.Paths != nil {
		if item := b.doc.Paths.Value(path); item != nil {
			if op := item.GetOperation(strings.ToUpper(method)); op != nil {
				return b.loc(op.Origin, "paths", path, strings.ToLower(method))
			}
			return b.loc(item.Origin, "paths", path)
		}
	}
	if section == "schema" && b.doc.Components != nil {
		if s := b.doc.Components.Schemas[name]; s != nil && s.Value != nil {
			return b.loc(s.Value.Origin, "definitions", name)
		}
	}
	return scenarios.Location{File: b.file}
}

// originOf reads an Origin field off a kin-openapi error struct, which
// some validation errors carry.
func originOf(err error) *openapi3.Origin {
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("Origin")
	if !f.IsValid() || f.Type() != originType || f.IsNil() {
		return nil
	}
	return f.Interface().(*openapi3.Origin)
}
