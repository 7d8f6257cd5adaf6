// Package monitor is abusegate's runtime monitor: it turns the events the
// guard (or the simulator) sees into decisions about subjects — identities,
// tokens, addresses and devices — that misuse the API.
//
// A Monitor matches each event's path against the Surface's operation
// templates (Router), attributes it to a subject (the identity behind its
// token when known, else the token, else the client address) and feeds it
// to its detectors: rate, enumeration, scraping, stuffing, reuse, coupon,
// flow, sweep, hoarding (units held in carts never checked out) and signup
// (accounts created per address, network and device). Some abuse is in
// one request's shape and is scored before it is served, so the guard
// refuses the request itself: Inspect (GraphQL aliases and batches:
// amplification), InspectRequest (a REST page over the collection's
// documented maximum, or the policy's cap: oversize) and, for REST and
// GraphQL operations alike (InspectOperations), a step called without the
// one the spec requires before it (flow) or a sign-up from a source past
// its limit (signup). Their findings raise a decaying risk score per
// subject, weighted by context (operation sensitivity, new device or place, young
// account), and the first matching rule of the Policy (YAML, validated and
// compiled) turns them into scenarios.Decisions with an action, a TTL and
// escalation for repeat offenders. Time comes only from event timestamps,
// so the same Monitor runs in real time behind the guard and in simulated
// time in process. Every table is bounded.
//
// Each subject's state lives in one record (rate counter, walk, coverage
// sketch, credential sightings, session, profile, units held) found with a single
// lookup per event; tables keyed by something else (a device, a login
// source, a cart, a cluster) stay with their detector.
//
// Detector state is per process. Guard replicas share it by feeding each
// other's events to Observe (runtime/guard's RedisShare): every replica
// then counts the whole fleet's traffic. Without that, an abuser whose
// requests a load balancer spreads over N replicas is seen by each one at
// about 1/N of its rate, and rate-like thresholds trip up to N times later.
//
// It must not import runtime/guard, runtime/vu, cmd, oracle or reports:
// those consume decisions, the monitor only produces them.
package monitor
