package oracle

import (
	"math/rand/v2"
	"slices"
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

// A containment is a detection: a target that denies a scenario's requests
// from T on has noticed it by T, whether or not a decision naming the
// scenario says so. MTTD <= MTTC whenever the scenario is contained.
func TestContainmentIsADetection(t *testing.T) {
	// Contained at 3s: two denials sent at that instant, given in the
	// order that would pick the wrong one if order mattered.
	xs := series(0, "sss", 1)
	for _, d := range []struct {
		corr   string
		status int
	}{{"enum-1-3", 429}, {"enum-0-3", 403}} {
		x := attack(3000, scenarios.OutcomeDenied, 0)
		x.CorrelationID, x.Status = d.corr, d.status
		xs = append(xs, x)
	}
	xs = append(xs, series(4, "dddddd", 0)...)
	// The device the target's detector named: its own hash, not the
	// harness's profile name, so nothing ties it to the scenario.
	unattributed := decide("d-fp", 2900, scenarios.SubjectFingerprint, "fp-244888a0e848")
	containment := Detection{
		Time: at(3000), Detector: ContainmentDetector, Action: scenarios.ActionBlock, Enforced: true,
		Reason:          "the target denied the scenario's requests with 403 from here on (contained); a containment is a detection, and no decision naming the scenario came earlier",
		CorrelationID:   "enum-0-3",
		FromContainment: true,
	}
	tests := []struct {
		name      string
		decisions []scenarios.Decision
		want      Detection
	}{
		{name: "no decision at all", want: containment},
		{name: "only a decision on a subject not tied to the scenario", decisions: []scenarios.Decision{unattributed}, want: containment},
		{
			name:      "the scenario's own decision comes after the containment",
			decisions: []scenarios.Decision{unattributed, decide("d-late", 3400, scenarios.SubjectIdentity, "mallory")},
			want:      containment,
		},
		{
			name:      "the scenario's own decision comes first",
			decisions: []scenarios.Decision{decide("d-early", 2500, scenarios.SubjectAddress, "10.0.0.66")},
			want: Detection{Time: at(2500), Decision: "d-early", Detector: "enumeration", Reason: "sequential ids",
				Subject: scenarios.Subject{Kind: scenarios.SubjectAddress, Value: "10.0.0.66"}, Action: scenarios.ActionBlock, Enforced: true},
		},
		{
			name:      "a decision at the containment's instant is the detection",
			decisions: []scenarios.Decision{decide("d-same", 3000, scenarios.SubjectToken, "tok-mallory")},
			want: Detection{Time: at(3000), Decision: "d-same", Detector: "enumeration", Reason: "sequential ids",
				Subject: scenarios.Subject{Kind: scenarios.SubjectToken, Value: "tok-mallory"}, Action: scenarios.ActionBlock, Enforced: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := scenarios.Timeline{Start: at(0), End: at(20000), Exchanges: xs, Decisions: tt.decisions}
			v := Judge(tl, []scenarios.Scenario{scenario(noBounds)}).Verdicts[0]
			require.True(t, v.Contained)
			assert.Equal(t, 3*time.Second, v.MTTC)
			assert.True(t, v.Detected)
			assert.Equal(t, tt.want, v.Detection)
			assert.Equal(t, tt.want.Time.Sub(at(0)), v.MTTD)
			assert.LessOrEqual(t, v.MTTD, v.MTTC)
			// Any order of the exchanges names the same evidence.
			for seed := range uint64(4) {
				shuffled := slices.Clone(xs)
				rand.New(rand.NewPCG(seed, 7)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				tl.Exchanges = shuffled
				assert.Equal(t, v, Judge(tl, []scenarios.Scenario{scenario(noBounds)}).Verdicts[0], "seed %d", seed)
			}
		})
	}

	t.Run("a throttle's containment", func(t *testing.T) {
		x := attack(1000, scenarios.OutcomeDenied, 0)
		x.Status = 429
		v := Judge(scenarios.Timeline{Exchanges: append(series(0, "s", 1), x)}, []scenarios.Scenario{scenario(noBounds)}).Verdicts[0]
		assert.Equal(t, Detection{
			Time: at(1000), Detector: ContainmentDetector, Action: scenarios.ActionThrottle, Enforced: true,
			Reason:          "the target denied the scenario's requests with 429 from here on (contained); a containment is a detection, and no decision naming the scenario came earlier",
			FromContainment: true,
		}, v.Detection)
		assert.Equal(t, time.Second, v.MTTD)
	})
	t.Run("not contained: a denial alone is no detection", func(t *testing.T) {
		v := Judge(scenarios.Timeline{Exchanges: series(0, "sdsss", 1)}, []scenarios.Scenario{scenario(noBounds)}).Verdicts[0]
		assert.False(t, v.Contained)
		assert.False(t, v.Detected)
		assert.Equal(t, Undetected, v.Status)
	})
}
