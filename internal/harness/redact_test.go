package harness

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/internal/demoshop"
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

// Both ways of finding secrets — a search per secret for a few, the index
// for many — answer exactly as searching for every secret does, over
// texts of two letters (near misses and overlaps everywhere) with secrets
// of every length class planted at every alignment.
func TestSecretFinderAgreesWithSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		text, forms := randomSecrets(rng)
		checkFinders(t, text, forms)
	}
}

func FuzzSecretFinder(f *testing.F) {
	f.Add([]byte("x=hunter2&token=abababababab"), "hunter2", "abababababab", "pw!4")
	f.Add([]byte("aaaaaaaaaaaaaaaaab"), "aaaab", "aaaaaaaab", "aaaaaaaaaaaaab")
	f.Fuzz(func(t *testing.T, text []byte, a, b, c string) {
		var forms []string
		for _, s := range []string{a, b, c} {
			if len(s) >= minSecret {
				forms = append(forms, s)
			}
		}
		checkFinders(t, text, forms)
	})
}

// randomSecrets makes a text of a's and b's and up to 12 secrets of 4-16
// bytes, about half of them planted in the text.
func randomSecrets(rng *rand.Rand) ([]byte, []string) {
	word := func(n int) []byte {
		w := make([]byte, n)
		for i := range w {
			w[i] = "ab"[rng.IntN(2)]
		}
		return w
	}
	text := word(rng.IntN(80))
	forms := make([]string, 1+rng.IntN(12))
	for i := range forms {
		s := word(minSecret + rng.IntN(13))
		if rng.IntN(2) == 0 && len(text) >= len(s) {
			at := rng.IntN(len(text) - len(s) + 1)
			copy(text[at:], s[:len(s)-1]) // a near miss at least
			if rng.IntN(2) == 0 {
				copy(text[at:], s)
			}
		}
		forms[i] = string(s)
	}
	return text, forms
}

// checkFinders compares the few-secrets search and the index with the
// definition: text holds a secret when one is a substring of it.
func checkFinders(t *testing.T, text []byte, forms []string) {
	t.Helper()
	want := slices.ContainsFunc(forms, func(s string) bool { return strings.Contains(string(text), s) })
	x := newSecretIndex(forms)
	assert.Equal(t, want, x.holds(text), "index: %q in %q", forms, text)
	f := secretFinder{}
	for _, s := range forms {
		f.few = append(f.few, []byte(s))
	}
	assert.Equal(t, want, f.holds(text), "search: %q in %q", forms, text)
}

// Redacting a timeline line: nearly every line holds no secret. A plan's
// secrets are a handful (generated identities' password), or the demo
// shop's 500 accounts' passwords (common words, some of them in every
// line's keys: "pepper07" and "shoppers"), or thousands of tokens.
func BenchmarkRedactorBytes(b *testing.B) {
	line := []byte(`{"x":{"Scenario":"benign-shoppers","VU":309,"Actor":"benign","Session":"benign-shoppers/vu309/1","Identity":"amelia.scott","TokenID":"tok-411f45f720ee","Addr":"127.0.1.55","CorrelationID":"benign-shoppers-309-10","Fingerprint":"chrome-android-309","Method":"GET","Route":"/users/{id}","Path":"/users/360","Sent":"2026-01-01T00:18:14.220577628Z","Status":200,"Bytes":139,"Outcome":"success"}}`)
	var passwords, tokens []string
	for _, a := range demoshop.New(demoshop.Options{Seed: 1}).Accounts() {
		passwords = append(passwords, a.Password)
	}
	for i := range uint64(5000) {
		tokens = append(tokens, fmt.Sprintf("%016x%016x", i*0x9e3779b97f4a7c15, i))
	}
	for _, c := range []struct {
		name    string
		secrets []string
	}{{"plan", []string{"CHANGE-ME"}}, {"shop", passwords}, {"tokens", tokens}} {
		r := NewRedactor(c.secrets...)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.Bytes(line)
			}
		})
	}
}

// Secrets added while other goroutines redact are redacted from then on
// (go test -race checks the lock-free read of the compiled secrets).
func TestRedactorAddWhileRedacting(t *testing.T) {
	r := NewRedactor("first-secret")
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1_000_000 {
				select {
				case <-done:
					return
				default:
					assert.Equal(t, "a [REDACTED] b", string(r.Bytes([]byte("a first-secret b"))))
				}
			}
		}()
	}
	for i := range 200 {
		s := fmt.Sprintf("token-%04d-secret", i)
		r.Add(s)
		assert.Equal(t, "x [REDACTED] y", r.String("x "+s+" y"))
	}
	close(done)
	wg.Wait()
}
