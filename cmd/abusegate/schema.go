package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/abusegate/abusegate/reports"
	"github.com/abusegate/abusegate/scenarios"
)

func newSchema(std stdio) *cobra.Command {
	var check, spec string
	var report bool
	var sf specFlags
	cmd := &cobra.Command{
		Use:   "schema [--report | --check PLAN [--spec SPEC]]",
		Short: "Print the JSON Schema of abusegate.yaml or report.json, or check a plan against it",
		Long: `schema prints the JSON Schema of abusegate.yaml for editors. With --report it
prints the JSON Schema (draft 2020-12) of report.json instead, for tools that read
reports. With --check it validates a plan and lists every problem with its
file:line:col (exit 2); with --spec too, every operation the plan names must be in
that spec.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if report {
				_, err := std.out.Write(reports.Schema())
				return err
			}
			if check == "" {
				enc := json.NewEncoder(std.out)
				enc.SetIndent("", "  ")
				return enc.Encode(scenarios.PlanSchema())
			}
			data, err := os.ReadFile(check)
			if err != nil {
				return err
			}
			f, err := scenarios.LoadPlan(check, data)
			if err != nil {
				return err
			}
			checks := scenarios.PlanChecks{Kinds: catalog().IDs()}
			if spec != "" {
				s, err := readSurface(cmd, std, generateOptions{spec: spec, specFlags: sf})
				if err != nil {
					return err
				}
				checks.Operations = []string{}
				for _, op := range s.Operations {
					checks.Operations = append(checks.Operations, op.Key())
				}
			}
			if err := f.Validate(checks); err != nil {
				return fmt.Errorf("%s is not a valid plan:\n%w", check, err)
			}
			fmt.Fprintf(std.out, "%s: ok\n", check)
			return nil
		},
	}
	cmd.Flags().BoolVar(&report, "report", false, "print the JSON Schema of report.json instead")
	cmd.Flags().StringVar(&check, "check", "", "validate this plan instead of printing the schema")
	cmd.Flags().StringVar(&spec, "spec", "", "with --check: the spec the plan's operations must be in")
	sf.register(cmd.Flags())
	cmd.MarkFlagsMutuallyExclusive("report", "check")
	return cmd
}
