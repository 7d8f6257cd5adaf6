// Package sarif is a small model of SARIF 2.1.0 (the Static Analysis
// Results Interchange Format GitHub code scanning and most CI dashboards
// ingest) and a writer for it. It is generic: lint findings and run
// verdicts both map onto Log, Run, Result and Location.
//
// It imports only the standard library; it must not import scenarios,
// generators, runtime, oracle or cmd, so any report can use it.
package sarif
