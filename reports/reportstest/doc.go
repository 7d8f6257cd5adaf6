// Package reportstest checks report files against the schemas they are
// published with, for tests in reports and cmd: report.json against the
// report JSON Schema (santhosh-tekuri/jsonschema, formats asserted), and
// junit.xml against the Jenkins JUnit XSD kept in testdata (with xmllint,
// which must be on PATH under CI=true and is skipped for without it).
//
// It imports no abusegate package, so reports' own tests can use it.
package reportstest
