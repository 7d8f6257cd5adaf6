package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// graphQLSchema is the demo shop's SDL, the only spec of the plan: its
// shoppers have no REST operation to use.
var graphQLSchema = filepath.Join("..", "..", "testdata", "specs", "demoshop.graphql")

// gqlReport is what these tests read of a report.
type gqlReport struct {
	Simulated bool   `json:"simulated"`
	Target    string `json:"target"`
	Benign    struct {
		Sessions     int      `json:"sessions"`
		Hurt         int      `json:"hurt"`
		HurtSessions []string `json:"hurt_sessions"`
	} `json:"benign"`
	Scenarios []struct {
		ID        string `json:"id"`
		Kind      string `json:"kind"`
		Status    string `json:"status"`
		Requests  int    `json:"requests"`
		Detected  bool   `json:"detected"`
		Contained bool   `json:"contained"`
		Leak      int    `json:"leak_total"`
	} `json:"scenarios"`
}

func readGQLReport(t *testing.T, data []byte) gqlReport {
	t.Helper()
	var r gqlReport
	require.NoError(t, json.Unmarshal(data, &r))
	require.True(t, r.Simulated)
	require.Equal(t, "http://demoshop.simulated", r.Target)
	return r
}

// The plan generated from the demo shop's GraphQL schema alone simulates:
// benign shoppers take the GraphQL journey beside the attacks, the
// attacks are judged, and no shopper is hurt.
func TestSimulateGraphQLPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the generated GraphQL suite (~10,000 requests)")
	}
	r := readGQLReport(t, simulateSpec(t, graphQLSchema))
	assert.Equal(t, 20, r.Benign.Sessions, "the plan's 20 shoppers each log in through the login mutation once")
	assert.Zero(t, r.Benign.Hurt, "benign GraphQL shoppers hurt: %v", r.Benign.HurtSessions)

	judged := map[string]bool{}
	for _, s := range r.Scenarios {
		assert.Regexp(t, `^graphql\.`, s.Kind, s.ID)
		if s.Requests > 0 && s.Status != "no attack" {
			judged[s.Kind] = true
			assert.True(t, s.Detected && s.Contained, "%s: %s", s.ID, s.Status)
		}
	}
	// The coupon stack and the confirmCheckout bypass act as the
	// attacker the enumeration got blocked a moment before: the next test
	// runs them on their own.
	for _, kind := range []string{"graphql.account-creation", "graphql.alias-bruteforce", "graphql.enumeration", "graphql.flow-bypass", "graphql.resource-consumption"} {
		assert.True(t, judged[kind], "%s judged: %v", kind, judged)
	}
}

// The scenarios the full suite leaves unmeasured run on their own: they
// leak unguarded, the guard contains them, and the shoppers beside them
// are hurt by neither.
func TestSimulateGraphQLCouponAndTwoStepCheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates two GraphQL scenarios twice")
	}
	dir := t.TempDir()
	plan := filepath.Join(dir, "abusegate.yaml")
	spec, err := filepath.Abs(graphQLSchema)
	require.NoError(t, err)
	leaked, err := filepath.Abs(filepath.Join("..", "..", "testdata", "credentials", "leaked.txt"))
	require.NoError(t, err)
	code, _, errOut := cli(t, "generate", "--spec", spec, "--credentials", leaked, "-o", plan)
	require.Equal(t, exitOK, code, errOut)
	keep := []string{"graphql-coupon-stack-mutation-applycoupon", "graphql-flow-bypass-mutation-confirmcheckout"}
	keepScenarios(t, plan, keep)

	for _, guard := range []string{"off", "enforce"} {
		t.Run(guard, func(t *testing.T) {
			out := filepath.Join(dir, guard)
			code, _, errOut := cli(t, "simulate", "-c", plan, "--guard", guard, "--report-dir", out, "--format", "json")
			require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
			data, err := os.ReadFile(filepath.Join(out, "report.json"))
			require.NoError(t, err)
			r := readGQLReport(t, data)
			assert.Equal(t, 20, r.Benign.Sessions)
			assert.Zero(t, r.Benign.Hurt, "benign GraphQL shoppers hurt: %v", r.Benign.HurtSessions)
			require.Len(t, r.Scenarios, len(keep))
			for _, s := range r.Scenarios {
				require.Positive(t, s.Requests, s.ID)
				if guard == "off" {
					assert.Positive(t, s.Leak, "%s leaks unguarded", s.ID)
					continue
				}
				assert.True(t, s.Detected && s.Contained, "%s: %s", s.ID, s.Status)
				assert.Zero(t, s.Leak, s.ID)
			}
		})
	}
}

// keepScenarios rewrites the plan at path with only the scenarios ids.
func keepScenarios(t *testing.T, path string, ids []string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var p map[string]any
	require.NoError(t, yaml.Unmarshal(data, &p))
	all, _ := p["scenarios"].([]any)
	var kept []any
	for _, s := range all {
		m, _ := s.(map[string]any)
		if id, _ := m["id"].(string); slices.Contains(ids, id) {
			kept = append(kept, s)
		}
	}
	require.Len(t, kept, len(ids))
	p["scenarios"] = kept
	data, err = yaml.Marshal(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o600))
}

// The same GraphQL plan and seed give byte-identical reports.
func TestSimulateGraphQLPlanIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates the generated GraphQL suite twice")
	}
	a := simulateSpec(t, graphQLSchema, "--seed", "3")
	b := simulateSpec(t, graphQLSchema, "--seed", "3")
	require.Equal(t, string(a), string(b))
}
