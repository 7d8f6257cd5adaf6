package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/internal/demoshop"
	"github.com/abusegate/abusegate/runtime/guard"
	"github.com/abusegate/abusegate/runtime/monitor"
)

// planOptions fill the test plan's template.
type planOptions struct {
	target    string
	allow     string
	detection string
	sla       string
	// attackerPassword and shopperPassword, when set, are planted in
	// generated pools instead of the shop's accounts files.
	generated bool
	// tokenIn is the plan's auth.token_in, "" for the default.
	tokenIn string
}

// writeTestPlan writes a short plan (enumeration beside ten shoppers) and its
// identity files, made of the seed-1 demo shop's accounts, into dir.
func writeTestPlan(t *testing.T, dir string, o planOptions) string {
	t.Helper()
	accounts := demoshop.New(demoshop.Options{Seed: 1}).Accounts()
	var att, shop bytes.Buffer
	for _, a := range accounts[1:3] {
		fmt.Fprintf(&att, "%s:%s\n", a.Username, a.Password)
	}
	for _, a := range accounts[101:111] {
		fmt.Fprintf(&shop, "%s:%s\n", a.Username, a.Password)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "attackers.txt"), att.Bytes(), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "shoppers.txt"), shop.Bytes(), 0o600))
	spec, err := filepath.Abs(filepath.Join("testdata", "shop.openapi.yaml"))
	require.NoError(t, err)
	if o.sla == "" {
		o.sla = "  mttd: 5s\n  mttc: 10s\n  max_leak: 200\n  max_benign: 0\n"
	}
	if o.allow == "" {
		o.allow = "[]"
	}
	auth := ""
	if o.tokenIn != "" {
		auth = fmt.Sprintf("  token_in: %q\n", o.tokenIn)
	}
	pools := "  - name: attackers\n    file: attackers.txt\n  - name: shoppers\n    file: shoppers.txt\n"
	if o.generated {
		pools += "  - name: planted\n    generate: {count: 3, prefix: planted, password: \"pl4nted-Generated-pw\"}\n"
	}
	plan := fmt.Sprintf(`version: "1"
target:
  base_url: %s
  allow: %s
spec: %q
auth:
  login: "POST /login"
  username_field: "username"
  password_field: "password"
  token_field: "token"
  user_id_field: "user_id"
%sidentities:
%sbenign:
  identities: shoppers
  vus: 10
  duration: 4s
  think: {dist: uniform, min: 100ms, max: 300ms}
scenarios:
  - id: enumeration-get-users-id
    kind: rest.enumeration
    operations:
      - operation: "GET /users/{id}"
    executor: constant-vus
    vus: 2
    start: 500ms
    duration: 3s
    think: {dist: constant, mean: 20ms}
    identities: attackers
    budget: {requests: 5000}
    params: {param: id, from: "1", to: "500", replay: "true"}
detection:
%scontainment:
  max_success: 5%%
sla:
%s`, o.target, o.allow, spec, auth, pools, o.detection, o.sla)
	p := filepath.Join(dir, "abusegate.yaml")
	require.NoError(t, os.WriteFile(p, []byte(plan), 0o600))
	return p
}

// guardedShop serves the demo shop behind an enforcing guard and its admin
// API, in process on loopback.
func guardedShop(t *testing.T) (front, admin *url.URL) {
	t.Helper()
	shop := httptest.NewServer(demoshop.New(demoshop.Options{Seed: 1}))
	t.Cleanup(shop.Close)
	surface, _, err := openapi.LoadFile(filepath.Join("testdata", "shop.openapi.yaml"))
	require.NoError(t, err)
	su, _ := url.Parse(shop.URL)
	g, err := guard.New(su, monitor.New(surface, monitor.Config{}), guard.Options{Mode: guard.Enforce, Surface: surface})
	require.NoError(t, err)
	fs := httptest.NewServer(g)
	t.Cleanup(fs.Close)
	as := httptest.NewServer(g.Admin(""))
	t.Cleanup(as.Close)
	front, _ = url.Parse(fs.URL)
	admin, _ = url.Parse(as.URL)
	return front, admin
}

