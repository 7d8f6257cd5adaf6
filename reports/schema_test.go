package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/oracle"
	"github.com/abusegate/abusegate/reports/reportstest"
	"github.com/abusegate/abusegate/scenarios"
)

// schemaDoc is the embedded schema decoded for inspection.
func schemaDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(Schema(), &doc))
	return doc
}

// TestSchemaMatchesModel walks Report by reflection beside the schema: every
// struct is a closed object (the root, or $defs named after the Go type)
// whose properties are exactly its JSON fields, whose required list is
// exactly its fields without omitempty, and whose property types follow the
// Go types. A field added to the model without the schema fails here even
// when no test report sets it.
func TestSchemaMatchesModel(t *testing.T) {
	doc := schemaDoc(t)
	defs, _ := doc["$defs"].(map[string]any)
	require.NotNil(t, defs)
	assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", doc["$schema"])

	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type, obj map[string]any, where string)
	walk = func(typ reflect.Type, obj map[string]any, where string) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		assert.Equal(t, "object", obj["type"], where)
		assert.Equal(t, false, obj["additionalProperties"], "%s must be closed", where)
		props, _ := obj["properties"].(map[string]any)
		var fields, required []string
		for f := range typ.Fields() {
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			require.NotEmpty(t, name, "%s.%s has no json name", typ.Name(), f.Name)
			fields = append(fields, name)
			omitempty := strings.Contains(opts, "omitempty")
			if !omitempty {
				required = append(required, name)
			}
			prop, ok := props[name].(map[string]any)
			if !assert.True(t, ok, "%s: field %s (%s) is not in the schema", where, name, f.Name) {
				continue
			}
			path := where + "." + name
			assertType(t, f.Type, omitempty, resolve(defs, prop), path)
			if st := structOf(f.Type); st != nil {
				def, ok := defs[st.Name()].(map[string]any)
				if assert.True(t, ok, "%s: $defs/%s is missing", path, st.Name()) {
					assert.Contains(t, refsOf(prop), "#/$defs/"+st.Name(), path)
					walk(st, def, "$defs/"+st.Name())
				}
			}
		}
		assert.ElementsMatch(t, fields, keys(props), "%s: properties must be the model's fields", where)
		assert.ElementsMatch(t, required, obj["required"], "%s: required must be the fields without omitempty", where)
	}
	walk(reflect.TypeFor[Report](), doc, "report")
}

// TestSchemaEnumsMatchModel: every status the oracle and every action the
// monitor can name is one the schema accepts.
func TestSchemaEnumsMatchModel(t *testing.T) {
	defs := schemaDoc(t)["$defs"].(map[string]any)
	status := defs["ScenarioReport"].(map[string]any)["properties"].(map[string]any)["status"].(map[string]any)["enum"]
	var statuses []any
	for s := oracle.Status(1); !strings.HasPrefix(s.String(), "Status("); s++ {
		statuses = append(statuses, s.String())
	}
	assert.ElementsMatch(t, statuses, status)
	var actions []any
	for a := scenarios.Action(1); !strings.HasPrefix(a.String(), "Action("); a++ {
		actions = append(actions, a.String())
	}
	assert.ElementsMatch(t, actions, defs["action"].(map[string]any)["enum"])
}

// fullReport sets every field of the model, judged from the fixed timeline.
func fullReport() Report {
	tl := fixedTimeline()
	for i, ex := range tl.Exchanges {
		if ex.Actor == scenarios.Attacker {
			tl.Exchanges[i].TokenID = "tok-0123456789ab" // the decision's subject
		}
	}
	res := oracle.Judge(tl, []scenarios.Scenario{{
		ID: "enumeration-get-users-id", Kind: "rest.enumeration", Title: "Enumerate users by id",
		LeakUnit: "foreign records", SLA: scenarios.DefaultSLA(),
	}})
	r := New(Meta{Tool: "v0.1.0-test", Command: "run", Mode: "enforce", Target: "http://127.0.0.1:8080"}, res)
	r.Timeline = Timeline(tl, 0)
	r.Segment = "0/2"
	r.TimelineFile = "timeline.jsonl.gz"
	r.Sources = []string{"shadow", "guard-stream"}
	r.Scenarios[0].Operations = []OperationReport{{Operation: "GET /users/{id}", File: "shop.yaml", Line: 12, Column: 5}}
	r.Scenarios[0].Shadow = ShadowOf(res.Verdicts[0])
	return r
}

