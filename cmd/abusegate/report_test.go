package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeReport writes a minimal valid report.json with one contained
// scenario and returns its path.
func writeReport(t *testing.T, dir, name string, mttc float64, leak int) string {
	t.Helper()
	rep := map[string]any{
		"schema_version": "abusegate.report/v1", "command": "demo", "pass": true,
		"started": "2026-01-01T00:00:00Z", "ended": "2026-01-01T00:00:08Z",
		"scenarios": []map[string]any{{
			"id": "enumeration-get-users-id", "kind": "rest.enumeration", "status": "contained", "pass": true,
			"t0": "2026-01-01T00:00:02Z", "detected": true, "mttd_seconds": 0.1, "mttd": "0.1s",
			"contained": true, "contained_at": "2026-01-01T00:00:02.2Z", "mttc_seconds": mttc, "mttc": "x",
			"leak_before_containment": leak, "leak_unit": "foreign records",
		}},
		"benign": map[string]any{"sessions": 20},
	}
	data, err := json.Marshal(rep)
	require.NoError(t, err)
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

func TestReportDiff(t *testing.T) {
	tests := []struct {
		name string
		mttc float64
		leak int
		code int
		want string
	}{
		{"same", 0.2, 20, exitOK, "no change against the baseline"},
		{"slower containment", 3.0, 20, exitBreach, "REGRESSION enumeration-get-users-id: MTTC up from 0.2s to 3.0s"},
		{"more leaked", 0.2, 30, exitBreach, "leak before containment up from 20 to 30 foreign records"},
		{"faster", 0.2, 5, exitOK, "+ enumeration-get-users-id: leak before containment down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			base := writeReport(t, dir, "base.json", 0.2, 20)
			cur := writeReport(t, dir, "new.json", tt.mttc, tt.leak)
			code, out, errOut := cli(t, "report", "diff", base, cur)
			assert.Equal(t, tt.code, code, errOut)
			assert.Contains(t, out, tt.want)
		})
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"schema_version": 3`), 0o644))
	code, _, errOut := cli(t, "report", "diff", bad, bad)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "bad.json")

	code, _, errOut = cli(t, "report", "render", filepath.Join(dir, "missing.json"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "missing.json: no such file")

	code, _, errOut = cli(t, "report", "render", writeReport(t, dir, "r.json", 1, 1), "--format=pdf", "--report-dir="+dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `unknown format "pdf"`)
}

func TestReportRender(t *testing.T) {
	dir := t.TempDir()
	src := writeReport(t, dir, "r.json", 0.2, 20)
	out := filepath.Join(dir, "out")
	code, _, errOut := cli(t, "report", "render", src, "--report-dir="+out)
	require.Equal(t, exitOK, code, errOut)
	for _, f := range []string{"report.md", "report.html", "junit.xml"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
}
