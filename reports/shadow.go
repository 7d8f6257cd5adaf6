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
		s.MTTDSeconds = ptr(v.MTTD.Seconds())
		s.MTTD = oracle.FormatDuration(v.MTTD)
		s.Detector, s.Reason = v.Detection.Detector, v.Detection.Reason
	}
	return s
}
