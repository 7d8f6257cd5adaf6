// Package guard is abusegate's enforcing reverse proxy: it stands in front
// of a staging API, reports every exchange to a runtime monitor and, in
// Enforce mode, denies the subjects the monitor decided to contain.
//
// It owns the HTTP side of containment — bearer tokens, client addresses,
// the login exchange that ties a token to an identity, the 403 answer —
// and a store of live decisions. Scoring belongs to runtime/monitor.
//
// It must not import runtime/vu, cmd, oracle or reports.
package guard
