package kindtest

import (
	"fmt"
	"sort"
	"strings"
)

// ByDetector counts the guard's decisions per detector, so a guarded test
// can say which detector contained the attack and not only that one did.
func (tg *Target) ByDetector() map[string]int {
	out := map[string]int{}
	if tg.Guard == nil {
		return out
	}
	for _, d := range tg.Guard.Decisions() {
		out[d.Detector]++
	}
	return out
}

// DecisionSummary lists the guard's decisions one a line (detector,
// action, subject, reason), for a failing assertion's message.
func (tg *Target) DecisionSummary() string {
	if tg.Guard == nil {
		return "unguarded"
	}
	var lines []string
	for _, d := range tg.Guard.Decisions() {
		lines = append(lines, fmt.Sprintf("%s %v %s: %s", d.Detector, d.Action, d.Subject, d.Reason))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
