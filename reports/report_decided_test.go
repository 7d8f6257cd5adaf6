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
