package oracle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/scenarios"
)

// An external detector's alert may know nothing but the correlation id of
// the request it flagged: it is attributed through it, and only to the
// scenario that sent that request.
func TestCorrelationAttribution(t *testing.T) {
	xs := series(0, "sssss", 1)
	for i := range xs {
		xs[i].CorrelationID = "enum-0-" + string(rune('0'+i))
	}
	alert := func(corr string, ms int) scenarios.Decision {
		return scenarios.Decision{ID: "w1", Time: at(ms), Action: scenarios.ActionAlert, Detector: "webhook", CorrelationID: corr}
	}
	tests := []struct {
		name     string
		decision scenarios.Decision
		detected bool
		mttd     time.Duration
	}{
		{"alert naming one of the scenario's requests", alert("enum-0-2", 2500), true, 2500 * time.Millisecond},
		{"alert naming another scenario's request", alert("stuffing-0-2", 2500), false, 0},
		{"alert with a subject and an unknown correlation id", func() scenarios.Decision {
			d := alert("other-1-1", 1200)
			d.Subject = scenarios.Subject{Kind: scenarios.SubjectIdentity, Value: "mallory"}
			return d
		}(), true, 1200 * time.Millisecond},
		{"alert with neither", alert("", 1000), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Judge(scenarios.Timeline{Start: at(0), End: at(10000), Exchanges: xs, Decisions: []scenarios.Decision{tt.decision}},
				[]scenarios.Scenario{scenario(noBounds)})
			v := res.Verdicts[0]
			assert.Equal(t, tt.detected, v.Detected)
			assert.Equal(t, tt.mttd, v.MTTD)
		})
	}
}
