package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/builtin"
)

// catalog is the registry of built-in misuse kinds.
func catalog() *generators.Registry {
	r := generators.NewRegistry()
	builtin.Register(r)
	return r
}

func newScenarios(std stdio) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenarios",
		Short: "The catalog of misuse kinds, with OWASP API Top 10 2023 and OAT ids",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List every misuse kind",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(std.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTITLE\tOWASP\tOAT\tLEAK UNIT")
			for _, k := range catalog().All() {
				i := k.Info()
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", i.ID, i.Title, strings.Join(i.OWASP, ","), orDash(strings.Join(i.OAT, ",")), i.LeakUnit)
			}
			return tw.Flush()
		},
	}, &cobra.Command{
		Use:   "show ID",
		Short: "Describe one misuse kind",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			k, err := catalog().Lookup(args[0])
			if err != nil {
				return err
			}
			i := k.Info()
			fmt.Fprintf(std.out, "id:        %s\ntitle:     %s\nowasp:     %s\noat:       %s\nneeds:     %s\nleak unit: %s\n",
				i.ID, i.Title, strings.Join(i.OWASP, ", "), orDash(strings.Join(i.OAT, ", ")), i.Needs, i.LeakUnit)
			return nil
		},
	})
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
