package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/abusegate/abusegate/generators/lint"
	"github.com/abusegate/abusegate/reports/sarif"
)

func newLint(std stdio) *cobra.Command {
	var (
		format, failOn string
		flags          specFlags
	)
	cmd := &cobra.Command{
		Use:   "lint SPEC",
		Short: "Find abuse-prone design in a spec, mapped to the OWASP API Security Top 10 2023",
		Long: `lint loads a spec like inspect does and reports abuse-prone design, each
finding at its spec file, line and column: predictable ids, unbounded or
missing pagination, credential, coupon and checkout endpoints with no
documented rate limit or idempotency key, personal data in lists, secrets
in answers, writable privilege fields, caller-supplied URLs, plaintext
servers, deprecated operations. --format sarif writes SARIF 2.1.0 for
GitHub code scanning.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above it
(the gate); 2 the spec could not be read or parsed, or bad usage.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" && format != "sarif" {
				return fmt.Errorf("--format %q: want text, json or sarif", format)
			}
			threshold, ok := lint.ParseSeverity(failOn)
			if !ok && failOn != "none" {
				return fmt.Errorf("--fail-on %q: want none, low, medium or high", failOn)
			}
			spec, err := loadSpec(cmd.Context(), std, args[0], flags)
			if err != nil {
				return err
			}
			rules := lint.Rules()
			findings := lint.Run(spec.surface, rules)
			switch format {
			case "json":
				err = writeLintJSON(std.out, spec, findings)
			case "sarif":
				err = lintSARIF(rules, findings).Write(std.out)
			default:
				printWarnings(std.err, spec.warnings, 20)
				err = writeLintText(std.out, findings)
			}
			if err != nil {
				return err
			}
			if failOn == "none" {
				return nil
			}
			if gate := lint.AtLeast(findings, threshold); len(gate) > 0 {
				return &exitError{code: exitBreach, err: fmt.Errorf("lint: %d finding(s) at or above %s", len(gate), threshold)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or sarif")
	cmd.Flags().StringVar(&failOn, "fail-on", "high", "exit 1 when a finding is at least this severe: none, low, medium or high")
	flags.register(cmd.Flags())
	return cmd
}

func writeLintText(w io.Writer, fs []lint.Finding) error {
	counts := map[lint.Severity]int{}
	for _, f := range fs {
		counts[f.Severity]++
		if _, err := fmt.Fprintf(w, "%s: %s %s [%s] %s\n", f.Loc, f.Severity, f.Rule, f.OWASP, f.Message); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d findings: %d high, %d medium, %d low\n", len(fs), counts[lint.High], counts[lint.Medium], counts[lint.Low])
	return err
}

func writeLintJSON(w io.Writer, spec loadedSpec, fs []lint.Finding) error {
	if fs == nil {
		fs = []lint.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Source   string         `json:"source"`
		Findings []lint.Finding `json:"findings"`
		Warnings []string       `json:"warnings"`
	}{spec.surface.Source, fs, nonNil(spec.warnings)})
}

// owaspURL is the OWASP API Security Top 10 2023 index, linked from every
// rule's help.
const owaspURL = "https://owasp.org/API-Security/editions/2023/en/0x11-t10/"

var (
	sarifLevel    = map[lint.Severity]sarif.Level{lint.High: sarif.Error, lint.Medium: sarif.Warning, lint.Low: sarif.Note}
	sarifSeverity = map[lint.Severity]string{lint.High: "8.0", lint.Medium: "5.0", lint.Low: "3.0"}
)

// lintSARIF maps rules and findings onto a SARIF log: every rule is listed
// so viewers can show its help; results point at the spec line.
func lintSARIF(rules []lint.Rule, fs []lint.Finding) *sarif.Log {
	index := map[string]int{}
	driver := sarif.Driver{Name: "abusegate", Version: toolVersion(), InformationURI: "https://github.com/abusegate/abusegate"}
	for i, r := range rules {
		index[r.ID] = i
		driver.Rules = append(driver.Rules, sarif.Rule{
			ID: r.ID, Name: r.Title,
			ShortDescription:     sarif.Text(r.Title),
			FullDescription:      sarif.Text(r.OWASP.ID + " " + r.OWASP.Name + ": " + r.Title),
			Help:                 sarif.Text(r.Help),
			HelpURI:              owaspURL,
			DefaultConfiguration: &sarif.Configuration{Level: sarifLevel[r.Severity]},
			Properties: map[string]any{
				"tags":              []string{"security", "owasp-api-top-10-2023", r.OWASP.ID},
				"security-severity": sarifSeverity[r.Severity],
			},
		})
	}
	results := make([]sarif.Result, 0, len(fs))
	for _, f := range fs {
		i := index[f.Rule]
		loc := sarif.At(f.Loc.File, f.Loc.Line, f.Loc.Column)
		if f.Operation != "" {
			loc.LogicalLocations = []sarif.LogicalLocation{{Name: f.Operation, Kind: "function"}}
		}
		sum := sha256.Sum256([]byte(strings.Join([]string{f.Rule, f.Operation, f.Message}, "\x00")))
		results = append(results, sarif.Result{
			RuleID: f.Rule, RuleIndex: &i, Level: sarifLevel[f.Severity],
			Message:             sarif.Message{Text: f.Message},
			Locations:           []sarif.Location{loc},
			PartialFingerprints: map[string]string{"abusegate/v1": hex.EncodeToString(sum[:8])},
			Properties:          map[string]any{"owasp": f.OWASP, "severity": f.Severity.String()},
		})
	}
	return sarif.NewLog(sarif.Run{Tool: sarif.Tool{Driver: driver}, Results: results})
}
