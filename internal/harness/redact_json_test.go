package harness

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonSecrets are passwords of a leaked list: digits, as most lists
// begin, and one a JSON encoder escapes.
var jsonSecrets = []string{"123456", "hunter22", `pa"ss\w0rd`}

func TestRedactJSONLeavesNumbersWhole(t *testing.T) {
	r := NewRedactor(jsonSecrets...)
	in := []byte(`{"t":1767225771234567890,"b":123456,"p":"/login?pw=123456","u":"bob","k":"pa\"ss\\w0rd","n":[3123456.5,-123456e3]}` + "\n" +
		`{"s":{"Identity":"hunter22x","Addr":"127.0.0.1"}}` + "\n")
	out := r.JSON(in)
	want := `{"t":1767225771234567890,"b":123456,"p":"/login?pw=[REDACTED]","u":"bob","k":"[REDACTED]","n":[3123456.5,-123456e3]}` + "\n" +
		`{"s":{"Identity":"[REDACTED]x","Addr":"127.0.0.1"}}` + "\n"
	assert.Equal(t, want, string(out))

	// Bytes, for text, redacts everywhere: the number breaks.
	assert.False(t, json.Valid(r.Bytes([]byte(`{"b":123456}`))))
}

func TestRedactJSONWithoutSecretsIsTheSameSlice(t *testing.T) {
	r := NewRedactor(jsonSecrets...)
	in := []byte(`{"t":1767225771234567890,"p":"/products?page=2"}`)
	out := r.JSON(in)
	assert.Equal(t, &in[0], &out[0], "a line without secrets is not copied")
	var nilRedactor *Redactor
	assert.Equal(t, string(in), string(nilRedactor.JSON(in)))
}

func TestRedactJSONCutText(t *testing.T) {
	// A document cut inside a string (a log line, a bounded body) is
	// still redacted up to its end, and nothing is lost.
	r := NewRedactor(jsonSecrets...)
	assert.Equal(t, `{"a":1,"p":"x[REDACTED]`, string(r.JSON([]byte(`{"a":1,"p":"x123456`))))
	assert.Equal(t, `{"p":"\`, string(r.JSON([]byte(`{"p":"\`))))
}

func TestRedactFileKeepsJSONValid(t *testing.T) {
	r := NewRedactor(jsonSecrets...)
	dir := t.TempDir()
	doc := `{"mttd_ns":9123456000,"who":"hunter22"}`
	for _, name := range []string{"report.json", "report.sarif", "replay.jsonl", "replay.har"} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(doc), 0o644))
		require.NoError(t, redactFile(p, r))
		got, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, `{"mttd_ns":9123456000,"who":"[REDACTED]"}`, string(got), name)
	}
	// Text formats are redacted everywhere, as before.
	p := filepath.Join(dir, "report.md")
	require.NoError(t, os.WriteFile(p, []byte("hunter22 took 9123456 ms"), 0o644))
	require.NoError(t, redactFile(p, r))
	got, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "[REDACTED] took 9[REDACTED] ms", string(got))
}

// FuzzRedactJSON: whatever the strings and numbers of a document, its
// redaction is valid JSON, its numbers are unchanged and no string holds
// a secret.
func FuzzRedactJSON(f *testing.F) {
	f.Add("/login?pw=123456", int64(1767225771234567890))
	f.Add(`pa"ss\w0rd`, int64(123456))
	f.Add("hunter22hunter22", int64(-123456))
	f.Add("\u2028\"\\123456\x00", int64(0))
	r := NewRedactor(jsonSecrets...)
	f.Fuzz(func(t *testing.T, s string, n int64) {
		type doc struct {
			S string   `json:"s"`
			N int64    `json:"n"`
			A []any    `json:"a"`
			M []string `json:"m"`
		}
		in, err := json.Marshal(doc{S: s, N: n, A: []any{s, n, s + s}, M: []string{s}})
		require.NoError(t, err)
		out := r.JSON(append(in, '\n'))
		require.True(t, json.Valid(out), "%s", out)
		var got doc
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&got))
		assert.Equal(t, n, got.N)
		assert.Equal(t, json.Number(strconv.FormatInt(n, 10)), got.A[1])
		for _, str := range []string{got.S, got.A[0].(string), got.A[2].(string), got.M[0]} {
			for _, sec := range jsonSecrets {
				assert.NotContains(t, str, sec)
			}
		}
	})
}
