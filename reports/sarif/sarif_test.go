package sarif

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schema compiles the official SARIF 2.1.0 schema kept in testdata.
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-2.1.0-rtm.5.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("sarif.json", doc))
	s, err := c.Compile("sarif.json")
	require.NoError(t, err)
	return s
}

// validate checks a SARIF document against the official schema.
func validate(t *testing.T, s *jsonschema.Schema, data []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	require.NoError(t, err)
	return s.Validate(v)
}

func sample() *Log {
	idx := 0
	return NewLog(Run{
		Tool: Tool{Driver: Driver{Name: "abusegate", Version: "test", InformationURI: "https://example.com/abusegate",
			Rules: []Rule{{
				ID: "predictable-object-id", Name: "PredictableObjectId",
				ShortDescription: Text("Object ids are predictable"), Help: Text("Use random ids."),
				DefaultConfiguration: &Configuration{Level: Error},
				Properties:           map[string]any{"tags": []string{"security", "API1:2023"}, "security-severity": "8.0"},
			}}}},
		Results: []Result{{
			RuleID: "predictable-object-id", RuleIndex: &idx, Level: Error,
			Message:             Message{Text: "GET /users/{id} addresses objects by integer id"},
			Locations:           []Location{At("specs/shop.yaml", 12, 9), At(`/abs/spec.yaml`, 0, 0)},
			PartialFingerprints: map[string]string{"abusegate/v1": "abc"},
		}, {
			RuleID: "plaintext-server", Level: Note, Message: Message{Text: "no region"},
			Locations: []Location{{LogicalLocations: []LogicalLocation{{Name: "GET /x", Kind: "function"}}}},
		}},
	})
}

func TestWriteValidatesAgainstSchema(t *testing.T) {
	s := schema(t)
	tests := []struct {
		name string
		log  *Log
	}{
		{"full", sample()},
		{"empty run", NewLog(Run{Tool: Tool{Driver: Driver{Name: "abusegate"}}, Results: []Result{}})},
		{"no runs", NewLog()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, tt.log.Write(&buf))
			require.NoError(t, validate(t, s, buf.Bytes()), buf.String())
		})
	}
}

// TestSchemaRejectsBrokenLogs shows the validation above can fail.
func TestSchemaRejectsBrokenLogs(t *testing.T) {
	s := schema(t)
	tests := []struct{ name, doc string }{
		{"no version", `{"runs": []}`},
		{"bad level", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r", "level": "fatal", "message": {"text": "m"}}]}]}`},
		{"line zero", `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Error(t, validate(t, s, []byte(tt.doc)))
		})
	}
}

func TestURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"specs/a.yaml", "specs/a.yaml"},
		{"./a.yaml", "a.yaml"},
		{"/tmp/a.yaml", "file:///tmp/a.yaml"},
		{"https://example.com/a.yaml", "https://example.com/a.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) { assert.Equal(t, tt.want, URI(tt.in)) })
	}
}

func TestLevelText(t *testing.T) {
	for l := None; l <= Error; l++ {
		b, err := l.MarshalText()
		require.NoError(t, err)
		var back Level
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, l, back)
	}
	_, err := Level(9).MarshalText()
	assert.Error(t, err)
	var data map[string]any
	var buf bytes.Buffer
	require.NoError(t, sample().Write(&buf))
	require.NoError(t, json.Unmarshal(buf.Bytes(), &data))
	assert.Equal(t, "2.1.0", data["version"])
}
