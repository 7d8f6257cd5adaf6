package reports

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteMarkdown writes the report as GitHub-flavoured Markdown, sized for a
// pull request comment or $GITHUB_STEP_SUMMARY: a title, the gate's PASS
// or FAIL line, one table row per scenario, then every breach in words.
func WriteMarkdown(w io.Writer, r Report) error {
	ew := &errWriter{w: w}
	title := "abusegate"
	if r.Command != "" {
		title += " " + r.Command
	}
	ew.printf("# %s\n\n", mdText(title))
	ew.printf("**%s**\n\n", mdText(summary(r)))
	if line := metaLine(r); line != "" {
		ew.printf("%s\n\n", line)
	}

	if len(r.Scenarios) > 0 {
		ew.printf("| scenario | status | t0 | detected after | contained after | leaked before containment | benign hurt | SLA |\n")
		ew.printf("|---|---|---|---|---|---|---|---|\n")
	}
	for _, s := range r.Scenarios {
		name := "`" + mdCode(s.ID) + "`"
		if s.Title != "" {
			name += " " + mdText(s.Title)
		}
		sla := "✅ met"
		if !s.Pass {
			sla = "❌ breached"
		}
		ew.printf("| %s | %s | %s | %s | %s | %s | %s | %s |\n",
			name, mdText(s.Status), t0Cell(r, s), detectedCell(s), containedCell(s), mdText(leakedCell(s)), benignCell(r), sla)
	}

	first := true
	for _, s := range r.Scenarios {
		for _, b := range s.Breaches {
			if first {
				ew.printf("\n## Breaches\n\n")
				first = false
			}
			ew.printf("- `%s` (%s): %s\n", mdCode(s.ID), mdText(b.Bound), mdText(b.Message))
		}
	}
	if len(r.Kinds) > 0 {
		ew.printf("\n## By kind\n\n| kind | scenarios | detected | contained | MTTD mean / p50 / p95 | MTTC mean / p50 / p95 |\n|---|---|---|---|---|---|\n")
		for _, k := range r.Kinds {
			ew.printf("| `%s` | %d | %d | %d | %s | %s |\n", mdCode(k.Kind), k.Scenarios, k.Detected, k.Contained,
				statsCell(k.MTTD), statsCell(k.MTTC))
		}
		res := r.Resilience
		ew.printf("\n## Resilience\n\n")
		ew.printf("- authenticated abuse attempts blocked: %s\n", shareCell(res.AuthBlocked, res.AuthAttempts))
		ew.printf("- business-logic manipulation attempts prevented: %s\n", shareCell(res.LogicPrevented, res.LogicAttempts))
		ew.printf("- revenue leakage (discount obtained): %s before containment, %s after\n",
			centsCell(res.RevenueLeakBefore), centsCell(res.RevenueLeakAfter))
	}
	if len(r.Benign.HurtSessions) > 0 {
		ew.printf("\n## Benign sessions hurt\n\n%d of %d benign sessions (%.1f%%) received a containment answer: %s\n",
			r.Benign.Hurt, r.Benign.Sessions, 100*r.Benign.Rate, mdList(r.Benign.HurtSessions))
	}
	if ew.err != nil {
		return fmt.Errorf("reports: markdown: %w", ew.err)
	}
	return nil
}

// metaLine is the run's context in one line: mode, target, time, version.
func metaLine(r Report) string {
	var parts []string
	if r.Mode != "" {
		parts = append(parts, "mode `"+mdCode(r.Mode)+"`")
	}
	if r.Target != "" {
		parts = append(parts, "target `"+mdCode(r.Target)+"`")
	}
	if r.Simulated {
		parts = append(parts, "simulated time")
	}
	if !r.Started.IsZero() {
		when := r.Started.UTC().Format(time.RFC3339)
		if r.Duration != "" {
			when += " for " + r.Duration
		}
		parts = append(parts, "started "+when)
	}
	if r.Tool != "" {
		parts = append(parts, "abusegate "+mdText(r.Tool))
	}
	return strings.Join(parts, " · ")
}

func mdList(ids []string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = "`" + mdCode(id) + "`"
	}
	return strings.Join(quoted, ", ")
}

// mdText makes free text safe inside a table cell or list item: no line
// breaks, no column separators, no accidental emphasis or HTML.
var mdTextReplacer = strings.NewReplacer(
	"\r", " ", "\n", " ", "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;",
)

func mdText(s string) string { return mdTextReplacer.Replace(s) }

// mdCode makes text safe inside a `code span` within a table cell.
var mdCodeReplacer = strings.NewReplacer("\r", " ", "\n", " ", "|", `\|`, "`", "'")

func mdCode(s string) string { return mdCodeReplacer.Replace(s) }
