package main

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/abusegate/abusegate/scenarios"
)

var updateGolden = flag.Bool("update", false, "rewrite the generate golden files")

// sharedSpecs is ../shared/specs from the repository root.
func sharedSpecs(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "specs")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("public specs missing at %s: %v", dir, err)
		}
		t.Skipf("public specs not at %s", dir)
	}
	return dir
}

// choices pins which kinds a plan chose for which operations, one line
// per scenario: "kind id: operation, operation".
func choices(t *testing.T, plan []byte) string {
	t.Helper()
	f, err := scenarios.LoadPlan("plan", plan)
	require.NoError(t, err)
	var lines []string
	for _, sc := range f.Scenarios {
		var ops []string
		for _, o := range sc.Operations {
			ops = append(ops, o.Operation)
		}
		lines = append(lines, sc.Kind+" "+sc.ID+": "+strings.Join(ops, ", "))
	}
	return strings.Join(lines, "\n") + "\n"
}

// Every public spec gives a plan that validates (generate checks it before
// writing) and whose choices match the golden file.
func TestGenerateGolden(t *testing.T) {
	dir := sharedSpecs(t)
	specs := []string{filepath.Join("..", "..", "internal", "demoshop", "openapi.yaml"), filepath.Join("..", "..", "testdata", "specs", "demoshop.graphql")}
	for _, sub := range []string{"openapi", "graphql"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		require.NoError(t, err)
		for _, e := range entries {
			specs = append(specs, filepath.Join(dir, sub, e.Name()))
		}
	}
	for _, spec := range specs {
		name := filepath.Base(spec)
		t.Run(name, func(t *testing.T) {
			code, out, errOut := cli(t, "generate", "--spec", spec, "-o", "-")
			golden := filepath.Join("testdata", "generate", name+".golden")
			got := "exit " + string(rune('0'+code)) + "\n"
			if code == exitOK {
				got += choices(t, []byte(out))
			} else {
				got += lastLine(errOut)
			}
			if *updateGolden {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./cmd/abusegate -run TestGenerateGolden -update")
			assert.Equal(t, string(want), got, "stderr: %s", errOut)
		})
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1] + "\n"
}

func TestGenerateKinds(t *testing.T) {
	spec := filepath.Join("..", "..", "internal", "demoshop", "openapi.yaml")
	code, out, errOut := cli(t, "generate", "--spec", spec, "--kinds", "rest.enumeration,rest.coupon-stacking", "-o", "-")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "# Question: What if one logged-in user reads every record behind /users/{id}")
	kinds := strings.Fields(choices(t, []byte(out)))
	assert.Contains(t, kinds, "rest.enumeration")
	assert.NotContains(t, kinds, "rest.slow-scraping")

	code, _, errOut = cli(t, "generate", "--spec", spec, "--kinds", "rest.nope", "-o", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `unknown misuse kind "rest.nope"`)

	code, _, errOut = cli(t, "generate", "-o", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--spec is required")
}

func TestGenerateWritesAValidPlanFile(t *testing.T) {
	spec := filepath.Join("..", "..", "internal", "demoshop", "openapi.yaml")
	out := filepath.Join(t.TempDir(), "abusegate.yaml")
	code, _, errOut := cli(t, "generate", "--spec", spec, "-o", out)
	require.Equal(t, exitOK, code, errOut)
	code, stdout, errOut := cli(t, "schema", "--check", out, "--spec", spec)
	assert.Equal(t, exitOK, code, errOut)
	assert.Contains(t, stdout, ": ok")
}

// A bad plan exits 2 and lists every problem with its line.
func TestSchemaCheckBadPlan(t *testing.T) {
	spec := filepath.Join("..", "..", "internal", "demoshop", "openapi.yaml")
	code, _, errOut := cli(t, "schema", "--check", filepath.Join("testdata", "bad-plan.yaml"), "--spec", spec)
	assert.Equal(t, exitUsage, code)
	for _, want := range []string{
		`bad-plan.yaml:14:5: scenarios[0].kind: unknown misuse kind "rest.enumeraton"`,
		`bad-plan.yaml:16:9: scenarios[0].operations[0].operation: operation "GET /user/{id}" is not in the spec`,
		`bad-plan.yaml:18:5: scenarios[0].vus: -3: the number of VUs cannot be negative`,
	} {
		assert.Contains(t, errOut, want)
	}

	typo := filepath.Join(t.TempDir(), "typo.yaml")
	data, err := os.ReadFile(filepath.Join("testdata", "bad-plan.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(typo, []byte(strings.Replace(string(data), "    vus: -3", "    vuz: 3", 1)), 0o644))
	code, _, errOut = cli(t, "schema", "--check", typo)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `typo.yaml:18:5: scenarios[0].vuz: unknown key "vuz"`)
}

func TestSchemaClosesEveryObject(t *testing.T) {
	code, out, _ := cli(t, "schema")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, `"additionalProperties": false`)
	assert.Contains(t, out, `"base_url"`)
}

func TestScenariosListAndShow(t *testing.T) {
	code, out, _ := cli(t, "scenarios", "list")
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.GreaterOrEqual(t, len(lines), 12)
	assert.True(t, slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "rest.credential-stuffing") && strings.Contains(l, "API2:2023") && strings.Contains(l, "OAT-008")
	}), out)

	code, out, _ = cli(t, "scenarios", "show", "rest.coupon-stacking")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "leak unit: discount cents")
	assert.Contains(t, out, "oat:       OAT-002")

	code, _, errOut := cli(t, "scenarios", "show", "rest.nope")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `unknown misuse kind "rest.nope"`)
}
