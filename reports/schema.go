package reports

import _ "embed"

//go:embed report.schema.json
var reportSchema []byte

// Schema returns the JSON Schema (draft 2020-12) of report.json, so
// dashboards and baseline tooling can check a report before they read it.
// Every object in it is closed: the schema changes with Report, and the
// package's tests fail when the two disagree. The caller owns the slice.
func Schema() []byte { return append([]byte(nil), reportSchema...) }
