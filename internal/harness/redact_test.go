package harness

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The index that lets clean text skip the replacer must never let a
// secret through: short and long secrets, JSON-escaped forms, secrets at
// either end of the text, and thousands of look-alike tokens.
func TestRedactorBytes(t *testing.T) {
	r := NewRedactor("hunter2", "pw!4", `pa"ss word`)
	token := func(i uint64) string { return fmt.Sprintf("%016x%016x", i*0x9e3779b97f4a7c15, i) }
	for i := range uint64(5000) {
		r.Add(token(i))
	}
	tok := token(4321)
	tests := []struct {
		name, in, want string
	}{
		{"clean", `{"Path":"/products?page=3","Sent":"2026-01-01T00:00:00Z"}`, `{"Path":"/products?page=3","Sent":"2026-01-01T00:00:00Z"}`},
		{"short at start", "hunter2 was here", "[REDACTED] was here"},
		{"four bytes at end", "x=pw!4", "x=[REDACTED]"},
		{"token inside JSON", `{"Path":"/me?token=` + tok + `"}`, `{"Path":"/me?token=[REDACTED]"}`},
		{"JSON-escaped", `{"p":"pa\"ss word"}`, `{"p":"[REDACTED]"}`},
		{"token prefix only", `{"t":"` + tok[:20] + `"}`, `{"t":"` + tok[:20] + `"}`},
		{"too short to hold one", "abc", "abc"},
	}
	for pad := range 8 {
		// A long secret is probed every fourth byte: at every alignment.
		in := strings.Repeat("x", pad) + tok + strings.Repeat("y", pad)
		tests = append(tests, struct{ name, in, want string }{
			fmt.Sprintf("token after %d bytes", pad), in, strings.Repeat("x", pad) + Redacted + strings.Repeat("y", pad),
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(r.Bytes([]byte(tt.in))))
			assert.Equal(t, tt.want, r.String(tt.in))
		})
	}
}

// Secrets added after a first use are redacted too.
func TestRedactorAddAfterUse(t *testing.T) {
	r := NewRedactor("first-secret")
	assert.Equal(t, "a [REDACTED] b", r.String("a first-secret b"))
	r.Add("second-secret")
	assert.Equal(t, "[REDACTED] [REDACTED]", r.String("first-secret second-secret"))
	assert.False(t, strings.Contains(string(r.Bytes([]byte("x second-secret"))), "second"))
}
