// Package oracle turns what a run left behind (a scenarios.Timeline) and the
// plan it ran (the scenarios with their SLAs) into verdicts: per scenario,
// the time to detect (MTTD), the time to contain (MTTC), what leaked before
// containment, and, for the whole run, the benign sessions hurt. It
// implements the definitions in DESIGN.md ("Definitions the oracle
// implements") and nothing else.
//
// Everything here is a pure function of its arguments: the oracle never
// reads the clock, never does I/O and never prints, so the same timeline
// always yields the same verdicts, whether it came from a real run, a
// simulated one or a merge of shards.
//
// oracle imports only scenarios and the standard library. It must not
// import runtime/* (it judges their output, it does not run them), reports
// (reports render oracle results, not the other way round) or cmd.
package oracle
