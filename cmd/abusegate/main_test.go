package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cli runs the whole CLI in process through the run seam.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, stdio{in: bytes.NewReader(nil), out: &out, err: &errOut})
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := cli(t, "version")
	assert.Equal(t, exitOK, code)
	assert.Regexp(t, `^abusegate \S+\n$`, out)
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"demo", "--bogus"}, "unknown flag: --bogus"},
		{"bad guard mode", []string{"demo", "--guard=maybe"}, `"maybe"`},
		{"attack after the end", []string{"demo", "--duration=2s", "--attack-at=3s"}, "--attack-at 3s must be before the end of --duration 2s"},
		{"stray argument", []string{"demo", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut, tt.want)
		})
	}
}

// demoReport is the part of report.json the demo tests read.
type demoReport struct {
	Pass      bool `json:"pass"`
	Scenarios []struct {
		Status     string `json:"status"`
		Detected   bool   `json:"detected"`
		Contained  bool   `json:"contained"`
		LeakBefore int    `json:"leak_before_containment"`
		LeakTotal  int    `json:"leak_total"`
	} `json:"scenarios"`
	Benign struct {
		Sessions int `json:"sessions"`
		Hurt     int `json:"hurt"`
	} `json:"benign"`
}

func runDemoCLI(t *testing.T, mode string) (int, string, demoReport) {
	t.Helper()
	dir := t.TempDir()
	code, out, errOut := cli(t, "demo", "--guard="+mode, "--duration=5s", "--attack-at=1s", "--report-dir="+dir)
	t.Logf("stdout:\n%s\nstderr:\n%s", out, errOut)
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var rep demoReport
	require.NoError(t, json.Unmarshal(data, &rep))
	require.Len(t, rep.Scenarios, 1)
	require.FileExists(t, filepath.Join(dir, "report.md"))
	return code, out, rep
}

// The three guard modes end to end: the attacker really reads foreign
// records, the enforcing guard stops it early without hurting shoppers, and
// the gate fails whenever containment is missing.
func TestDemoModes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo three times (15s)")
	}
	t.Run("enforce", func(t *testing.T) {
		code, out, rep := runDemoCLI(t, "enforce")
		assert.Equal(t, exitOK, code)
		assert.True(t, rep.Pass)
		sc := rep.Scenarios[0]
		assert.Equal(t, "contained", sc.Status)
		assert.Positive(t, sc.LeakBefore, "the attacker must read some records before detection")
		assert.Less(t, sc.LeakTotal, 100, "containment must stop the walk early")
		assert.Positive(t, rep.Benign.Sessions)
		assert.Zero(t, rep.Benign.Hurt)
		assert.Contains(t, out, "PASS")
	})
	t.Run("observe", func(t *testing.T) {
		code, out, rep := runDemoCLI(t, "observe")
		assert.Equal(t, exitBreach, code)
		assert.False(t, rep.Pass)
		sc := rep.Scenarios[0]
		assert.Equal(t, "detected, not contained", sc.Status)
		assert.True(t, sc.Detected)
		assert.False(t, sc.Contained)
		assert.Contains(t, out, "detected, not contained")
	})
	t.Run("off", func(t *testing.T) {
		code, out, rep := runDemoCLI(t, "off")
		assert.Equal(t, exitBreach, code)
		sc := rep.Scenarios[0]
		assert.Equal(t, "not detected", sc.Status)
		assert.GreaterOrEqual(t, sc.LeakTotal, 300, "unguarded, the walk reads hundreds of foreign records")
		assert.Contains(t, out, "not detected")
	})
}

func TestDemoInterruptedExitsIncomplete(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"demo", "--duration=2s", "--attack-at=1s", "--report-dir=" + dir}, stdio{in: bytes.NewReader(nil), out: &out, err: &errOut})
	assert.Equal(t, exitIncomplete, code, errOut.String())
	assert.FileExists(t, filepath.Join(dir, "report.json"), "a partial report is still written")
}
