// Package monitor is abusegate's runtime monitor: it turns the events the
// guard (or the simulator) sees into decisions about subjects — identities,
// tokens and addresses — that misuse the API.
//
// A Monitor matches each event's path against the Surface's operation
// templates (Router), attributes it to a subject (the identity behind its
// token when known, else the token, else the client address), feeds it to
// its detectors and turns their findings into scenarios.Decisions with an
// expiry. Time comes only from event timestamps, so the same Monitor runs in
// real time behind the guard and in simulated time in process.
//
// It must not import runtime/guard, runtime/vu, cmd, oracle or reports:
// those consume decisions, the monitor only produces them.
package monitor
