// Package responder serves any API from its description: an http.Handler
// that stands in for the real service in a simulated run, so that
// `abusegate simulate` needs no server for any spec.
//
// It owns route matching by path template, answer bodies taken from the
// spec's examples or synthesized deterministically (seeded) from its body
// shapes, and just enough state for every misuse kind of the catalog to
// succeed against it: accounts that log in and receive tokens, sign-ups
// that create accounts, a cart per account that coupons discount and a
// checkout pays, collections of a fixed size that honour page, offset,
// cursor and size parameters (bounded by MaxPage and MaxBody), records
// whose ids take the spec's form (uuid, or minted from its example:
// Twilio's "CR" + 32 hex digits) in "id" and in the field their object
// read names, object reads that echo the id of their path, and 401 for
// authenticated operations called without credentials. GraphQL documents
// are answered field by field the same way, synthesizing only what their
// selection sets select (gqlanswer.go): lists, Relay connections
// included, at the window their arguments ask for, within one budget of
// values a document (gqlparse.go reads just enough of the grammar: the
// adapters' parser stays in generators/graphql). It enforces none of the business rules a spec states: the
// guard in front of it is the only defence, as the stand-in for an API
// that has none.
//
// It reads only scenarios (Surface, Operation.Replies), which the spec
// adapters fill; it must not import generators, the adapters' third-party
// spec types, runtime/vu, runtime/monitor, runtime/guard, oracle, reports
// or cmd.
package responder
