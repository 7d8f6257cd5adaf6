// Package graphql adapts GraphQL schemas into a scenarios.Surface: the
// Query and Mutation fields as operations, their arguments as parameters
// (input objects flattened with dots), the fields they return, and the
// abuse roles inferred from names, types and shapes, each with confidence
// and evidence. It reads SDL (one or several files) and introspection JSON
// (the standard __schema result, bare or wrapped in {"data": ...}).
//
// An @abuse directive on a field overrides the heuristics and carries the
// business rules misuse kinds test (see AbuseDirective).
//
// gqlparser's types never leave this package. It imports only scenarios;
// it must not import runtime/*, oracle, reports, cmd or internal/demoshop.
package graphql
