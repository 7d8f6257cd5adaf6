package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/abusegate/abusegate/reports/sarif"
)

// run findings are SARIF results of a judged run, one per scenario that
// leaked or breached its SLA, at the spec location of the operation it
// abused, so code scanning shows "GET /users/{id}: 180 foreign records
// read before containment" on the line that declares the operation.

const infoURI = "https://github.com/abusegate/abusegate"

// WriteSARIF writes the report's findings as SARIF 2.1.0: a rule per
// misuse kind, a result per scenario that leaked or failed its SLA (error
// when it failed, warning when it passed but leaked), located at each
// operation the scenario abused.
func WriteSARIF(w io.Writer, r Report) error {
	driver := sarif.Driver{Name: "abusegate", Version: r.Tool, InformationURI: infoURI}
	index := map[string]int{}
	var results []sarif.Result
	for _, s := range r.Scenarios {
		if s.Pass && s.LeakTotal == 0 {
			continue
		}
		i, ok := index[s.Kind]
		if !ok {
			i = len(driver.Rules)
			index[s.Kind] = i
			driver.Rules = append(driver.Rules, sarif.Rule{
				ID:                   s.Kind,
				Name:                 s.Kind,
				ShortDescription:     sarif.Text("Misuse " + s.Kind + " was not detected and contained within its SLA"),
				Help:                 sarif.Text("abusegate ran this misuse against the target and measured time to detect, time to contain and what leaked before containment. Tighten the runtime policy or fix the operation's design."),
				HelpURI:              infoURI,
				DefaultConfiguration: &sarif.Configuration{Level: sarif.Error},
				Properties:           map[string]any{"tags": []string{"security", "abuse", s.Kind}, "security-severity": "7.5"},
			})
		}
		level := sarif.Error
		if s.Pass {
			level = sarif.Warning
		}
		res := sarif.Result{
			RuleID:              s.Kind,
			RuleIndex:           ptr(i),
			Level:               level,
			PartialFingerprints: map[string]string{"abusegateScenario/v1": s.ID},
			Properties: map[string]any{
				"scenario": s.ID, "status": s.Status, "leak_before_containment": s.LeakBefore, "leak_total": s.LeakTotal,
			},
		}
		op := ""
		for _, o := range s.Operations {
			if op == "" {
				op = o.Operation
			}
			loc := sarif.Location{LogicalLocations: []sarif.LogicalLocation{{Name: o.Operation, Kind: "function"}}}
			if o.File != "" {
				loc = sarif.At(o.File, o.Line, o.Column)
				loc.LogicalLocations = []sarif.LogicalLocation{{Name: o.Operation, Kind: "function"}}
			}
			res.Locations = append(res.Locations, loc)
		}
		if len(res.Locations) > 1 {
			// The first operation is the abused one; the others set it up.
			res.Locations = res.Locations[:1]
		}
		res.Message = sarif.Message{Text: findingText(s, op)}
		results = append(results, res)
	}
	if results == nil {
		results = []sarif.Result{}
	}
	return sarif.NewLog(sarif.Run{Tool: sarif.Tool{Driver: driver}, Results: results}).Write(w)
}

// findingText is one finding in words, leading with the operation.
func findingText(s ScenarioReport, op string) string {
	var b strings.Builder
	if op != "" {
		b.WriteString(op + ": ")
	}
	unit := s.LeakUnit
	if unit == "" {
		unit = "units"
	}
	switch {
	case s.Contained:
		fmt.Fprintf(&b, "%d %s obtained before containment (contained after %s", s.LeakBefore, unit, s.MTTC)
	default:
		fmt.Fprintf(&b, "%d %s obtained, never contained (%s", s.LeakBefore, unit, s.Status)
	}
	if s.Detected {
		fmt.Fprintf(&b, ", detected after %s", s.MTTD)
	}
	b.WriteString(")")
	for i, br := range s.Breaches {
		if i == 0 {
			b.WriteString(". SLA breached: ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(br.Message)
	}
	b.WriteString(". Scenario " + s.ID + ".")
	return b.String()
}