// runReport is the part of report.json the tests read.
type runReport struct {
	Pass      bool     `json:"pass"`
	Simulated bool     `json:"simulated"`
	Sources   []string `json:"sources"`
	Scenarios []struct {
		ID         string   `json:"id"`
		Detected   bool     `json:"detected"`
		Contained  bool     `json:"contained"`
		MTTD       *float64 `json:"mttd_seconds"`
		MTTC       *float64 `json:"mttc_seconds"`
		Requests   int      `json:"requests"`
		LeakTotal  int      `json:"leak_total"`
		LeakBefore int      `json:"leak_before_containment"`
		DetectedBy *struct {
			Detector string `json:"detector"`
			Subject  string `json:"subject"`
			Reason   string `json:"reason"`
		} `json:"detected_by"`
	} `json:"scenarios"`
	Benign struct {
		Sessions int `json:"sessions"`
		Hurt     int `json:"hurt"`
	} `json:"benign"`
}

func readRunReport(t *testing.T, dir string) runReport {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var r runReport
	require.NoError(t, json.Unmarshal(data, &r))
	return r
}

func TestRunUsageAndSafety(t *testing.T) {
	dir := t.TempDir()
	closed := httptest.NewServer(nil)
	closed.Close()
	tests := []struct {
		name string
		plan planOptions
		args []string
		code int
		want string
	}{
		{"target off the allow-list", planOptions{target: "http://127.0.0.1:1"}, []string{"--target", "http://127.0.0.2:9"}, exitUsage, "not on the plan's allow-list"},
		{"bad segment", planOptions{target: "http://127.0.0.1:1"}, []string{"--segment", "2/2"}, exitUsage, "segment"},
		{"webhook off loopback", planOptions{target: "http://127.0.0.1:1"}, []string{"--webhook-listen", "0.0.0.0:9999"}, exitUsage, "not a loopback address"},
		{"unreachable target", planOptions{target: closed.URL}, nil, exitIncomplete, "unreachable"},
		{"dry run sends nothing", planOptions{target: closed.URL}, []string{"--dry-run"}, exitOK, "enumeration-get-users-id (attacker): constant-vus, 2 VUs, from +500ms to +3.5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTestPlan(t, dir, tt.plan)
			code, out, errOut := cli(t, append([]string{"run", "-c", p, "--report-dir", filepath.Join(dir, "r")}, tt.args...)...)
			assert.Equal(t, tt.code, code, errOut)
			assert.Contains(t, out+errOut, tt.want)
		})
	}
}

// The real-time run against a guard (its decision stream as the source)
// and the simulated run of the same plan agree on who was detected and
// contained.
func TestRealAndSimulatedAgree(t *testing.T) {
	front, admin := guardedShop(t)
	dir := t.TempDir()
	p := writeTestPlan(t, dir, planOptions{target: front.String(), detection: fmt.Sprintf("  - type: guard\n    url: %s/decisions/stream\n", admin)})
	real, sim := filepath.Join(dir, "real"), filepath.Join(dir, "sim")
	code, _, errOut := cli(t, "run", "-c", p, "--report-dir", real, "--progress", "off")
	require.Equal(t, exitOK, code, errOut)
	code, _, errOut = cli(t, "simulate", "-c", p, "--report-dir", sim)
	require.Equal(t, exitOK, code, errOut)
	r, s := readRunReport(t, real), readRunReport(t, sim)
	assert.True(t, s.Simulated)
	assert.Contains(t, r.Sources, "guard-stream")
	require.Len(t, s.Scenarios, len(r.Scenarios))
	for i := range r.Scenarios {
		assert.Equal(t, r.Scenarios[i].Detected, s.Scenarios[i].Detected, r.Scenarios[i].ID)
		assert.Equal(t, r.Scenarios[i].Contained, s.Scenarios[i].Contained, r.Scenarios[i].ID)
		assert.True(t, r.Scenarios[i].Contained)
		assert.Equal(t, "enumeration", r.Scenarios[i].DetectedBy.Detector)
	}
	assert.Equal(t, r.Benign.Hurt, s.Benign.Hurt)
}

func TestSimulateIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	p := writeTestPlan(t, dir, planOptions{target: "http://127.0.0.1:1", detection: "  - type: guard\n"})
	var got [][]byte
	for _, name := range []string{"a", "b"} {
		out := filepath.Join(dir, name)
		code, _, errOut := cli(t, "simulate", "-c", p, "--seed", "1", "--report-dir", out)
		require.Equal(t, exitOK, code, errOut)
		b, err := os.ReadFile(filepath.Join(out, "report.json"))
		require.NoError(t, err)
		got = append(got, b)
	}
	assert.Equal(t, string(got[0]), string(got[1]), "the same plan and seed must give byte-identical reports")
}

