// Package vu runs virtual users: it owns time and transport, and drives the
// scenarios.Program of each VU, recording one scenarios.Exchange per request
// into the run's timeline.
//
// It imports only scenarios (and the standard library, x/sync); it must not
// import generators, runtime/monitor, runtime/guard, oracle, reports or cmd.
// Which Program a VU runs is the caller's business (a Workload's factory).
package vu
