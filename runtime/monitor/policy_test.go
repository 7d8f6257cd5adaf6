package monitor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func TestDefaultPolicyCompiles(t *testing.T) {
	p := DefaultPolicy()
	require.NotEmpty(t, p.Rules)
	assert.Equal(t, 10*time.Second, p.Enumeration.Window)
	assert.Equal(t, "alert-everything-else", p.Rules[len(p.Rules)-1].Name)
	for _, name := range detectorNames() {
		assert.Positive(t, p.Risk.Points[name], name)
	}
}

func TestPolicyReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{
			name: "unknown keys at every level",
			yaml: "version: 1\ndetector: {}\ndetectors:\n  rate: {windw: 1m}\nrules:\n  - {name: a, action: alert, ttl: 1m, colour: red}\n",
			want: []string{
				`p.yaml:2:1: unknown key "detector" in the policy`,
				`p.yaml:4:10: unknown key "windw" in detectors.rate`,
				`p.yaml:6:39: unknown key "colour" in rules[0]`,
			},
		},
		{
			name: "bad values, all at once",
			yaml: "version: 2\ndetectors:\n  stuffing: {window: soon, failure_ratio: 3}\nrules:\n  - name: x\n    action: smite\n    ttl: 5\n  - {name: x, action: throttle, ttl: 1m}\n",
			want: []string{
				"p.yaml:1:10: version: want 1, got 2",
				`p.yaml:3:22: detectors.stuffing.window: "soon" is not a positive duration`,
				"p.yaml:3:43: detectors.stuffing.failure_ratio: must be a ratio between 0 and 1, got 3",
				`p.yaml:6:13: rules[0].action: "smite": want alert`,
				`p.yaml:7:10: rules[0].ttl: "5" is not a positive duration`,
				`rules[1].name: duplicate rule name "x"`,
				"rules[1].action: a throttle needs `throttle: {rate: 2/s, burst: 10}`",
			},
		},
		{
			name: "no rules",
			yaml: "version: 1\n",
			want: []string{"rules: at least one rule is needed"},
		},
		{
			name: "bad rate",
			yaml: "version: 1\nrules:\n  - {name: t, action: throttle, ttl: 1m, throttle: {rate: fast, burst: 0}}\n",
			want: []string{`rules[0].throttle.rate: rate "fast"`, "rules[0].throttle.burst: must be at least 1"},
		},
		{
			name: "malformed yaml",
			yaml: "version: [1\n",
			want: []string{"policy p.yaml:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy("p.yaml", []byte(tt.yaml))
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"2/s": 2, "30/m": 0.5, "3600/h": 1} {
		got, err := parseRate(in)
		require.NoError(t, err, in)
		assert.InDelta(t, want, got, 1e-9, in)
	}
	for _, bad := range []string{"", "2", "-1/s", "2/d", "x/s"} {
		_, err := parseRate(bad)
		assert.Error(t, err, bad)
	}
}

func TestEscalation(t *testing.T) {
	pol, err := ParsePolicy("p.yaml", []byte(`version: 1
detectors:
  enumeration: {window: 1s, distinct: 3, suspicious: 3}
rules:
  - name: contain
    action: throttle
    throttle: {rate: 1/s, burst: 2}
    subjects: [identity]
    ttl: 1m
    escalate: {after: 1, action: block, ttl_factor: 10, max_ttl: 5m}
`))
	require.NoError(t, err)
	m := New(shopSurface(), Config{Policy: pol})
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var got []scenarios.Decision
	for round := range 3 {
		start := t0.Add(time.Duration(round) * 10 * time.Minute)
		for i := range 3 {
			got = append(got, m.Observe(scenarios.Event{
				Time: start.Add(time.Duration(i) * 100 * time.Millisecond), Method: "GET",
				Path: "/users/" + string(rune('a'+i)), Identity: "eve", TokenID: "tok-eve",
			})...)
		}
	}
	require.Len(t, got, 3, "the token is not a subject of the rule")
	assert.Equal(t, scenarios.ActionThrottle, got[0].Action)
	assert.Equal(t, time.Minute, got[0].Expires.Sub(got[0].Time))
	assert.Equal(t, scenarios.ActionBlock, got[1].Action)
	assert.Equal(t, 5*time.Minute, got[1].Expires.Sub(got[1].Time), "10x capped at max_ttl")
	assert.Equal(t, 2, got[2].Level)
	assert.Greater(t, got[1].Score, 100.0, "the earlier finding still counts, decayed")
	assert.Len(t, got[2].Reasons, 3)
}

func FuzzParsePolicy(f *testing.F) {
	f.Add(defaultPolicyYAML)
	f.Add([]byte("version: 1\nrules: [{name: a, action: alert, ttl: 1m}]\n"))
	f.Add([]byte("rules:\n  - escalate: {after: -1}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy("fuzz.yaml", data)
		if err == nil {
			require.NotEmpty(t, p.Rules)
		}
	})
}
