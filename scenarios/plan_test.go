package scenarios_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

var checks = scenarios.PlanChecks{
	Kinds:      []string{"rest.credential-stuffing", "rest.enumeration"},
	Operations: []string{"GET /products", "GET /users/{id}", "POST /login"},
}

func load(t *testing.T, name string) *scenarios.PlanFile {
	t.Helper()
	path := filepath.Join("testdata", "plans", name)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	f, err := scenarios.LoadPlan(path, data)
	require.NoError(t, err)
	return f
}

func TestCompileGoodPlan(t *testing.T) {
	p, err := load(t, "good.yaml").Compile(checks)
	require.NoError(t, err)
	assert.Equal(t, []string{"127.0.0.1:8080", "localhost"}, p.Target.Allow)
	assert.Equal(t, scenarios.Auth{Path: "/login", UsernameField: "username", PasswordField: "password", TokenField: "token", UserIDField: "user_id", TokenIn: "bearer"}, p.Auth)
	assert.Equal(t, "bearer", p.TokenIn)
	require.Len(t, p.Scenarios, 2)
	e := p.Scenarios[0]
	assert.Equal(t, scenarios.ConstantVUs, e.Schedule.Executor)
	assert.Equal(t, time.Minute, e.Schedule.Duration)
	assert.Equal(t, 20*time.Millisecond, e.Think.Mean)
	assert.Equal(t, 5*time.Second, e.SLA.MTTC, "the scenario's own SLA")
	assert.Equal(t, 5*time.Second, e.SLA.MTTD, "inherited from the global SLA")
	assert.Equal(t, 50, e.SLA.MaxLeak)
	assert.True(t, e.Success.Match(200))
	assert.False(t, e.Success.Match(201))
	assert.Equal(t, 2*time.Minute, e.Budget.Duration)
	s := p.Scenarios[1]
	assert.Equal(t, scenarios.RampingVUs, s.Schedule.Executor)
	assert.Equal(t, []scenarios.Stage{{Duration: 30 * time.Second, Target: 8}, {Duration: time.Minute, Target: 8}}, s.Schedule.Stages)
	assert.True(t, s.Success.Match(204), "default success: 2xx")
	assert.InDelta(t, 0.05, p.Containment.MaxSuccess, 1e-9)
	assert.True(t, p.Containment.Status.Match(429))
	assert.Equal(t, 8*time.Second, p.Benign.Duration)
}

// Every problem is reported at once, with its line and column and field
// path.
func TestValidateReportsEveryProblem(t *testing.T) {
	err := load(t, "bad.yaml").Validate(checks)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`bad.yaml:14:5: scenarios[0].kind: unknown misuse kind "rest.enumeraton"`,
		`bad.yaml:16:9: scenarios[0].operations[0].operation: operation "GET /user/{id}" is not in the spec`,
		`bad.yaml:18:5: scenarios[0].vus: -3: the number of VUs cannot be negative`,
		`bad.yaml:21:5: scenarios[1].id: duplicate scenario id "walk"`,
		`bad.yaml:27:5: scenarios[1].duration: "soon" is not a non-negative duration`,
		`bad.yaml:28:5: scenarios[1].identities: no identity pool "robots"`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.Len(t, strings.Split(msg, "\n"), 6, msg)
}

func TestLoadRejectsUnknownKeys(t *testing.T) {
	in := "version: \"1\"\ntarget:\n  base_url: http://127.0.0.1\n  alow: [x]\nscenarios:\n  - id: a\n    vuz: 3\n"
	_, err := scenarios.LoadPlan("typo.yaml", []byte(in))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `typo.yaml:4:3: target.alow: unknown key "alow" (allowed here: allow, base_url)`)
	assert.Contains(t, err.Error(), `typo.yaml:7:5: scenarios[0].vuz: unknown key "vuz"`)
}

