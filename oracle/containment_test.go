package oracle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

func TestContainedAt(t *testing.T) {
	tests := []struct {
		name      string
		xs        []scenarios.Exchange
		max       float64
		contained bool
		atSec     int
	}{
		{name: "empty", xs: nil},
		{name: "only successes", xs: series(0, "sssss", 1)},
		{name: "denied from the start", xs: series(0, "ddddd", 0), contained: true, atSec: 0},
		{name: "denied after successes", xs: series(0, "sssddddd", 1), contained: true, atSec: 3},
		{name: "failures do not count as successes", xs: series(0, "ssdfdfdf", 1), contained: true, atSec: 2},
		{name: "resumed then denied again", xs: series(0, "sssdddsssdddddd", 1), contained: true, atSec: 9},
		{name: "resumed and never denied again", xs: series(0, "sssdddsss", 1)},
		{name: "one success right after the first denial", xs: series(0, "ssdsdddddd", 1), contained: true, atSec: 4},
		{
			name: "sporadic success after enough denials is tolerated",
			xs:   series(0, "ss"+repeat("d", 20)+"s", 1), contained: true, atSec: 2,
		},
		{
			name: "a rate exactly at max_success is not below it",
			xs:   series(0, "ss"+repeat("d", 19)+"s", 1),
		},
		{name: "a trailing success after one denial", xs: series(0, "ssds", 1)},
		{name: "a higher max_success tolerates more", xs: series(0, "ssdsddd", 1), max: 0.6, contained: true, atSec: 2},
		{
			name: "concurrent exchanges at one instant are judged together",
			xs: []scenarios.Exchange{
				attack(0, scenarios.OutcomeSuccess, 1),
				attack(1000, scenarios.OutcomeDenied, 0),
				attack(1000, scenarios.OutcomeSuccess, 1),
				attack(2000, scenarios.OutcomeDenied, 0),
				attack(3000, scenarios.OutcomeDenied, 0),
			},
			contained: true, atSec: 2,
		},
		{
			name: "input order does not matter",
			xs: []scenarios.Exchange{
				attack(3000, scenarios.OutcomeDenied, 0),
				attack(0, scenarios.OutcomeSuccess, 1),
				attack(2000, scenarios.OutcomeDenied, 0),
			},
			contained: true, atSec: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = DefaultMaxSuccess
			}
			got, ok := containedAt(tt.xs, max)
			assert.Equal(t, tt.contained, ok)
			if tt.contained {
				assert.Equal(t, at(tt.atSec*1000), got)
			} else {
				assert.True(t, got.IsZero())
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want string
	}{
		{"zero", 0, "0s"},
		{"microseconds", 300 * time.Microsecond, "300µs"},
		{"milliseconds", 7 * time.Millisecond, "7ms"},
		{"sub-second", 410 * time.Millisecond, "0.41s"},
		{"seconds", 2300 * time.Millisecond, "2.3s"},
		{"whole seconds", 5 * time.Second, "5s"},
		{"minutes", 72500 * time.Millisecond, "1m12.5s"},
		{"hours", 2*time.Hour + 3*time.Minute + 4400*time.Millisecond, "2h3m4s"},
		{"negative", -1500 * time.Millisecond, "-1.5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, FormatDuration(tt.d))
		})
	}
}

// A containment implies a detection: a target that denies a scenario's
// requests from T on has noticed it by T. When the first decision naming
// the scenario comes later, it says who detected the attack, and the
// detection time is T: MTTD <= MTTC whenever both are measured.
func TestContainmentBoundsDetection(t *testing.T) {
	xs := append(series(0, "sss", 1), series(3, "ddddddd", 0)...) // contained at 3s
	// The device the target's detector blocked, named by its own hash,
	// not by the harness's profile name: nothing ties it to the scenario.
	unattributed := decide("d-fp", 2900, scenarios.SubjectFingerprint, "fp-244888a0e848")
	late := decide("d-late", 3400, scenarios.SubjectAddress, "10.0.0.66")
	late.Detector, late.Reason = "stuffing", "10 of 11 logins failed"
	tests := []struct {
		name      string
		decisions []scenarios.Decision
		detected  bool
		want      Detection
	}{
		{name: "no decision: contained, never detected", decisions: nil},
		{name: "only a decision not tied to the scenario", decisions: []scenarios.Decision{unattributed}},
		{
			name:      "the scenario's own decision comes after the containment",
			decisions: []scenarios.Decision{unattributed, late},
			detected:  true,
			want: Detection{Time: at(3000), DecidedAt: at(3400), Decision: "d-late", Detector: "stuffing", Reason: "10 of 11 logins failed",
				Subject: scenarios.Subject{Kind: scenarios.SubjectAddress, Value: "10.0.0.66"}, Action: scenarios.ActionBlock, Enforced: true,
				FromContainment: true},
		},
		{
			name:      "the scenario's own decision comes first",
			decisions: []scenarios.Decision{late, decide("d-early", 2500, scenarios.SubjectIdentity, "mallory")},
			detected:  true,
			want: Detection{Time: at(2500), DecidedAt: at(2500), Decision: "d-early", Detector: "enumeration", Reason: "sequential ids",
				Subject: scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: "mallory"}, Action: scenarios.ActionBlock, Enforced: true},
		},
		{
			name:      "a decision at the containment's instant",
			decisions: []scenarios.Decision{decide("d-same", 3000, scenarios.SubjectToken, "tok-mallory")},
			detected:  true,
			want: Detection{Time: at(3000), DecidedAt: at(3000), Decision: "d-same", Detector: "enumeration", Reason: "sequential ids",
				Subject: scenarios.Subject{Kind: scenarios.SubjectToken, Value: "tok-mallory"}, Action: scenarios.ActionBlock, Enforced: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := scenarios.Timeline{Start: at(0), End: at(20000), Exchanges: xs, Decisions: tt.decisions}
			v := Judge(tl, []scenarios.Scenario{scenario(noBounds)}).Verdicts[0]
			require.True(t, v.Contained)
			assert.Equal(t, Contained, v.Status)
			assert.Equal(t, 3*time.Second, v.MTTC)
			assert.Equal(t, tt.detected, v.Detected)
			assert.Equal(t, tt.want, v.Detection)
			if !tt.detected {
				return
			}
			assert.Equal(t, tt.want.Time.Sub(at(0)), v.MTTD)
			assert.LessOrEqual(t, v.MTTD, v.MTTC)
		})
	}
	t.Run("not contained: a late decision keeps its time", func(t *testing.T) {
		v := Judge(scenarios.Timeline{Exchanges: series(0, "sdsss", 1), Decisions: []scenarios.Decision{late}},
			[]scenarios.Scenario{scenario(noBounds)}).Verdicts[0]
		assert.False(t, v.Contained)
		assert.Equal(t, DetectedNotContained, v.Status)
		assert.Equal(t, 3400*time.Millisecond, v.MTTD)
		assert.False(t, v.Detection.FromContainment)
	})
}