func TestSchemaValidatesReports(t *testing.T) {
	s := reportstest.CompileJSON(t, Schema())
	goldens, err := filepath.Glob(filepath.Join("testdata", "TestWriters", "*", "json.golden"))
	require.NoError(t, err)
	require.NotEmpty(t, goldens, "the json goldens of TestWriters")
	for _, path := range goldens {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, reportstest.ValidateJSON(s, data))
		})
	}
	t.Run("every field set", func(t *testing.T) {
		r := fullReport()
		require.True(t, r.Scenarios[0].Contained, "the fixed timeline is contained")
		require.NotNil(t, r.Scenarios[0].DetectedBy)
		var buf bytes.Buffer
		require.NoError(t, WriteJSON(&buf, r))
		require.NoError(t, reportstest.ValidateJSON(s, buf.Bytes()))
	})
}

// TestSchemaRejectsBrokenReports: the schema is strict enough to catch a
// report that is wrong in each way a writer could get it wrong.
func TestSchemaRejectsBrokenReports(t *testing.T) {
	s := reportstest.CompileJSON(t, Schema())
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, fullReport()))
	tests := []struct {
		name   string
		mutate func(r map[string]any)
		want   string
	}{
		{"wrong type", func(r map[string]any) { r["pass"] = "yes" }, "/pass"},
		{"missing required field", func(r map[string]any) { delete(scenario(r), "status") }, "status"},
		{"unknown field", func(r map[string]any) { r["verdict"] = "ok" }, "verdict"},
		{"unknown nested field", func(r map[string]any) { scenario(r)["sla"].(map[string]any)["max_rps"] = 5 }, "max_rps"},
		{"status not in the model", func(r map[string]any) { scenario(r)["status"] = "mostly contained" }, "/scenarios/0/status"},
		{"negative count", func(r map[string]any) { scenario(r)["leak_total"] = -1 }, "/scenarios/0/leak_total"},
		{"fractional count", func(r map[string]any) { r["benign"].(map[string]any)["sessions"] = 1.5 }, "/benign/sessions"},
		{"rate above 1", func(r map[string]any) { r["benign"].(map[string]any)["rate"] = 1.2 }, "/benign/rate"},
		{"bad time", func(r map[string]any) { r["started"] = "yesterday" }, "/started"},
		{"null where a time is due", func(r map[string]any) { r["ended"] = nil }, "/ended"},
		{"other schema version", func(r map[string]any) { r["schema_version"] = "abusegate.report/v2" }, "/schema_version"},
		{"action not in the model", func(r map[string]any) {
			r["timeline"].(map[string]any)["decisions"].([]any)[0].(map[string]any)["action"] = "Action(0)"
		}, "/timeline/decisions/0/action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &r))
			tt.mutate(r)
			data, err := json.Marshal(r)
			require.NoError(t, err)
			err = reportstest.ValidateJSON(s, data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func scenario(r map[string]any) map[string]any {
	return r["scenarios"].([]any)[0].(map[string]any)
}

// TestJUnitMatchesXSD validates the golden JUnit files and the full
// report's against the Jenkins JUnit XSD, and shows the check can fail.
func TestJUnitMatchesXSD(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "TestWriters", "*", "junit.golden"))
	require.NoError(t, err)
	require.NotEmpty(t, goldens)
	docs := map[string][]byte{}
	for _, path := range goldens {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		docs[path] = data
	}
	var buf bytes.Buffer
	require.NoError(t, WriteJUnit(&buf, fullReport()))
	docs["every field set"] = buf.Bytes()
	// XML 1.0 forbids most control characters even escaped; the writer must
	// not pass them on from a plan's titles or a detector's reasons.
	odd := fullReport()
	odd.Scenarios[0].Title = "tab\there, nul\x00, esc\x1b, <&>\""
	odd.Scenarios[0].ID = "id with ]]> and \x07"
	odd.Scenarios[0].Pass = false
	odd.Scenarios[0].Breaches = []BreachReport{{Bound: "mttd", Message: "reason \x0c from a detector"}}
	var oddBuf bytes.Buffer
	require.NoError(t, WriteJUnit(&oddBuf, odd))
	docs["control characters"] = oddBuf.Bytes()
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			assertJUnitLexical(t, doc)
			require.NoError(t, reportstest.ValidateJUnit(t, doc))
		})
	}
	t.Run("a broken document is refused", func(t *testing.T) {
		broken := strings.Replace(string(docs["every field set"]), `<testcase name="enumeration-get-users-id"`, `<testcase`, 1)
		require.NotEqual(t, string(docs["every field set"]), broken)
		err := reportstest.ValidateJUnit(t, []byte(broken))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "name")
	})
}

