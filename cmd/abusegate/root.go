package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

// Exit codes, as DESIGN.md defines them.
const (
	exitOK         = 0 // every SLA met
	exitBreach     = 1 // an SLA breached: the gate
	exitUsage      = 2 // bad usage, config or spec
	exitIncomplete = 3 // the run could not complete
)

// stdio is the process's standard streams, passed in so that tests can run
// the whole CLI in process.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

// exitError carries an exit code up to run; every other error is usage (2).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errBreach is returned when a run completed and an SLA failed. The verdict
// table has already said which; run prints nothing more.
var errBreach = &exitError{code: exitBreach, err: errors.New("SLA breached")}

func incomplete(err error) error { return &exitError{code: exitIncomplete, err: err} }

// run is the CLI seam: main calls it with the process's arguments and
// streams, tests with their own. It returns the exit code.
func run(ctx context.Context, args []string, std stdio) int {
	root := newRoot(std)
	root.SetArgs(args)
	root.SetIn(std.in)
	root.SetOut(std.out)
	root.SetErr(std.err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee != errBreach {
			fmt.Fprintln(std.err, "abusegate:", err)
		}
		return ee.code
	}
	fmt.Fprintln(std.err, "abusegate:", err)
	return exitUsage
}

func newRoot(std stdio) *cobra.Command {
	root := &cobra.Command{
		Use:   "abusegate",
		Short: "Abuse simulation and misuse testing for HTTP APIs, gated on time to detect and contain",
		Long: `abusegate builds misuse scenarios from an API spec, runs them with concurrent
virtual users beside benign users, and measures how fast the runtime monitor
detects and contains the abuse: MTTD, MTTC, what leaked and which benign users
were hurt. The exit code gates the pipeline:

  0  every SLA met
  1  an SLA breached
  2  bad usage, config or spec
  3  the run could not complete (target unreachable, interrupted)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newDemo(std), newVersion(std))
	root.AddCommand(newInspect(std), newLint(std))
	root.AddCommand(newReport(std))
	root.AddCommand(newGenerate(std), newSchema(std), newScenarios(std))
	root.AddCommand(newGuard(std), newMonitor(std))
	root.AddCommand(newRun(std), newSimulate(std), newDemoshop(std))
	return root
}

// logger is the library logger for a command: warnings and above on stderr.
func logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
