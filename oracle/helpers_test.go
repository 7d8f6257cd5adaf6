package oracle

import (
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// base is the fixed start of every hand-built timeline.
var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// at returns base plus ms milliseconds.
func at(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }

// noBounds is an SLA that nothing breaks.
var noBounds = scenarios.SLA{MaxLeak: -1, MaxBenign: -1}

// attack returns an abusive exchange of scenario "enum" by mallory.
func attack(ms int, o scenarios.Outcome, leak int) scenarios.Exchange {
	return scenarios.Exchange{
		Scenario: "enum",
		Actor:    scenarios.Attacker,
		Session:  "s-mallory",
		Identity: "mallory",
		TokenID:  "tok-mallory",
		Addr:     "10.0.0.66",
		// Fingerprint is the device profile the harness names.
		Fingerprint: "firefox-mallory",
		Abusive:     true,
		Sent:        at(ms),
		Outcome:     o,
		Leak:        leak,
	}
}

// series returns abusive exchanges one second apart from start (in
// seconds), one per outcome letter: s success, d denied, f failed.
func series(startSec int, outcomes string, leakPerSuccess int) []scenarios.Exchange {
	var xs []scenarios.Exchange
	for i, c := range outcomes {
		o, leak := scenarios.OutcomeFailed, 0
		switch c {
		case 's':
			o, leak = scenarios.OutcomeSuccess, leakPerSuccess
		case 'd':
			o = scenarios.OutcomeDenied
		}
		xs = append(xs, attack((startSec+i)*1000, o, leak))
	}
	return xs
}

// decide returns a decision about subject kind:value at ms.
func decide(id string, ms int, k scenarios.SubjectKind, v string) scenarios.Decision {
	return scenarios.Decision{
		ID:       id,
		Time:     at(ms),
		Subject:  scenarios.Subject{Kind: k, Value: v},
		Action:   scenarios.ActionBlock,
		Detector: "enumeration",
		Reason:   "sequential ids",
		Enforced: true,
	}
}

func scenario(sla scenarios.SLA) scenarios.Scenario {
	return scenarios.Scenario{ID: "enum", Kind: "rest.enumeration", Title: "Enumerate users", LeakUnit: "foreign records", SLA: sla}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
