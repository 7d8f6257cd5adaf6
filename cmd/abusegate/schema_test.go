package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/reports/reportstest"
)

func TestSchemaReportFlag(t *testing.T) {
	code, out, errOut := cli(t, "schema", "--report")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, string(reports.Schema()), out)
	reportstest.CompileJSON(t, []byte(out))

	code, _, errOut = cli(t, "schema", "--report", "--check", "abusegate.yaml")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "none of the others can be")
}

// The reports of real runs — against the demo shop behind a guard in real
// time, two simulated shards and their merge — validate against the
// published schemas: report.json against `schema --report`, junit.xml
// against the JUnit XSD. The cases run in order: the merge reads the
// shards' reports.
func TestRunReportsMatchSchemas(t *testing.T) {
	_, printed, _ := cli(t, "schema", "--report")
	schema := reportstest.CompileJSON(t, []byte(printed))
	front, admin := guardedShop(t)
	dir := t.TempDir()
	p := writeTestPlan(t, dir, planOptions{target: front.String(), detection: fmt.Sprintf("  - type: guard\n    url: %s/decisions/stream\n", admin)})
	runs := []struct {
		name string
		args []string
	}{
		{"run", []string{"run", "-c", p, "--progress", "off"}},
		{"shard0", []string{"simulate", "-c", p, "--segment", "0/2"}},
		{"shard1", []string{"simulate", "-c", p, "--segment", "1/2"}},
		{"merge", []string{"report", "merge", filepath.Join(dir, "shard0", "report.json"), filepath.Join(dir, "shard1", "report.json")}},
	}
	for _, tt := range runs {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, filepath.Base(t.Name()))
			code, _, errOut := cli(t, append(tt.args, "--report-dir", out, "--format", "json,junit")...)
			require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
			data, err := os.ReadFile(filepath.Join(out, "report.json"))
			require.NoError(t, err)
			require.NoError(t, reportstest.ValidateJSON(schema, data))
			var fields map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(data, &fields))
			assert.Contains(t, fields, "timeline", "the run's report has its timeline, so the schema's is checked too")
			xml, err := os.ReadFile(filepath.Join(out, "junit.xml"))
			require.NoError(t, err)
			require.NoError(t, reportstest.ValidateJUnit(t, xml))
		})
	}
}
