// Command abusegate attacks an HTTP API with misuse scenarios, measures how
// fast a runtime monitor detects and contains them, and gates a pipeline on
// the result. See DESIGN.md for the map and README.md to get started.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}
