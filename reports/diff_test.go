package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name       string
		change     func(r *Report)
		regression bool
		want       string // a substring of the changes, "" for none at all
	}{
		{"identical", func(*Report) {}, false, ""},
		{"mttc up beyond tolerance", func(r *Report) { r.Scenarios[0].MTTCSeconds = ptr(9.0) }, true, "MTTC up from 5.2s to 9.0s"},
		{"mttc up within tolerance", func(r *Report) { r.Scenarios[0].MTTCSeconds = ptr(5.5) }, false, ""},
		{"mttd down", func(r *Report) { r.Scenarios[0].MTTDSeconds = ptr(0.5) }, false, "MTTD down from 2.3s to 0.5s"},
		{"no longer contained", func(r *Report) {
			r.Scenarios[0].Contained, r.Scenarios[0].MTTCSeconds = false, nil
		}, true, "no longer contained (was after 5.2s)"},
		{"no longer detected", func(r *Report) {
			r.Scenarios[1].Detected, r.Scenarios[1].MTTDSeconds = false, nil
		}, true, "no longer detected (was after 7.3s)"},
		{"now contained", func(r *Report) {
			r.Scenarios[1].Contained, r.Scenarios[1].MTTCSeconds, r.Scenarios[1].MTTC = true, ptr(8.0), "8s"
		}, false, "now contained after 8s"},
		{"new leak", func(r *Report) { r.Scenarios[0].LeakBefore = 43 }, true, "leak before containment up from 42 to 43 foreign records"},
		{"benign harm", func(r *Report) { r.Benign.Hurt = 3 }, true, "benign sessions hurt up from 1 to 3"},
		{"scenario gone", func(r *Report) { r.Scenarios = r.Scenarios[1:] }, true, "enumeration-get-users-id: scenario missing"},
		{"sla now breached", func(r *Report) { r.Scenarios[0].Pass = false }, true, "SLA now breached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := fixedReport()
			cur.Scenarios = append([]ScenarioReport(nil), cur.Scenarios...)
			tt.change(&cur)
			changes := Diff(fixedReport(), cur, DefaultTolerance())
			assert.Equal(t, tt.regression, Regressed(changes), "%+v", changes)
			var buf bytes.Buffer
			require.NoError(t, WriteDiff(&buf, changes))
			if tt.want == "" {
				assert.Empty(t, changes)
				assert.Equal(t, "no change against the baseline\n", buf.String())
				return
			}
			assert.Contains(t, buf.String(), tt.want)
			assert.Equal(t, tt.regression, strings.HasPrefix(buf.String(), "REGRESSION"), buf.String())
		})
	}
}

func TestReadJSON(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, fixedReport()))
	got, err := ReadJSON(&buf, "report.json")
	require.NoError(t, err)
	assert.Equal(t, fixedReport(), got)

	_, err = ReadJSON(strings.NewReader(`{"schema_version": "other/v9"}`), "old.json")
	require.ErrorContains(t, err, `old.json: schema_version "other/v9", want "abusegate.report/v1"`)
	_, err = ReadJSON(strings.NewReader(`{"schema_version": `), "cut.json")
	require.ErrorContains(t, err, "cut.json")
	_, err = ReadJSON(strings.NewReader(`{"pass": tru}`), "bad.json")
	require.ErrorContains(t, err, "bad.json: invalid JSON at byte")
}
