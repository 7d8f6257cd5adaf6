package oracle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/scenarios"
)

func TestJudgeSLA(t *testing.T) {
	// Mallory leaks 10 records a second for 7 seconds, is detected at
	// 3.3s and contained at 7s; one benign session out of four is hurt.
	exchanges := series(0, "sssssss"+repeat("d", 10), 10)
	for i, o := range []scenarios.Outcome{scenarios.OutcomeSuccess, scenarios.OutcomeDenied, scenarios.OutcomeSuccess, scenarios.OutcomeSuccess} {
		exchanges = append(exchanges, scenarios.Exchange{
			Actor: scenarios.Benign, Session: string(rune('a' + i)), Sent: at(i * 1000), Outcome: o,
		})
	}
	contained := scenarios.Timeline{
		Exchanges: exchanges,
		Decisions: []scenarios.Decision{decide("d1", 3300, scenarios.SubjectIdentity, "mallory")},
	}
	uncontained := scenarios.Timeline{Exchanges: series(0, "sssss", 10)}

	tests := []struct {
		name string
		tl   scenarios.Timeline
		sla  scenarios.SLA
		want []Breach
	}{
		{
			name: "every bound met",
			tl:   contained,
			sla:  scenarios.SLA{MTTD: 5 * time.Second, MTTC: 10 * time.Second, MaxLeak: 70, MaxBenign: 1},
		},
		{
			name: "zero durations and negative counts are no bound",
			tl:   uncontained,
			sla:  scenarios.SLA{MaxLeak: -1, MaxBenign: -1},
		},
		{
			name: "mttd",
			tl:   contained,
			sla:  scenarios.SLA{MTTD: time.Second, MaxLeak: -1, MaxBenign: -1},
			want: []Breach{{
				Bound: BoundMTTD, Limit: "1s", Got: "3.3s", Over: "by 2.3s",
				Message: "MTTD 3.3s exceeds the SLA of 1s by 2.3s",
			}},
		},
		{
			name: "mttc",
			tl:   contained,
			sla:  scenarios.SLA{MTTC: 5 * time.Second, MaxLeak: -1, MaxBenign: -1},
			want: []Breach{{
				Bound: BoundMTTC, Limit: "5s", Got: "7s", Over: "by 2s",
				Message: "MTTC 7s exceeds the SLA of 5s by 2s",
			}},
		},
		{
			name: "leak before containment",
			tl:   contained,
			sla:  scenarios.SLA{MaxLeak: 28, MaxBenign: -1},
			want: []Breach{{
				Bound: BoundLeak, Limit: "28 foreign records", Got: "70 foreign records", Over: "by 42 foreign records",
				Message: "leak before containment 70 foreign records exceeds the SLA of 28 foreign records by 42 foreign records",
			}},
		},
		{
			name: "benign",
			tl:   contained,
			sla:  scenarios.SLA{MaxLeak: -1, MaxBenign: 0},
			want: []Breach{{
				Bound: BoundBenign, Limit: "0 sessions", Got: "1 session of 4", Over: "by 1 session",
				Message: "benign sessions hurt 1 session of 4 exceeds the SLA of 0 sessions by 1 session",
			}},
		},
		{
			name: "never detected, never contained, leak without containment",
			tl:   uncontained,
			sla:  scenarios.SLA{MTTD: 5 * time.Second, MTTC: 10 * time.Second, MaxLeak: 0, MaxBenign: -1},
			want: []Breach{
				{Bound: BoundMTTD, Limit: "5s", Got: "never", Message: "never detected (SLA: MTTD within 5s)"},
				{Bound: BoundMTTC, Limit: "10s", Got: "never", Message: "never contained (SLA: MTTC within 10s)"},
				{
					Bound: BoundLeak, Limit: "0 foreign records", Got: "50 foreign records", Over: "by 50 foreign records",
					Message: "leak (never contained) 50 foreign records exceeds the SLA of 0 foreign records by 50 foreign records",
				},
			},
		},
		{
			name: "bounds are inclusive",
			tl:   contained,
			sla:  scenarios.SLA{MTTD: 3300 * time.Millisecond, MTTC: 7 * time.Second, MaxLeak: 70, MaxBenign: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Judge(tt.tl, []scenarios.Scenario{scenario(tt.sla)})
			v := res.Verdicts[0]
			assert.Equal(t, tt.want, v.Breaches)
			assert.Equal(t, len(tt.want) == 0, v.Pass)
			assert.Equal(t, v.Pass, res.Pass)
			for _, b := range v.Breaches {
				assert.Equal(t, b.Message, b.String())
			}
		})
	}
}

func TestJudgeKeepsScenarioOrderAndFailsOnAnyBreach(t *testing.T) {
	good := scenarios.Scenario{ID: "enum", SLA: noBounds}
	bad := scenarios.Scenario{ID: "coupon", SLA: scenarios.SLA{MTTD: time.Second, MaxLeak: -1, MaxBenign: -1}}
	tl := scenarios.Timeline{Exchanges: series(0, "sd", 1)}
	res := Judge(tl, []scenarios.Scenario{bad, good})
	assert.Equal(t, []string{"coupon", "enum"}, []string{res.Verdicts[0].Scenario, res.Verdicts[1].Scenario})
	assert.Equal(t, NoAttack, res.Verdicts[0].Status)
	assert.True(t, res.Verdicts[1].Pass)
	assert.False(t, res.Pass)
	assert.Equal(t, DefaultMaxSuccess, res.Verdicts[1].SLA.MaxSuccess, "the default max_success is filled in")
}

func TestStatusString(t *testing.T) {
	tests := []struct {
		s    Status
		want string
	}{
		{Contained, "contained"},
		{DetectedNotContained, "detected, not contained"},
		{Undetected, "not detected"},
		{NoAttack, "no attack"},
		{Status(0), "Status(0)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.s.String())
			b, err := tt.s.MarshalText()
			assert.NoError(t, err)
			assert.Equal(t, tt.want, string(b))
		})
	}
}
