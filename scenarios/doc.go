// Package scenarios is abusegate's shared vocabulary: the API as abuse sees
// it (Surface, Operation, Param), misuse scenarios and the programs their
// virtual users run (Scenario, Program, Request, Result), what the runtime
// monitor sees and decides (Event, Decision, Subject), and what a run leaves
// behind for the oracle (Exchange, Timeline).
//
// It holds types and small pure helpers only. It must not import any other
// abusegate package, nor kin-openapi, gqlparser or any engine: every other
// package imports it, never the other way round.
package scenarios
