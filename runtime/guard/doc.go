// Package guard is abusegate's enforcing reverse proxy and middleware: it
// stands in front of (or inside) a staging API, turns every exchange into
// a scenarios.Event for a runtime monitor and, in Enforce mode, applies the
// live decisions on the request's subjects: block (403), revoke (401 with
// invalid_token), challenge (401 with X-Abusegate-Challenge) and throttle
// (429 from an adaptive token bucket).
//
// It owns the HTTP side of containment — credentials (bearer tokens and
// their unverified JWT subject, API keys, session cookies), client
// addresses behind trusted proxies only, device fingerprints, geo hints,
// the business fields of login and coupon bodies, the login exchange that
// ties a token to an identity — the decision Store (memory, or Redis shared
// by replicas), and the admin API (decisions, their event stream, metrics).
// Scoring belongs to runtime/monitor. Requests the guard refuses are
// scored too, so a contained subject that keeps going is contained again,
// escalated. Passive mode (Guard.Passive) scores JSON access logs (NGINX,
// Envoy) instead of live traffic, detect-only. Replicas share decisions
// and throttle buckets through a Redis Store and, with a Sharer
// (RedisShare: a Redis Stream every replica appends its observed events
// to, off the request path, and reads the others' from into its own
// monitor), the traffic the detectors count, so an abuser spread over
// replicas is seen whole by each.
//
// GraphQL: a POST (or GET) to an endpoint the Surface serves GraphQL
// fields on is parsed (gqlparser's parser, confined to graphql.go; bodies
// up to 256 KiB) and every top-level field — aliases, fragments, each
// element of a batch — is resolved to its operation. The monitor first
// inspects the request's shape (many copies of one field are refused
// before the upstream sees them), then observes one event per field, its
// outcome read from the answer (null data and an error on its path is a
// failure, with the error's status), and a successful login field's token
// is learnt like a REST one. A denied GraphQL request gets the REST
// status (403, 401, 429) and a GraphQL errors body with an extension
// code. Documents it cannot read pass through, counted in metrics.
//
// It must not import runtime/vu, cmd, oracle or reports.
package guard
