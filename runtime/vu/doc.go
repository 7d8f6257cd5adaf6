// Package vu runs virtual users: it owns time and transport. It schedules
// each VU's scenarios.Program on a timer heap and an elastic worker pool
// (executors: constant-vus, ramping-vus, constant- and ramping-arrival-rate,
// per-vu-iterations; execution segments), gives VUs identities (CSV pools,
// rotation, a cookie jar per session, a loopback source address, device and
// geo disguises), enforces the safety limits (allow-list at dial time and
// on redirects, request budget, global rate cap, graceful cancel), and
// records one scenarios.Exchange per request with bounded memory. With a
// SimClock a run is a deterministic discrete-event loop.
//
// Plain-HTTP requests go over its own lean HTTP/1.1 keep-alive client
// (h1pool.go, h1parse.go: one pool per source address, written and parsed
// on the VU's worker, deadlines instead of timers); TLS and HTTP/2 go over
// net/http. Both dial only through dialAllowed (allow-list, loopback).
//
// It imports only scenarios (and the standard library, x/sync, mpb for
// progress bars); it must not import generators, runtime/monitor,
// runtime/guard, oracle, reports or cmd. Which Program a VU runs is the
// caller's business (a Workload's factory).
package vu
