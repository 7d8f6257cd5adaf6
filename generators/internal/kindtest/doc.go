// Package kindtest runs misuse kinds against the embedded demo shop, for the
// kinds' own tests: a real shop on a loopback httptest server (unguarded,
// or behind runtime/guard and runtime/monitor as the demo wires them), the
// shop's real OpenAPI spec through the real adapter, and the real-time VU
// runner. It is imported only by _test files; it may import runtime/* and
// internal/demoshop, which the generators themselves must not.
package kindtest
