package reports

import (
	"fmt"
	"io"
	"time"
)

// Tolerance is how much worse a new run may be than its baseline before
// Diff calls it a regression: timing on shared CI runners is noisy, leaks
// and harm are not.
type Tolerance struct {
	// Time is the slack on MTTD and MTTC: a regression needs both more than
	// Time and more than Ratio times the baseline.
	Time  time.Duration
	Ratio float64
	// Leak is the slack on leak before containment, in the scenario's unit.
	Leak int
}

// DefaultTolerance absorbs runner noise: half a second and 25% on timings,
// no extra leak.
func DefaultTolerance() Tolerance { return Tolerance{Time: 500 * time.Millisecond, Ratio: 1.25} }

// Change is one difference between a baseline and a new run.
type Change struct {
	Scenario string
	// Regression is true when the new run is worse beyond tolerance.
	Regression bool
	Message    string
}

// Diff compares a new report with a baseline, scenario by scenario (by id),
// and returns every change: regressions (MTTD or MTTC up, newly
// undetected or uncontained, more leaked, more benign sessions hurt, a
// scenario gone) and improvements.
func Diff(base, cur Report, tol Tolerance) []Change {
	var out []Change
	add := func(id string, reg bool, format string, args ...any) {
		out = append(out, Change{Scenario: id, Regression: reg, Message: fmt.Sprintf(format, args...)})
	}
	old := make(map[string]ScenarioReport, len(base.Scenarios))
	for _, s := range base.Scenarios {
		old[s.ID] = s
	}
	seen := make(map[string]bool)
	for _, n := range cur.Scenarios {
		seen[n.ID] = true
		b, ok := old[n.ID]
		if !ok {
			add(n.ID, !n.Pass, "new scenario: %s", n.Status)
			continue
		}
		switch {
		case b.Detected && !n.Detected:
			add(n.ID, true, "no longer detected (was after %s)", b.MTTD)
		case !b.Detected && n.Detected:
			add(n.ID, false, "now detected after %s", n.MTTD)
		case b.Detected && n.Detected:
			timing(add, n.ID, "MTTD", *b.MTTDSeconds, *n.MTTDSeconds, tol)
		}
		switch {
		case b.Contained && !n.Contained:
			add(n.ID, true, "no longer contained (was after %s)", b.MTTC)
		case !b.Contained && n.Contained:
			add(n.ID, false, "now contained after %s", n.MTTC)
		case b.Contained && n.Contained:
			timing(add, n.ID, "MTTC", *b.MTTCSeconds, *n.MTTCSeconds, tol)
		}
		switch {
		case n.LeakBefore > b.LeakBefore+tol.Leak:
			add(n.ID, true, "leak before containment up from %d to %d %s", b.LeakBefore, n.LeakBefore, n.LeakUnit)
		case n.LeakBefore < b.LeakBefore:
			add(n.ID, false, "leak before containment down from %d to %d %s", b.LeakBefore, n.LeakBefore, n.LeakUnit)
		}
		if b.Pass && !n.Pass {
			add(n.ID, true, "SLA now breached")
		}
	}
	for _, b := range base.Scenarios {
		if !seen[b.ID] {
			add(b.ID, true, "scenario missing from the new run")
		}
	}
	switch {
	case cur.Benign.Hurt > base.Benign.Hurt:
		add("", true, "benign sessions hurt up from %d to %d", base.Benign.Hurt, cur.Benign.Hurt)
	case cur.Benign.Hurt < base.Benign.Hurt:
		add("", false, "benign sessions hurt down from %d to %d", base.Benign.Hurt, cur.Benign.Hurt)
	}
	return out
}

func timing(add func(string, bool, string, ...any), id, what string, was, now float64, tol Tolerance) {
	wasD := time.Duration(was * float64(time.Second))
	nowD := time.Duration(now * float64(time.Second))
	switch {
	case nowD-wasD > tol.Time && now > was*tol.Ratio:
		add(id, true, "%s up from %s to %s", what, shortDuration(wasD), shortDuration(nowD))
	case wasD-nowD > tol.Time && was > now*tol.Ratio:
		add(id, false, "%s down from %s to %s", what, shortDuration(wasD), shortDuration(nowD))
	}
}

// Regressed reports whether any change is a regression.
func Regressed(changes []Change) bool {
	for _, c := range changes {
		if c.Regression {
			return true
		}
	}
	return false
}

// WriteDiff writes changes as a list, regressions first, for a console or
// a pull-request comment.
func WriteDiff(w io.Writer, changes []Change) error {
	ew := &errWriter{w: w}
	if len(changes) == 0 {
		ew.printf("no change against the baseline\n")
	}
	for _, reg := range []bool{true, false} {
		for _, c := range changes {
			if c.Regression != reg {
				continue
			}
			mark, who := "+", c.Scenario
			if reg {
				mark = "REGRESSION"
			}
			if who == "" {
				who = "run"
			}
			ew.printf("%s %s: %s\n", mark, who, c.Message)
		}
	}
	if ew.err != nil {
		return fmt.Errorf("reports: diff: %w", ew.err)
	}
	return nil
}
