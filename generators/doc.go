// Package generators turns a scenarios.Surface into misuse scenarios and
// gives each scenario's virtual users their Program. Each misuse class is a
// Kind in a package of its own (generators/enumeration, ...); a Registry
// built explicitly in cmd (builtin.Register) holds them.
//
// Generators import only scenarios; they never import runtime/*, oracle,
// reports or cmd, and they never send a request themselves: executors do.
package generators
