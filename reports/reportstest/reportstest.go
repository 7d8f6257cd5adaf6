package reportstest

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

//go:embed testdata/jenkins-junit.xsd
var junitXSD []byte

// CompileJSON compiles a JSON Schema document with format assertions on,
// so a "date-time" that is not one fails validation.
func CompileJSON(t testing.TB, schema []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	require.NoError(t, err, "the schema is not JSON")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	require.NoError(t, c.AddResource("report.schema.json", doc))
	s, err := c.Compile("report.schema.json")
	require.NoError(t, err)
	return s
}

// ValidateJSON validates one JSON document against s.
func ValidateJSON(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(v)
}

// ValidateJUnit validates a JUnit XML document against the Jenkins JUnit
// XSD with xmllint and returns xmllint's complaint. Without xmllint it
// skips t, or fails it under CI=true, where .ci/run installs it.
func ValidateJUnit(t testing.TB, doc []byte) error {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("xmllint is not installed: apt-get install libxml2-utils (.ci/run does)")
		}
		t.Skip("xmllint is not installed (apt-get install libxml2-utils); JUnit XSD validation skipped")
	}
	dir := t.TempDir()
	xsd, file := filepath.Join(dir, "jenkins-junit.xsd"), filepath.Join(dir, "junit.xml")
	require.NoError(t, os.WriteFile(xsd, junitXSD, 0o600))
	require.NoError(t, os.WriteFile(file, doc, 0o600))
	out, err := exec.CommandContext(t.Context(), xmllint, "--noout", "--nonet", "--schema", xsd, file).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}
