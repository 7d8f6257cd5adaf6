// Package monitor is abusegate's runtime monitor: it turns the events the
// guard (or the simulator) sees into decisions about subjects — identities,
// tokens, addresses and devices — that misuse the API.
//
// A Monitor matches each event's path against the Surface's operation
// templates (Router), attributes it to a subject (the identity behind its
// token when known, else the token, else the client address) and feeds it
// to its detectors: rate, enumeration, scraping, stuffing, reuse, coupon
// and flow. Their findings raise a decaying risk score per subject,
// weighted by context (operation sensitivity, new device or place, young
// account), and the first matching rule of the Policy (YAML, validated and
// compiled) turns them into scenarios.Decisions with an action, a TTL and
// escalation for repeat offenders. Time comes only from event timestamps,
// so the same Monitor runs in real time behind the guard and in simulated
// time in process. Every table is bounded.
//
// It must not import runtime/guard, runtime/vu, cmd, oracle or reports:
// those consume decisions, the monitor only produces them.
package monitor
