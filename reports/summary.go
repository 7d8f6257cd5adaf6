package reports

import (
	"fmt"
	"time"

	"github.com/abusegate/abusegate/oracle"
)

// KindReport is MTTD and MTTC per misuse kind over its scenarios.
type KindReport struct {
	Kind      string      `json:"kind"`
	Scenarios int         `json:"scenarios"`
	Detected  int         `json:"detected"`
	Contained int         `json:"contained"`
	MTTD      StatsReport `json:"mttd"`
	MTTC      StatsReport `json:"mttc"`
}

// StatsReport is a duration summary in seconds; N = 0 means nothing was
// measured and the other fields are zero.
type StatsReport struct {
	N           int     `json:"n"`
	MeanSeconds float64 `json:"mean_seconds"`
	P50Seconds  float64 `json:"p50_seconds"`
	P95Seconds  float64 `json:"p95_seconds"`
}

// ResilienceReport carries the run-level resilience metrics security teams
// report: the share of authenticated abuse attempts blocked, business-logic
// manipulation attempts prevented, and revenue leakage (discount obtained,
// in cents) before and after containment.
type ResilienceReport struct {
	AuthAttempts      int     `json:"authenticated_abuse_attempts"`
	AuthBlocked       int     `json:"authenticated_abuse_blocked"`
	AuthBlockedShare  float64 `json:"authenticated_abuse_blocked_share"`
	LogicAttempts     int     `json:"business_logic_attempts"`
	LogicPrevented    int     `json:"business_logic_prevented"`
	RevenueLeakBefore int     `json:"revenue_leak_before_containment_cents"`
	RevenueLeakAfter  int     `json:"revenue_leak_after_containment_cents"`
}

func kindReports(ks []oracle.KindSummary) []KindReport {
	out := make([]KindReport, 0, len(ks))
	for _, k := range ks {
		out = append(out, KindReport{
			Kind: k.Kind, Scenarios: k.Scenarios, Detected: k.Detected, Contained: k.Contained,
			MTTD: statsReport(k.MTTD), MTTC: statsReport(k.MTTC),
		})
	}
	return out
}

func statsReport(s oracle.Stats) StatsReport {
	return StatsReport{N: s.N, MeanSeconds: s.Mean.Seconds(), P50Seconds: s.P50.Seconds(), P95Seconds: s.P95.Seconds()}
}

func resilienceReport(r oracle.Resilience) ResilienceReport {
	return ResilienceReport{
		AuthAttempts: r.AuthAttempts, AuthBlocked: r.AuthBlocked, AuthBlockedShare: r.AuthBlockedShare,
		LogicAttempts: r.LogicAttempts, LogicPrevented: r.LogicPrevented,
		RevenueLeakBefore: r.RevenueLeakBefore, RevenueLeakAfter: r.RevenueLeakAfter,
	}
}

// statsCell renders "0.10s / 0.09s / 0.21s", or "—" when nothing was
// measured.
func statsCell(s StatsReport) string {
	if s.N == 0 {
		return notApplicable
	}
	sec := func(v float64) string { return oracle.FormatDuration(time.Duration(v * float64(time.Second))) }
	return sec(s.MeanSeconds) + " / " + sec(s.P50Seconds) + " / " + sec(s.P95Seconds)
}

// shareCell renders "42 of 50 (84.0%)", or "—" without attempts.
func shareCell(n, of int) string {
	if of == 0 {
		return notApplicable
	}
	return fmt.Sprintf("%d of %d (%.1f%%)", n, of, 100*float64(n)/float64(of))
}

// centsCell renders cents as an amount: "$12.34".
func centsCell(c int) string { return fmt.Sprintf("$%d.%02d", c/100, c%100) }