func TestCompileRejects(t *testing.T) {
	base := func() string {
		data, err := os.ReadFile(filepath.Join("testdata", "plans", "good.yaml"))
		require.NoError(t, err)
		return string(data)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"bad version", `version: "1"`, `version: "2"`, `version: "2": this abusegate reads plan version "1"`},
		{"relative base url", "base_url: http://127.0.0.1:8080", "base_url: /api", "not an absolute http(s) URL"},
		{"bad executor", "executor: constant-vus", "executor: lots", `"lots": want one of constant-vus`},
		{"bad think", "dist: uniform", "dist: gaussian", `"gaussian": want constant, uniform`},
		{"bad containment rate", "max_success: 5%", "max_success: 150%", "want a rate"},
		{"bad status", `status: ["200"]`, `status: ["2x"]`, `"2x": want a status`},
		{"negative leak", "max_leak: 50", "max_leak: -1", "max_leak: -1: want 0 or more"},
		{"bad detection", "type: guard", "type: siem", `"siem": want guard, webhook or response`},
		{"bad token location", "user_id_field: user_id", "user_id_field: user_id\n  token_in: body", `"body": want bearer`},
		{"bad token header name", "user_id_field: user_id", "user_id_field: user_id\n  token_in: \"header:X Token\"", `"header:X Token": want bearer`},
		{"pool without source", "file: attackers.txt", "", "give exactly one of file"},
		{"unknown credential", "file: attackers.txt", "file: attackers.txt\n    credential: oauth", `p.yaml:15:5: identities[0].credential: "oauth": want api-key, bearer or basic`},
		{"credential without file", "file: attackers.txt", "credential: bearer\n    generate: {count: 2, prefix: a}", `p.yaml:14:5: identities[0].credential: a bearer pool needs file:`},
		{"api key without token_in", "file: attackers.txt", "file: attackers.txt\n    credential: api-key", `p.yaml:15:5: identities[0].credential: api-key: set auth.token_in to the header or cookie that carries the key, such as header:X-API-Key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(base(), tt.old, tt.new, 1)
			require.NotEqual(t, base(), in)
			f, err := scenarios.LoadPlan("p.yaml", []byte(in))
			require.NoError(t, err)
			err = f.Validate(checks)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func FuzzLoadPlan(f *testing.F) {
	for _, name := range []string{"good.yaml", "bad.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", "plans", name))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("scenarios: [{id: a, stages: [{duration: x}]}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := scenarios.LoadPlan("fuzz.yaml", data)
		if err != nil {
			return
		}
		_, _ = p.Compile(checks)
	})
}

// A plan without a login runs on static credentials: token_in alone says
// where an api-key pool's keys travel.
func TestCompileStaticCredentials(t *testing.T) {
	in := `version: "1"
target: {base_url: "http://127.0.0.1:8080"}
auth: {token_in: "header:X-API-Key"}
identities:
  - {name: keys, file: keys.txt, credential: api-key}
  - {name: tokens, file: tokens.txt, credential: bearer}
  - {name: basic, file: users.txt, credential: basic}
scenarios:
  - id: walk
    kind: rest.enumeration
    operations: [{operation: "GET /users/{id}"}]
    identities: keys
    executor: constant-vus
    vus: 2
    duration: 10s
`
	f, err := scenarios.LoadPlan("p.yaml", []byte(in))
	require.NoError(t, err)
	p, err := f.Compile(checks)
	require.NoError(t, err)
	assert.Equal(t, scenarios.Auth{TokenIn: "header:X-API-Key"}, p.Auth)
	assert.Equal(t, "api-key", p.Pools["keys"].Credential)
	assert.Equal(t, "basic", p.Pools["basic"].Credential)

	f, err = scenarios.LoadPlan("p.yaml", []byte(strings.Replace(in, "header:X-API-Key", "query:key", 1)))
	require.NoError(t, err)
	_, err = f.Compile(checks)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `p.yaml:3:8: auth.token_in: "query:key": want bearer, header:NAME or cookie:NAME`)
	assert.Contains(t, err.Error(), `identities[0].credential: api-key: set auth.token_in`)
}

// The schema offers the credential kinds the compiler accepts.
func TestSchemaCredentialEnum(t *testing.T) {
	s := scenarios.PlanSchema()
	pool := s["properties"].(map[string]any)["identities"].(map[string]any)["items"].(map[string]any)
	cred := pool["properties"].(map[string]any)["credential"].(map[string]any)
	assert.Equal(t, []string{"api-key", "bearer", "basic"}, cred["enum"])
	assert.Equal(t, false, pool["additionalProperties"])
}
