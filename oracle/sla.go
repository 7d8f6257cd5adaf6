package oracle

import (
	"fmt"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Bound names which SLA bound a Breach broke, so that reports and
// dashboards can group breaches without parsing messages.
type Bound string

// Bounds an SLA can break. BoundAttack is not an SLA field: a scenario
// whose misuse was never carried out breaks it, because a gate that passes
// on an attack that never happened proves nothing.
const (
	BoundMTTD   Bound = "mttd"
	BoundMTTC   Bound = "mttc"
	BoundLeak   Bound = "leak"
	BoundBenign Bound = "benign"
	BoundAttack Bound = "attack"
)

// Breach is one SLA bound a scenario broke, in words a pipeline log can
// show as is: Limit and Got as rendered values ("5s", "242 foreign
// records"), Over as the excess ("by 2.3s", empty when Got is "never"), and
// Message as the whole sentence.
type Breach struct {
	Bound   Bound
	Limit   string
	Got     string
	Over    string
	Message string
}

func (b Breach) String() string { return b.Message }

// breaches checks a verdict against its SLA and the run's benign harm.
// Zero durations and negative counts are "no bound".
func breaches(v Verdict, benign Benign) []Breach {
	sla := v.SLA
	var out []Breach
	if v.Status == NoAttack {
		out = append(out, Breach{
			Bound:   BoundAttack,
			Limit:   "at least 1 abusive request",
			Got:     "0",
			Message: "no abusive request was sent, so detection and containment could not be measured",
		})
	} else {
		out = appendDuration(out, BoundMTTD, "MTTD", "detected", sla.MTTD, v.Detected, v.MTTD)
		out = appendDuration(out, BoundMTTC, "MTTC", "contained", sla.MTTC, v.Contained, v.MTTC)
		if sla.MaxLeak >= 0 && v.LeakBefore > sla.MaxLeak {
			what := "leak before containment"
			if !v.Contained {
				what = "leak (never contained)"
			}
			unit := leakUnit(v.LeakUnit)
			b := Breach{
				Bound: BoundLeak,
				Limit: fmt.Sprintf("%d %s", sla.MaxLeak, unit),
				Got:   fmt.Sprintf("%d %s", v.LeakBefore, unit),
				Over:  fmt.Sprintf("by %d %s", v.LeakBefore-sla.MaxLeak, unit),
			}
			b.Message = fmt.Sprintf("%s %s exceeds the SLA of %s %s", what, b.Got, b.Limit, b.Over)
			out = append(out, b)
		}
	}
	if sla.MaxBenign >= 0 && benign.Hurt > sla.MaxBenign {
		b := Breach{
			Bound: BoundBenign,
			Limit: sessions(sla.MaxBenign),
			Got:   fmt.Sprintf("%s of %d", sessions(benign.Hurt), benign.Sessions),
			Over:  "by " + sessions(benign.Hurt-sla.MaxBenign),
		}
		b.Message = fmt.Sprintf("benign sessions hurt %s exceeds the SLA of %s %s", b.Got, b.Limit, b.Over)
		out = append(out, b)
	}
	return out
}

// appendDuration checks one time bound (MTTD or MTTC); never reaching the
// event breaks any bound.
func appendDuration(out []Breach, bound Bound, name, event string, limit time.Duration, ok bool, got time.Duration) []Breach {
	if limit <= 0 {
		return out
	}
	if !ok {
		return append(out, Breach{
			Bound:   bound,
			Limit:   FormatDuration(limit),
			Got:     "never",
			Message: fmt.Sprintf("never %s (SLA: %s within %s)", event, name, FormatDuration(limit)),
		})
	}
	if got <= limit {
		return out
	}
	b := Breach{
		Bound: bound,
		Limit: FormatDuration(limit),
		Got:   FormatDuration(got),
		Over:  "by " + FormatDuration(got-limit),
	}
	b.Message = fmt.Sprintf("%s %s exceeds the SLA of %s %s", name, b.Got, b.Limit, b.Over)
	return append(out, b)
}

func leakUnit(u string) string {
	if u == "" {
		return "units"
	}
	return u
}

func sessions(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}

// effectiveSLA fills the defaults the oracle applies to a scenario's SLA.
func effectiveSLA(s scenarios.SLA) scenarios.SLA {
	if s.MaxSuccess <= 0 {
		s.MaxSuccess = DefaultMaxSuccess
	}
	return s
}
