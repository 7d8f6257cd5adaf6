// Package lint finds abuse-prone design in an API surface before anything
// runs: predictable ids, unbounded pages, credential and coupon endpoints
// with no documented rate limit, personal data in lists. Each rule maps to
// the OWASP API Security Top 10 2023 and each finding points at the spec
// file, line and column the adapter recorded.
//
// It reads only scenarios.Surface, so OpenAPI and GraphQL surfaces lint
// alike. It must not import the spec adapters (generators/openapi,
// generators/graphql), runtime/*, oracle, reports or cmd.
package lint
