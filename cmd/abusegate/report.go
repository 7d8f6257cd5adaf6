package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/abusegate/abusegate/reports"
)

func newReport(std stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Compare reports with a baseline and re-render them",
	}
	cmd.AddCommand(newReportDiff(std), newReportRender(std), newReportMerge(std))
	return cmd
}

func newReportDiff(std stdio) *cobra.Command {
	tol := reports.DefaultTolerance()
	cmd := &cobra.Command{
		Use:   "diff BASE.json NEW.json",
		Short: "Show what changed against a baseline; exit 1 on a regression",
		Long: `diff compares a run's report.json with a baseline's, scenario by scenario.
Regressions are MTTD or MTTC up beyond the tolerance, a scenario no longer
detected or contained, more leaked before containment, more benign sessions
hurt, a scenario missing or newly breaching its SLA. It exits 1 when there is
at least one, so a pull request can fail on a slower containment even while
the absolute SLA still holds.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := readReport(args[0])
			if err != nil {
				return err
			}
			cur, err := readReport(args[1])
			if err != nil {
				return err
			}
			changes := reports.Diff(base, cur, tol)
			if err := reports.WriteDiff(std.out, changes); err != nil {
				return err
			}
			if reports.Regressed(changes) {
				return &exitError{code: exitBreach, err: fmt.Errorf("regression against %s", args[0])}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.DurationVar(&tol.Time, "tolerance-time", tol.Time, "slack on MTTD and MTTC before a slower run is a regression")
	f.Float64Var(&tol.Ratio, "tolerance-ratio", tol.Ratio, "and the factor over the baseline it must also exceed")
	f.IntVar(&tol.Leak, "tolerance-leak", tol.Leak, "slack on leak before containment, in the scenario's unit")
	return cmd
}

func newReportRender(std stdio) *cobra.Command {
	var formats []string
	var dir string
	cmd := &cobra.Command{
		Use:   "render REPORT.json",
		Short: "Write a report in other formats (md, html, junit, table, json)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep, err := readReport(args[0])
			if err != nil {
				return err
			}
			paths, err := reports.WriteDir(dir, rep, formats...)
			if err != nil {
				if strings.Contains(err.Error(), "unknown format") {
					return err
				}
				return incomplete(err)
			}
			for _, p := range paths {
				fmt.Fprintln(std.err, "wrote", p)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&formats, "format", []string{"md", "html", "junit"}, "formats to write: json, md, html, junit, table")
	cmd.Flags().StringVar(&dir, "report-dir", "abusegate-report", "directory to write into")
	return cmd
}

func readReport(path string) (reports.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return reports.Report{}, err
	}
	defer f.Close()
	return reports.ReadJSON(f, path)
}
