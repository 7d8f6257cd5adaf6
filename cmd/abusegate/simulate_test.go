package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A day of low-and-slow scraping by 50 identities beside 500 shoppers
// simulates, reports, and its HTML timeline spans the whole day.
func TestSimulateADay(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 24 hours (~380,000 requests)")
	}
	dir := t.TempDir()
	code, out, errOut := cli(t, "simulate", "-c", filepath.Join("testdata", "run", "day.yaml"), "--report-dir", dir)
	require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var r struct {
		Simulated bool `json:"simulated"`
		Timeline  struct {
			Bins       int     `json:"bins"`
			BinSeconds float64 `json:"bin_seconds"`
		} `json:"timeline"`
		Benign struct {
			Sessions int `json:"sessions"`
			Hurt     int `json:"hurt"`
		} `json:"benign"`
		Scenarios []struct {
			Requests int `json:"requests"`
		} `json:"scenarios"`
	}
	require.NoError(t, json.Unmarshal(data, &r))
	assert.True(t, r.Simulated)
	assert.InDelta(t, 24*3600, float64(r.Timeline.Bins)*r.Timeline.BinSeconds, 60, "the timeline spans the day")
	assert.Equal(t, 500, r.Benign.Sessions)
	assert.Zero(t, r.Benign.Hurt, "500 people on their own devices are not a bot farm")
	// The sweep runs, and the monitor's sweep detector contains it within
	// minutes (it sent over 10,000 requests undetected before).
	assert.Greater(t, r.Scenarios[0].Requests, 50)
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "scraping-get-products")
	assert.Contains(t, out, "scraping-get-products")
}

// The plan generate writes for the demo shop simulates to completion: a
// scenario whose request budget ran out used to begin empty iterations
// at one simulated instant forever (credential cracking: 8 VUs, 20,000
// requests, 2 minutes).
func TestSimulateGeneratedDemoshopPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the whole generated suite (~50,000 requests)")
	}
	dir := t.TempDir()
	plan := filepath.Join(dir, "abusegate.yaml")
	leaked, err := filepath.Abs(filepath.Join("..", "..", "testdata", "credentials", "leaked.txt"))
	require.NoError(t, err)
	spec, err := filepath.Abs(filepath.Join("..", "..", "testdata", "specs", "demoshop.openapi.yaml"))
	require.NoError(t, err)
	code, _, errOut := cli(t, "generate", "--spec", spec,
		"--credentials", leaked, "-o", plan)
	require.Equal(t, exitOK, code, errOut)
	code, _, errOut = cli(t, "simulate", "-c", plan, "--report-dir", filepath.Join(dir, "report"), "--format", "json")
	require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
	assert.Contains(t, errOut, "of simulated time")
	data, err := os.ReadFile(filepath.Join(dir, "report", "report.json"))
	require.NoError(t, err)
	var r struct {
		Scenarios []struct {
			ID       string `json:"id"`
			Requests int    `json:"requests"`
		} `json:"scenarios"`
	}
	require.NoError(t, json.Unmarshal(data, &r))
	for _, s := range r.Scenarios {
		if s.ID == "cracking-post-login" {
			assert.LessOrEqual(t, s.Requests, 20_000, "the scenario's budget")
			assert.Greater(t, s.Requests, 1_000)
		}
	}
}
