package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/abusegate/abusegate/reports"
)

func newReportMerge(std stdio) *cobra.Command {
	var dir string
	var formats []string
	cmd := &cobra.Command{
		Use:   "merge SHARD/report.json...",
		Short: "Join the shards of a run split with --segment into the report of the whole run",
		Long: `merge reads each shard's report.json and the compact timeline written beside
it (timeline.jsonl.gz), puts every shard's exchanges and decisions on one time
axis (a decision several shards heard from one guard counted once) and judges
the whole run again: MTTD, MTTC and leaks of a sharded run cannot be added up
from the shards' verdicts. It writes the merged reports and timeline into
--report-dir and exits like run: 0 every SLA met, 1 an SLA breached.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var shards []reports.Shard
			for _, p := range args {
				rep, err := readReport(p)
				if err != nil {
					return err
				}
				shards = append(shards, reports.Shard{Path: p, Report: rep})
			}
			m, err := reports.Merge(shards)
			if err != nil {
				return err
			}
			rep := m.Report
			rep.TimelineFile = reports.TimelineFileName
			if err := reports.WriteTable(std.out, rep); err != nil {
				return err
			}
			paths, err := reports.WriteDir(dir, rep, formats...)
			if err != nil {
				if strings.Contains(err.Error(), "unknown format") {
					return err
				}
				return incomplete(err)
			}
			tp := filepath.Join(dir, reports.TimelineFileName)
			if err := reports.WriteTimelineFile(tp, m.Timeline, m.Scenarios, rep.Segment, nil); err != nil {
				return incomplete(err)
			}
			for _, p := range append(paths, tp) {
				fmt.Fprintln(std.err, "wrote", p)
			}
			if !rep.Pass {
				return errBreach
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "report-dir", "abusegate-report", "directory the merged reports are written into")
	cmd.Flags().StringSliceVar(&formats, "format", defaultFormats, "report formats: json, md, html, junit, sarif, table")
	return cmd
}
