package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/oracle"
	"github.com/abusegate/abusegate/scenarios"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }

// fixedResult is a run with one scenario in each state.
func fixedResult() oracle.Result {
	sla := scenarios.SLA{MTTD: 5 * time.Second, MTTC: 10 * time.Second, MaxLeak: 200, MaxBenign: 1, MaxSuccess: 0.05}
	return oracle.Result{
		Start: base,
		End:   at(90_000),
		Pass:  false,
		Benign: oracle.Benign{
			Sessions: 12, Hurt: 1, Rate: 1.0 / 12, HurtSessions: []string{"benign-7"},
		},
		Kinds: []oracle.KindSummary{
			{Kind: "rest.coupon-stacking", Scenarios: 1, Detected: 1,
				MTTD: oracle.Stats{N: 1, Mean: 7300 * time.Millisecond, P50: 7300 * time.Millisecond, P95: 7300 * time.Millisecond}},
			{Kind: "rest.enumeration", Scenarios: 1, Detected: 1, Contained: 1,
				MTTD: oracle.Stats{N: 1, Mean: 2300 * time.Millisecond, P50: 2300 * time.Millisecond, P95: 2300 * time.Millisecond},
				MTTC: oracle.Stats{N: 1, Mean: 5200 * time.Millisecond, P50: 5200 * time.Millisecond, P95: 5200 * time.Millisecond}},
		},
		Resilience: oracle.Resilience{AuthAttempts: 340, AuthBlocked: 250, AuthBlockedShare: 250.0 / 340,
			LogicAttempts: 40, RevenueLeakBefore: 1200},
		Verdicts: []oracle.Verdict{
			{
				Scenario: "enumeration-get-users-id", Kind: "rest.enumeration", Title: "Enumerate users by id",
				LeakUnit: "foreign records", SLA: sla, Status: oracle.Contained,
				T0: at(410), Detected: true, MTTD: 2300 * time.Millisecond,
				Detection: oracle.Detection{
					Time: at(2710), Decision: "dec-1", Detector: "enumeration", Reason: "42 distinct foreign ids in 10s",
					Subject: scenarios.Subject{Kind: scenarios.SubjectToken, Value: "tok-0123456789ab"},
					Action:  scenarios.ActionBlock, Enforced: true,
				},
				Contained: true, ContainedAt: at(5610), MTTC: 5200 * time.Millisecond,
				LeakBefore: 42, LeakTotal: 45, Requests: 300, Successes: 45, Denied: 250,
				Breaches: nil, Pass: true,
			},
			{
				Scenario: "coupon-stacking", Kind: "rest.coupon-stacking", Title: "Stack | coupons",
				LeakUnit: "cents of discount", SLA: sla, Status: oracle.DetectedNotContained,
				T0: at(1500), Detected: true, MTTD: 7300 * time.Millisecond,
				Detection: oracle.Detection{
					Time: at(8800), Decision: "dec-2", Detector: "coupon", Reason: "repeated redemptions",
					Subject: scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: "mallory"},
					Action:  scenarios.ActionAlert,
				},
				LeakBefore: 1200, LeakTotal: 1200, Requests: 40, Successes: 40,
				Breaches: []oracle.Breach{
					{Bound: oracle.BoundMTTD, Limit: "5s", Got: "7.3s", Over: "by 2.3s", Message: "MTTD 7.3s exceeds the SLA of 5s by 2.3s"},
					{Bound: oracle.BoundMTTC, Limit: "10s", Got: "never", Message: "never contained (SLA: MTTC within 10s)"},
					{
						Bound: oracle.BoundLeak, Limit: "200 cents of discount", Got: "1200 cents of discount", Over: "by 1000 cents of discount",
						Message: "leak (never contained) 1200 cents of discount exceeds the SLA of 200 cents of discount by 1000 cents of discount",
					},
				},
			},
			{
				Scenario: "slow-scrape", Kind: "rest.scraping", Title: "Scrape the catalog slowly",
				LeakUnit: "", SLA: scenarios.SLA{MaxLeak: -1, MaxBenign: -1, MaxSuccess: 0.05}, Status: oracle.Undetected,
				T0: at(3000), LeakBefore: 10, LeakTotal: 10, Requests: 10, Successes: 10, Pass: true,
			},
			{
				Scenario: "credential-stuffing", Kind: "rest.credential-stuffing", Title: "Stuff credentials",
				LeakUnit: "valid credentials", SLA: sla, Status: oracle.NoAttack,
				Breaches: []oracle.Breach{{
					Bound: oracle.BoundAttack, Limit: "at least 1 abusive request", Got: "0",
					Message: "no abusive request was sent, so detection and containment could not be measured",
				}},
			},
		},
	}
}

