package reports

import (
	"fmt"
	"time"

	"github.com/abusegate/abusegate/oracle"
)

// The cell helpers below are shared by the Markdown and text tables, so
// both show the same words for the same facts.

// notApplicable marks a cell with nothing to measure (no attack, no
// benign traffic).
const notApplicable = "—"

func attacked(s ScenarioReport) bool { return s.T0 != nil }

// t0Cell shows t0 as an offset from the start of the run, like "+0.41s".
func t0Cell(r Report, s ScenarioReport) string {
	switch {
	case !attacked(s):
		return notApplicable
	case r.Started.IsZero():
		return s.T0.UTC().Format(time.RFC3339Nano)
	case s.T0.Before(r.Started):
		return oracle.FormatDuration(s.T0.Sub(r.Started))
	default:
		return "+" + oracle.FormatDuration(s.T0.Sub(r.Started))
	}
}

func detectedCell(s ScenarioReport) string {
	switch {
	case !attacked(s):
		return notApplicable
	case !s.Detected:
		return "never"
	default:
		return s.MTTD
	}
}

func containedCell(s ScenarioReport) string {
	switch {
	case !attacked(s):
		return notApplicable
	case !s.Contained:
		return "never"
	default:
		return s.MTTC
	}
}

func leakedCell(s ScenarioReport) string {
	if !attacked(s) {
		return notApplicable
	}
	unit := s.LeakUnit
	if unit == "" {
		unit = "units"
	}
	return fmt.Sprintf("%d %s", s.LeakBefore, unit)
}

func benignCell(r Report) string {
	if r.Benign.Sessions == 0 {
		return notApplicable
	}
	return fmt.Sprintf("%d/%d", r.Benign.Hurt, r.Benign.Sessions)
}

// summary is the one-line gate verdict, like "FAIL: 2 of 3 scenarios
// breached their SLA".
func summary(r Report) string {
	failed := 0
	for _, s := range r.Scenarios {
		if !s.Pass {
			failed++
		}
	}
	switch {
	case len(r.Scenarios) == 0:
		return "FAIL: no scenario was judged"
	case r.Pass:
		return fmt.Sprintf("PASS: every SLA met (%s)", plural(len(r.Scenarios), "scenario"))
	case failed == 0:
		return "FAIL"
	default:
		return fmt.Sprintf("FAIL: %d of %s breached their SLA", failed, plural(len(r.Scenarios), "scenario"))
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
