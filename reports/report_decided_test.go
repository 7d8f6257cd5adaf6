package reports

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/oracle"
)

// A detection bounded by the containment says when its decision came.
func TestDetectionDecidedAfterContainment(t *testing.T) {
	contained := base.Add(1250 * time.Millisecond)
	decided := base.Add(1420 * time.Millisecond)
	v := oracle.Verdict{Scenario: "s", Detected: true, Contained: true, ContainedAt: contained,
		Detection: oracle.Detection{Time: contained, DecidedAt: decided, FromContainment: true, Detector: "stuffing"}}
	s := scenarioReport(v)
	require.NotNil(t, s.DetectedBy)
	assert.Equal(t, contained, s.DetectedBy.Time)
	require.NotNil(t, s.DetectedBy.DecidedAt)
	assert.Equal(t, decided, *s.DetectedBy.DecidedAt)

	v.Detection = oracle.Detection{Time: contained, DecidedAt: contained, Detector: "stuffing"}
	assert.Nil(t, scenarioReport(v).DetectedBy.DecidedAt, "a decision before containment is its own time")
}

// The shadow's policy detects when it decides, not when the target's own
// defences contained the attack.
func TestShadowDetectsWhenItDecides(t *testing.T) {
	contained := base.Add(1250 * time.Millisecond)
	v := oracle.Verdict{Scenario: "s", Detected: true, T0: base, MTTD: 1250 * time.Millisecond,
		Detection: oracle.Detection{Time: contained, DecidedAt: base.Add(1420 * time.Millisecond), FromContainment: true, Detector: "stuffing"}}
	s := ShadowOf(v)
	require.NotNil(t, s.MTTDSeconds)
	assert.InDelta(t, 1.42, *s.MTTDSeconds, 1e-9)
	v.Detection.FromContainment = false
	assert.InDelta(t, 1.25, *ShadowOf(v).MTTDSeconds, 1e-9)
}
