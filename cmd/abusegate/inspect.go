package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/generators/openapi"
	"github.com/abusegate/abusegate/scenarios"
)

// specFlags say where a spec may be read from; inspect and lint share them.
type specFlags struct {
	allowHosts      []string
	allowRemoteRefs bool
}

func (f *specFlags) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&f.allowHosts, "allow-host", nil, "host a spec URL (and, with --allow-remote-refs, its $refs) may be fetched from, besides loopback; repeatable")
	fs.BoolVar(&f.allowRemoteRefs, "allow-remote-refs", false, "let $refs point at http(s) URLs on allowed hosts")
}

// loadedSpec is a spec's surface and the warnings loading it raised, as
// plain strings so every adapter's warnings print alike.
type loadedSpec struct {
	surface  scenarios.Surface
	warnings []string
}

// loadSpec reads a spec from a path, "-" or a URL. An unreadable or
// malformed spec is a usage error (exit 2) whose message names the file,
// line and problem.
func loadSpec(ctx context.Context, std stdio, src string, f specFlags) (loadedSpec, error) {
	if isGraphQLFile(src) {
		s, warns, err := graphql.LoadFiles(graphql.Options{}, src)
		if err != nil {
			return loadedSpec{}, err
		}
		out := loadedSpec{surface: s}
		for _, w := range warns {
			out.warnings = append(out.warnings, w.String())
		}
		return out, nil
	}
	opts := openapi.Options{AllowHosts: f.allowHosts, RemoteRefs: f.allowRemoteRefs, Stdin: std.in}
	s, warns, err := opts.Read(ctx, src)
	if err != nil {
		return loadedSpec{}, err
	}
	out := loadedSpec{surface: s}
	for _, w := range warns {
		out.warnings = append(out.warnings, w.String())
	}
	return out, nil
}

// isGraphQLFile picks the GraphQL adapter for a local SDL file or
// introspection result; everything else is OpenAPI.
func isGraphQLFile(src string) bool {
	if src == "-" || strings.Contains(src, "://") {
		return false
	}
	switch strings.ToLower(filepath.Ext(src)) {
	case ".graphql", ".graphqls", ".gql":
		return true
	case ".json":
		data, err := os.ReadFile(src)
		return err == nil && graphql.Detect(src, data)
	}
	return false
}

// printWarnings writes up to max warnings to w, then how many were left out.
func printWarnings(w io.Writer, warns []string, max int) {
	for i, s := range warns {
		if i == max {
			fmt.Fprintf(w, "warning: ... and %d more (use --format json to see them all)\n", len(warns)-max)
			return
		}
		fmt.Fprintln(w, "warning:", s)
	}
}

func newInspect(std stdio) *cobra.Command {
	var (
		format string
		flags  specFlags
	)
	cmd := &cobra.Command{
		Use:   "inspect SPEC",
		Short: "Show a spec's abuse-relevant surface: object ids, collections, auth, coupon-like and sensitive flows",
		Long: `inspect loads an OpenAPI (Swagger 2.0, OpenAPI 3.0 or 3.1) spec from a file,
"-" (stdin) or a loopback/allow-listed URL, or a GraphQL schema file (SDL
or introspection JSON), and prints what abuse sees in it:
each operation's roles with confidence, its object-id parameter and how
predictable it is, pagination and page-size limits, authentication and a
sensitivity grade. x-abuse extensions override the heuristics
(docs/x-abuse.md).

Exit codes: 0 the spec loaded; 2 it could not be read or parsed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			spec, err := loadSpec(cmd.Context(), std, args[0], flags)
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(std.out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Surface  scenarios.Surface `json:"surface"`
					Warnings []string          `json:"warnings"`
				}{spec.surface, nonNil(spec.warnings)})
			}
			printWarnings(std.err, spec.warnings, 20)
			return writeSurfaceTable(std.out, spec.surface)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	flags.register(cmd.Flags())
	return cmd
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeSurfaceTable(w io.Writer, s scenarios.Surface) error {
	fmt.Fprintf(w, "%s %s (%s) from %s: %d operations\n", s.Title, s.Version, s.Format, s.Source, len(s.Operations))
	for _, a := range s.AuthSchemes {
		where := ""
		if a.Param != "" {
			where = fmt.Sprintf(" (%s %s)", a.In, a.Param)
		}
		fmt.Fprintf(w, "auth: %s %s%s\n", a.Name, a.Type, where)
	}
	for _, srv := range s.Servers {
		fmt.Fprintf(w, "server: %s\n", srv.URL)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tAUTH\tSENSITIVITY\tROLES\tOBJECT ID\tPAGINATION\tRULES")
	for _, o := range s.Operations {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.Key(), yesNo(o.Auth), o.Sensitivity, roleCell(o), idCell(o), pageCell(o), rulesCell(o))
	}
	return tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func roleCell(o scenarios.Operation) string {
	parts := make([]string, 0, len(o.Roles))
	for _, r := range o.Roles {
		parts = append(parts, fmt.Sprintf("%s %.2f", r.Role, r.Confidence))
	}
	return dash(strings.Join(parts, ", "))
}

func idCell(o scenarios.Operation) string {
	for _, p := range slices.Backward(o.Params) {
		if p.Role == scenarios.ParamObjectID && strings.HasSuffix(o.Path, "{"+p.Name+"}") {
			return idText(p)
		}
	}
	if p, ok := o.ObjectID(); ok {
		return idText(p)
	}
	return "-"
}

func idText(p scenarios.Param) string {
	s := fmt.Sprintf("%s (%s", p.Name, p.IDKind)
	if p.IDKind.Predictable() {
		s += ", predictable"
	}
	return s + ")"
}

func pageCell(o scenarios.Operation) string {
	pg := o.Pagination
	if pg == nil {
		return "-"
	}
	max := "unbounded"
	if pg.MaxSize > 0 {
		max = fmt.Sprintf("max %d", pg.MaxSize)
	}
	if pg.SizeParam == "" {
		return pg.Style.String()
	}
	return fmt.Sprintf("%s, %s %s", pg.Style, pg.SizeParam, max)
}

func rulesCell(o scenarios.Operation) string {
	var parts []string
	r := o.Rules
	if r.OneCouponPerOrder {
		parts = append(parts, "one coupon per order")
	}
	if r.MaxPageSize > 0 {
		parts = append(parts, fmt.Sprintf("max page %d", r.MaxPageSize))
	}
	if r.RateLimit != "" {
		parts = append(parts, "rate "+r.RateLimit)
	}
	for _, p := range r.RequiresPrevious {
		parts = append(parts, "after "+p)
	}
	return dash(strings.Join(parts, "; "))
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
