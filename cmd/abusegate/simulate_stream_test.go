package main

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// simulate streams its timeline into the oracle, the report's series and
// the timeline file; with --replay it holds the whole timeline (the replay
// pack needs it). Both must give the same report and the same timeline.
func TestSimulateStreamedEqualsHeld(t *testing.T) {
	dir := t.TempDir()
	p := writeTestPlan(t, dir, planOptions{target: "http://127.0.0.1:1", detection: "  - type: guard\n"})
	read := func(name string, args ...string) (report, timeline string) {
		out := filepath.Join(dir, name)
		code, _, errOut := cli(t, append([]string{"simulate", "-c", p, "--seed", "3", "--report-dir", out, "--format", "json"}, args...)...)
		require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
		b, err := os.ReadFile(filepath.Join(out, "report.json"))
		require.NoError(t, err)
		f, err := os.Open(filepath.Join(out, "timeline.jsonl.gz"))
		require.NoError(t, err)
		defer f.Close()
		zr, err := gzip.NewReader(f)
		require.NoError(t, err)
		tl, err := io.ReadAll(zr)
		require.NoError(t, err)
		return string(b), string(tl)
	}
	streamedReport, streamedTimeline := read("streamed")
	heldReport, heldTimeline := read("held", "--replay")
	require.Contains(t, streamedReport, `"requests"`)
	assert.Equal(t, heldReport, streamedReport)
	assert.Equal(t, heldTimeline, streamedTimeline)
	assert.Greater(t, len(streamedTimeline), 10_000, "the timeline holds the run's exchanges")
}
