package reports

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable writes the console verdict: one aligned row per scenario,
// then every breach, then the gate's PASS or FAIL line, so a pipeline log
// shows why it failed without opening an artifact.
func WriteTable(w io.Writer, r Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := &errWriter{w: tw}
	rows.printf("SCENARIO\tSTATUS\tT0\tDETECTED AFTER\tCONTAINED AFTER\tLEAKED\tBENIGN HURT\tSLA\n")
	for _, s := range r.Scenarios {
		sla := "PASS"
		if !s.Pass {
			sla = "FAIL"
		}
		rows.printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			s.ID, s.Status, t0Cell(r, s), detectedCell(s), containedCell(s), leakedCell(s), benignCell(r), sla)
	}
	if rows.err == nil {
		rows.err = tw.Flush()
	}
	if rows.err != nil {
		return fmt.Errorf("reports: table: %w", rows.err)
	}
	ew := &errWriter{w: w}
	first := true
	for _, s := range r.Scenarios {
		for _, b := range s.Breaches {
			if first {
				ew.printf("\nbreaches:\n")
				first = false
			}
			ew.printf("  %s: %s\n", s.ID, b.Message)
		}
	}
	ew.printf("\n%s\n", summary(r))
	if ew.err != nil {
		return fmt.Errorf("reports: table: %w", ew.err)
	}
	return nil
}

// errWriter keeps the first write error so a writer can print many lines
// and check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
