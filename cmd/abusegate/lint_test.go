package main

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

func TestLintExitCodes(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.yaml")
	require.NoError(t, os.WriteFile(clean, []byte(`openapi: 3.0.3
info: {title: clean, version: '1'}
servers: [{url: 'https://api.example.com'}]
paths:
  /health:
    get:
      responses:
        '200': {description: ok}
`), 0o600))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"findings at default fail-on high", []string{"lint", demoSpec}, exitBreach, "high predictable-object-id [API1:2023]"},
		{"fail-on none", []string{"lint", "--fail-on", "none", demoSpec}, exitOK, "8 findings: 2 high, 6 medium, 0 low"},
		{"clean spec", []string{"lint", "--fail-on", "low", clean}, exitOK, "0 findings"},
		{"bad fail-on", []string{"lint", "--fail-on", "critical", demoSpec}, exitUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, tt.args...)
			assert.Equal(t, tt.code, code, errOut)
			assert.Contains(t, out, tt.want)
		})
	}
}

func TestLintTextPointsAtSpecLines(t *testing.T) {
	_, out, _ := cli(t, "lint", "--fail-on", "none", demoSpec)
	assert.Contains(t, out, demoSpec+":26:5: high auth-no-rate-limit [API2:2023] POST /login")
	assert.Contains(t, out, demoSpec+":72:11: high predictable-object-id [API1:2023] GET /users/{id}")
}

func TestLintJSON(t *testing.T) {
	code, out, _ := cli(t, "lint", "--format", "json", demoSpec)
	assert.Equal(t, exitBreach, code)
	var doc struct {
		Source   string `json:"source"`
		Findings []struct {
			Rule, Severity, OWASP string
			Loc                   struct{ Line, Column int }
		} `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Findings, 8)
	for _, f := range doc.Findings {
		assert.Positive(t, f.Loc.Line, f.Rule)
		assert.Positive(t, f.Loc.Column, f.Rule)
		assert.Contains(t, []string{"low", "medium", "high"}, f.Severity)
	}
}

func TestLintSARIFValidates(t *testing.T) {
	code, out, _ := cli(t, "lint", "--format", "sarif", demoSpec)
	assert.Equal(t, exitBreach, code)

	f, err := os.Open(filepath.Join("..", "..", "reports", "sarif", "testdata", "sarif-2.1.0-rtm.5.json"))
	require.NoError(t, err)
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("sarif.json", schemaDoc))
	schema, err := c.Compile("sarif.json")
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(out)))
	require.NoError(t, err)
	require.NoError(t, schema.Validate(doc))

	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct{ Rules []struct{ ID string } }
			}
			Results []struct {
				RuleID    string
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &log))
	require.Len(t, log.Runs, 1)
	assert.GreaterOrEqual(t, len(log.Runs[0].Tool.Driver.Rules), 10)
	require.Len(t, log.Runs[0].Results, 8)
	r := log.Runs[0].Results[0]
	assert.Equal(t, "auth-no-rate-limit", r.RuleID)
	assert.Equal(t, "error", r.Level)
	assert.Equal(t, "testdata/shop.openapi.yaml", r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	assert.Equal(t, 26, r.Locations[0].PhysicalLocation.Region.StartLine)
}

func TestLintGraphQLSchema(t *testing.T) {
	spec := filepath.Join("..", "..", "testdata", "specs", "demoshop.graphql")
	if _, err := os.Stat(spec); err != nil {
		t.Skipf("demoshop SDL not present yet: %v", err)
	}
	code, out, errOut := cli(t, "lint", spec)
	assert.Equal(t, exitBreach, code, errOut)
	assert.Regexp(t, `demoshop.graphql:\d+:\d+: high graphql-login-mutation \[API2:2023\] MUTATION login`, out)
}
