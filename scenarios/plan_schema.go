package scenarios

import (
	"reflect"
	"strings"
)

// PlanSchema returns the JSON Schema (draft 2020-12) of abusegate.yaml,
// derived from PlanFile so that it cannot drift from what LoadPlan
// accepts: every object closes its properties, as LoadPlan rejects unknown
// keys. Editors use it for completion and to flag typos as you type.
func PlanSchema() map[string]any {
	s := schemaOf(reflect.TypeFor[PlanFile]())
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://abusegate.dev/schema/plan-v" + PlanVersion + ".json"
	s["title"] = "abusegate misuse plan (abusegate.yaml)"
	s["required"] = []string{"version", "target", "scenarios"}
	pool := s["properties"].(map[string]any)["identities"].(map[string]any)["items"].(map[string]any)
	pool["properties"].(map[string]any)["credential"] = map[string]any{"type": "string", "enum": []string{"api-key", "bearer", "basic"}}
	return s
}

func schemaOf(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Int:
		return map[string]any{"type": "integer"}
	case reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			props[name] = schemaOf(f.Type)
		}
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return map[string]any{}
}