// Two shards of a run merge into the whole run's totals.
func TestMergeShardsEqualsWhole(t *testing.T) {
	dir := t.TempDir()
	p := writeTestPlan(t, dir, planOptions{target: "http://127.0.0.1:1", detection: "  - type: guard\n", sla: "  mttd: 1h\n  mttc: 1h\n  max_leak: 100000\n"})
	sim := func(name string, args ...string) string {
		out := filepath.Join(dir, name)
		// Observing only, the VUs of one shard do not change what those of
		// the other meet, so the totals must add up exactly.
		code, _, errOut := cli(t, append([]string{"simulate", "-c", p, "--guard", "observe", "--report-dir", out}, args...)...)
		require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
		return out
	}
	whole := sim("whole")
	s0, s1 := sim("s0", "--segment", "0/2"), sim("s1", "--segment", "1/2")
	merged := filepath.Join(dir, "merged")
	code, _, errOut := cli(t, "report", "merge", filepath.Join(s0, "report.json"), filepath.Join(s1, "report.json"), "--report-dir", merged)
	require.Contains(t, []int{exitOK, exitBreach}, code, errOut)
	w, m := readRunReport(t, whole), readRunReport(t, merged)
	a, b := readRunReport(t, s0), readRunReport(t, s1)
	require.Len(t, m.Scenarios, len(w.Scenarios))
	assert.Less(t, a.Scenarios[0].Requests, w.Scenarios[0].Requests, "a shard runs part of the plan")
	for i := range w.Scenarios {
		assert.Equal(t, w.Scenarios[i].Requests, m.Scenarios[i].Requests)
		assert.Equal(t, w.Scenarios[i].LeakTotal, m.Scenarios[i].LeakTotal)
		assert.Equal(t, a.Scenarios[i].Requests+b.Scenarios[i].Requests, m.Scenarios[i].Requests)
		assert.Equal(t, w.Scenarios[i].Detected, m.Scenarios[i].Detected)
	}
	assert.Equal(t, w.Benign.Sessions, m.Benign.Sessions)
	assert.Equal(t, a.Benign.Sessions+b.Benign.Sessions, m.Benign.Sessions)
}

// Every secret of a plan — pool passwords from files and generated pools,
// the webhook secret, the admin token, the tokens the target issued — is
// planted, and no output file or stream of run or simulate holds one.
func TestSecretsNeverLeave(t *testing.T) {
	front, admin := guardedShop(t)
	t.Setenv("ABUSEGATE_WEBHOOK_SECRET", "planted-webhook-secret-9f2")
	t.Setenv("ABUSEGATE_ADMIN_TOKEN", "planted-admin-token-77a")
	dir := t.TempDir()
	p := writeTestPlan(t, dir, planOptions{target: front.String(), generated: true,
		detection: fmt.Sprintf("  - type: guard\n    url: %s/decisions/stream\n  - type: webhook\n    url: http://127.0.0.1:0/alerts\n  - type: response\n    header: X-Abusegate-Decision\n", admin)})
	secrets := []string{"planted-webhook-secret-9f2", "planted-admin-token-77a", "pl4nted-Generated-pw"}
	for _, f := range []string{"attackers.txt", "shoppers.txt"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			_, pw, _ := strings.Cut(line, ":")
			secrets = append(secrets, pw)
		}
	}
	var outputs []string
	for _, args := range [][]string{
		{"run", "-c", p, "--report-dir", filepath.Join(dir, "run"), "--replay", "--progress", "lines"},
		{"simulate", "-c", p, "--report-dir", filepath.Join(dir, "sim"), "--replay"},
	} {
		// The admin API wants no token here; the run still holds it.
		_, out, errOut := cli(t, args...)
		outputs = append(outputs, out, errOut)
	}
	files := readOutputs(t, filepath.Join(dir, "*", "*"))
	require.GreaterOrEqual(t, len(files), 14, "run and simulate write every format, the timeline and a replay pack")
	for f, data := range files {
		outputs = append(outputs, data)
		if strings.HasSuffix(f, "replay.har") {
			assert.True(t, strings.Contains(data, `\"password\":\"[REDACTED]\"`), "login bodies are in the pack, redacted")
			assert.False(t, regexp.MustCompile(`Bearer [^\[]`).MatchString(data), "no bearer token in the pack")
		}
	}
	for _, s := range secrets {
		for i, o := range outputs {
			assert.False(t, strings.Contains(o, s), "secret %q found in output %d", s, i)
		}
	}
}
