// Package harness is one run of an abusegate.yaml plan, whatever drives
// it: the compiled plan's scenarios get their identities and their kinds'
// Programs, become vu.Workloads, run on a vu.Runner (real time over the
// network for `run`, simulated time for `simulate`, its requests served by
// Options.Handler in process), and what they leave — the timeline, the decisions of every
// detection source (the in-process shadow monitor, a remote guard's
// decision stream, webhook alerts, response signals) — goes to the oracle
// and into one report.
//
// It owns the wiring between the engines, the detection sources' clients
// and servers (SSE, webhook) and the secrets' redaction; it owns no
// engine. It imports generators, runtime/*, oracle,
// reports and scenarios; only cmd imports it.
package harness