// assertJUnitLexical checks what the Jenkins XSD leaves as plain strings
// but the Ant JUnit schema and CI readers parse: timestamps are
// xs:dateTime without a zone, times xs:decimal, counts xs:int, and every
// testcase has a classname.
func assertJUnitLexical(t *testing.T, doc []byte) {
	t.Helper()
	attrs := regexp.MustCompile(`\s(\w+)="([^"]*)"`)
	tags := regexp.MustCompile(`<(testsuites|testsuite|testcase)\s[^>]*>`)
	decimal := regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	count := regexp.MustCompile(`^[0-9]+$`)
	for _, tag := range tags.FindAllSubmatch(doc, -1) {
		got := map[string]string{}
		for _, a := range attrs.FindAllSubmatch(tag[0], -1) {
			got[string(a[1])] = string(a[2])
		}
		for _, a := range []string{"tests", "failures", "errors", "skipped"} {
			if v, ok := got[a]; ok {
				assert.Regexp(t, count, v, "%s@%s", tag[1], a)
			}
		}
		assert.Regexp(t, decimal, got["time"], "%s@time", tag[1])
		switch string(tag[1]) {
		case "testsuite":
			if ts, ok := got["timestamp"]; ok {
				_, err := time.Parse("2006-01-02T15:04:05", ts)
				assert.NoError(t, err, "testsuite@timestamp is xs:dateTime without a zone")
			}
			for _, a := range []string{"name", "tests", "failures", "errors"} {
				assert.Contains(t, got, a)
			}
		case "testcase":
			assert.NotEmpty(t, got["name"])
			assert.NotEmpty(t, got["classname"])
		}
	}
}

// structOf is the report struct a field holds, through pointers, slices
// and maps; nil for time.Time and plain values.
func structOf(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
		return nil
	}
	return t
}

// assertType checks a property's JSON type against its Go type: pointers
// without omitempty are nullable, slices are arrays, maps objects.
func assertType(t *testing.T, typ reflect.Type, omitempty bool, prop map[string]any, path string) {
	t.Helper()
	types := typesOf(prop)
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
		if !omitempty {
			assert.Contains(t, types, "null", "%s is a pointer without omitempty: null when unset", path)
		}
	}
	var want string
	switch {
	case typ == reflect.TypeFor[time.Time]():
		want = "string"
		assert.Equal(t, "date-time", prop["format"], path)
	case typ.Kind() == reflect.String:
		want = "string"
	case typ.Kind() == reflect.Bool:
		want = "boolean"
	case typ.Kind() == reflect.Int:
		want = "integer"
	case typ.Kind() == reflect.Float64:
		want = "number"
	case typ.Kind() == reflect.Slice:
		want = "array"
	case typ.Kind() == reflect.Map, typ.Kind() == reflect.Struct:
		want = "object"
	default:
		t.Errorf("%s: Go type %s has no JSON type here", path, typ)
		return
	}
	if types == nil {
		// const and enum properties say their values instead of a type.
		_, isEnum := prop["enum"]
		_, isConst := prop["const"]
		assert.True(t, isEnum || isConst, "%s has no type", path)
		assert.Equal(t, "string", want, "%s: enums and consts are strings", path)
		return
	}
	assert.Contains(t, types, want, path)
}

// resolve follows a property's local $ref, keeping its own keywords.
func resolve(defs, prop map[string]any) map[string]any {
	ref, ok := prop["$ref"].(string)
	if !ok {
		return prop
	}
	def, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	out := map[string]any{}
	for k, v := range resolve(defs, def) {
		out[k] = v
	}
	for k, v := range prop {
		if k != "$ref" {
			out[k] = v
		}
	}
	return out
}

// typesOf is a schema's "type" as a list; nil when it has none.
func typesOf(s map[string]any) []any {
	switch v := s["type"].(type) {
	case string:
		return []any{v}
	case []any:
		return v
	}
	return nil
}

// refsOf lists the $refs a property reaches directly, in items or in
// additionalProperties.
func refsOf(prop map[string]any) []string {
	var out []string
	for _, s := range []any{prop, prop["items"], prop["additionalProperties"]} {
		if m, ok := s.(map[string]any); ok {
			if ref, ok := m["$ref"].(string); ok {
				out = append(out, ref)
			}
		}
	}
	return out
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
