// Package openapi adapts OpenAPI 3.0 and 3.1 documents into a
// scenarios.Surface: the operations, their parameters and the abuse roles
// inferred from names, types and shapes.
//
// kin-openapi's types never leave this package. It imports only scenarios;
// it must not import runtime/*, oracle, reports or cmd.
package openapi
