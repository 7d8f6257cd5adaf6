package graphql

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/abusegate/abusegate/scenarios"
)

// dropKey names a schema element by where it is written, which stays the
// same across re-parses of the same input.
type dropKey struct {
	kind dropKind
	loc  scenarios.Location
}

type dropKind int

const (
	dropDefinition dropKind = iota + 1
	dropField
	dropDirectiveUse
	dropDirectiveDefinition
	dropEnumValue
)

func at(p *ast.Position, loc scenarios.Location) bool {
	return p != nil && p.Src != nil && p.Src.Name == loc.File && p.Line == loc.Line && p.Column == loc.Column
}

func typeAt(t *ast.Type, loc scenarios.Location) bool {
	for ; t != nil; t = t.Elem {
		if at(t.Position, loc) {
			return true
		}
	}
	return false
}

func directiveAt(dirs ast.DirectiveList, loc scenarios.Location) bool {
	for _, d := range dirs {
		if at(d.Position, loc) {
			return true
		}
		for _, a := range d.Arguments {
			if at(a.Position, loc) || (a.Value != nil && at(a.Value.Position, loc)) {
				return true
			}
		}
	}
	return false
}

// fieldAt reports whether an error at loc points into field f, and
// whether only one of its directives is at fault.
func fieldAt(f *ast.FieldDefinition, loc scenarios.Location) (hit, directive bool) {
	if directiveAt(f.Directives, loc) {
		return true, true
	}
	if at(f.Position, loc) || typeAt(f.Type, loc) || (f.DefaultValue != nil && at(f.DefaultValue.Position, loc)) {
		return true, false
	}
	for _, a := range f.Arguments {
		if directiveAt(a.Directives, loc) {
			return true, true
		}
		if at(a.Position, loc) || typeAt(a.Type, loc) || (a.DefaultValue != nil && at(a.DefaultValue.Position, loc)) {
			return true, false
		}
	}
	return false, false
}

// find names the smallest element an error at loc is about: a directive
// use, a field, an enum value, a definition. It reports false when the
// error points at nothing it can drop.
func find(sd *ast.SchemaDocument, loc scenarios.Location) (dropKey, string, bool) {
	if loc.Line == 0 {
		return dropKey{}, "", false
	}
	for _, list := range []ast.DefinitionList{sd.Definitions, sd.Extensions} {
		for _, def := range list {
			if def.BuiltIn {
				continue
			}
			for _, f := range def.Fields {
				hit, dir := fieldAt(f, loc)
				switch {
				case hit && dir:
					return dropKey{dropDirectiveUse, loc}, "the directive", true
				case hit:
					return dropKey{dropField, posLoc(f.Position)}, "field " + def.Name + "." + f.Name, true
				}
			}
			for _, v := range def.EnumValues {
				if at(v.Position, loc) || directiveAt(v.Directives, loc) {
					return dropKey{dropEnumValue, posLoc(v.Position)}, "enum value " + def.Name + "." + v.Name, true
				}
			}
			if directiveAt(def.Directives, loc) {
				return dropKey{dropDirectiveUse, loc}, "the directive", true
			}
			if at(def.Position, loc) || slices.ContainsFunc(def.TypePositions, func(p *ast.Position) bool { return at(p, loc) }) {
				return dropKey{dropDefinition, posLoc(def.Position)}, "type " + def.Name, true
			}
		}
	}
	for _, d := range sd.Directives {
		if at(d.Position, loc) {
			return dropKey{dropDirectiveDefinition, loc}, "directive @" + d.Name, true
		}
	}
	// A wrong schema root is not dropped: without it nothing is left.
	for _, list := range []ast.SchemaDefinitionList{sd.Schema, sd.SchemaExtension} {
		for _, s := range list {
			if directiveAt(s.Directives, loc) {
				return dropKey{dropDirectiveUse, loc}, "the directive", true
			}
		}
	}
	return dropKey{}, "", false
}

func posLoc(p *ast.Position) scenarios.Location {
	if p == nil || p.Src == nil {
		return scenarios.Location{}
	}
	return scenarios.Location{File: p.Src.Name, Line: p.Line, Column: p.Column}
}

// drop removes the element d names from a freshly built document.
func drop(sd *ast.SchemaDocument, d dropKey) {
	keepDirs := func(dirs ast.DirectiveList) ast.DirectiveList {
		return slices.DeleteFunc(dirs, func(x *ast.Directive) bool {
			return d.kind == dropDirectiveUse && directiveAt(ast.DirectiveList{x}, d.loc)
		})
	}
	for _, list := range []*ast.DefinitionList{&sd.Definitions, &sd.Extensions} {
		*list = slices.DeleteFunc(*list, func(def *ast.Definition) bool {
			return d.kind == dropDefinition && at(def.Position, d.loc)
		})
		for _, def := range *list {
			def.Directives = keepDirs(def.Directives)
			def.Fields = slices.DeleteFunc(def.Fields, func(f *ast.FieldDefinition) bool {
				return d.kind == dropField && at(f.Position, d.loc)
			})
			def.EnumValues = slices.DeleteFunc(def.EnumValues, func(v *ast.EnumValueDefinition) bool {
				return d.kind == dropEnumValue && at(v.Position, d.loc)
			})
			for _, f := range def.Fields {
				f.Directives = keepDirs(f.Directives)
				for _, a := range f.Arguments {
					a.Directives = keepDirs(a.Directives)
				}
			}
			for _, v := range def.EnumValues {
				v.Directives = keepDirs(v.Directives)
			}
		}
	}
	sd.Directives = slices.DeleteFunc(sd.Directives, func(x *ast.DirectiveDefinition) bool {
		return d.kind == dropDirectiveDefinition && at(x.Position, d.loc)
	})
	for _, list := range []ast.SchemaDefinitionList{sd.Schema, sd.SchemaExtension} {
		for _, s := range list {
			s.Directives = keepDirs(s.Directives)
		}
	}
}