func fixedReport() Report {
	return New(Meta{
		Tool: "v0.1.0-test", Command: "demo", Mode: "enforce", Target: "http://127.0.0.1:8080",
		Simulated: true,
	}, fixedResult())
}

// golden compares got with testdata/<test name>.golden, rewriting it under
// -update.
func golden(t *testing.T, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", filepath.FromSlash(t.Name())+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./reports -update to create it")
	assert.Equal(t, string(want), string(got))
}

func TestWriters(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer, Report) error
	}{
		{"json", func(b *bytes.Buffer, r Report) error { return WriteJSON(b, r) }},
		{"markdown", func(b *bytes.Buffer, r Report) error { return WriteMarkdown(b, r) }},
		{"table", func(b *bytes.Buffer, r Report) error { return WriteTable(b, r) }},
		{"junit", func(b *bytes.Buffer, r Report) error { return WriteJUnit(b, r) }},
	}
	reports := []struct {
		name   string
		report Report
	}{
		{"mixed", fixedReport()},
		{"pass", New(Meta{Command: "demo"}, oracle.Result{
			Start: base, End: at(1000), Pass: true, Benign: oracle.Benign{HurtSessions: []string{}},
			Verdicts: fixedResult().Verdicts[:1],
		})},
		{"empty", New(Meta{}, oracle.Result{})},
	}
	for _, rep := range reports {
		for _, tt := range tests {
			t.Run(rep.name+"/"+tt.name, func(t *testing.T) {
				var buf bytes.Buffer
				require.NoError(t, tt.write(&buf, rep.report))
				golden(t, buf.Bytes())
			})
		}
	}
}

func TestNew(t *testing.T) {
	r := fixedReport()
	assert.Equal(t, SchemaVersion, r.SchemaVersion)
	assert.Equal(t, base, r.Started, "started defaults to the timeline's start")
	assert.Equal(t, at(90_000), r.Ended)
	assert.Equal(t, "1m30s", r.Duration)
	require.Len(t, r.Scenarios, 4)

	contained := r.Scenarios[0]
	assert.Equal(t, "contained", contained.Status)
	require.NotNil(t, contained.MTTDSeconds)
	assert.InDelta(t, 2.3, *contained.MTTDSeconds, 1e-9)
	assert.Equal(t, "2.3s", contained.MTTD)
	require.NotNil(t, contained.MTTCSeconds)
	assert.InDelta(t, 5.2, *contained.MTTCSeconds, 1e-9)
	assert.Equal(t, "token:tok-0123456789ab", contained.DetectedBy.Subject)
	assert.Equal(t, "block", contained.DetectedBy.Action)
	assert.Equal(t, 42, contained.LeakBefore)
	assert.Equal(t, 45, contained.LeakTotal)
	assert.NotNil(t, contained.Breaches, "breaches render as [] not null")

	undetected := r.Scenarios[2]
	assert.Nil(t, undetected.MTTDSeconds)
	assert.Nil(t, undetected.MTTCSeconds)
	assert.Nil(t, undetected.DetectedBy)
	assert.Nil(t, undetected.SLA.MaxLeak, "a negative bound is no bound")

	noAttack := r.Scenarios[3]
	assert.Nil(t, noAttack.T0)
	assert.Equal(t, "no attack", noAttack.Status)

	meta := New(Meta{Started: at(-1000), Ended: at(5000)}, fixedResult())
	assert.Equal(t, at(-1000), meta.Started, "meta times win over the timeline's")
	assert.Equal(t, "6s", meta.Duration)
}

func TestJSONRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, fixedReport()))
	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, fixedReport(), back)
}

func TestWritersReturnWriteErrors(t *testing.T) {
	writers := map[string]func(w *failingWriter, r Report) error{
		"json":     func(w *failingWriter, r Report) error { return WriteJSON(w, r) },
		"markdown": func(w *failingWriter, r Report) error { return WriteMarkdown(w, r) },
		"table":    func(w *failingWriter, r Report) error { return WriteTable(w, r) },
		"junit":    func(w *failingWriter, r Report) error { return WriteJUnit(w, r) },
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			err := write(&failingWriter{}, fixedReport())
			require.ErrorIs(t, err, errDiskFull)
		})
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (*failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }
