package reports

import "github.com/abusegate/abusegate/oracle"

// ShadowReport is what the built-in monitor, run in process as a shadow
// over the harness's own traffic, would have detected: "would our
// reference policy catch this?", beside what the target's own detection
// did.
type ShadowReport struct {
	Detected    bool     `json:"detected"`
	MTTDSeconds *float64 `json:"mttd_seconds"`
	MTTD        string   `json:"mttd,omitempty"`
	Detector    string   `json:"detector,omitempty"`
	Reason      string   `json:"reason,omitempty"`
}

// ShadowOf is the shadow's verdict on one scenario.
func ShadowOf(v oracle.Verdict) *ShadowReport {
	s := &ShadowReport{Detected: v.Detected}
	if v.Detected {
		mttd := v.MTTD
		if d := v.Detection; d.FromContainment {
			// The target contained the attack before the shadow's policy
			// decided; the oracle bounds the run's detection by that
			// containment, but the policy took no part in it: it would
			// have detected the attack when it decided.
			mttd += d.DecidedAt.Sub(d.Time)
		}
		s.MTTDSeconds = ptr(mttd.Seconds())
		s.MTTD = oracle.FormatDuration(mttd)
		s.Detector, s.Reason = v.Detection.Detector, v.Detection.Reason
	}
	return s
}
