package harness

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
)

// Redacted replaces every secret in what the harness writes.
const Redacted = "[REDACTED]"

// minSecret is the shortest value redacted: shorter "secrets" would erase
// ordinary words and numbers all over a report.
const minSecret = 4

// Redactor knows the run's secrets — the plan's passwords, the webhook
// secret, the tokens the target issued — and removes them from every byte
// the harness writes: reports, logs, replay packs. It is safe for
// concurrent use; secrets may be added while the run goes on.
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]bool
	r       *strings.Replacer
}

// NewRedactor returns a redactor of the given secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{secrets: map[string]bool{}}
	r.Add(secrets...)
	return r
}

// Add makes more values secret.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) < minSecret || r.secrets[s] {
			continue
		}
		r.secrets[s] = true
		r.r = nil
	}
}

// Len is how many secrets the redactor knows.
func (r *Redactor) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.secrets)
}

func (r *Redactor) replacer() *strings.Replacer {
	r.mu.RLock()
	rep := r.r
	r.mu.RUnlock()
	if rep != nil {
		return rep
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.r != nil {
		return r.r
	}
	// Longest first, so a secret containing another is replaced whole; each
	// also in its JSON-escaped form, as it appears inside JSON strings.
	keys := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		keys = append(keys, s)
	}
	slices.SortFunc(keys, func(a, b string) int { return len(b) - len(a) })
	var pairs []string
	for _, s := range keys {
		pairs = append(pairs, s, Redacted)
		if b, err := json.Marshal(s); err == nil {
			if esc := string(b[1 : len(b)-1]); esc != s {
				pairs = append(pairs, esc, Redacted)
			}
		}
	}
	r.r = strings.NewReplacer(pairs...)
	return r.r
}

// String returns s without secrets.
func (r *Redactor) String(s string) string {
	if r == nil || r.Len() == 0 {
		return s
	}
	return r.replacer().Replace(s)
}

// Bytes returns b without secrets.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil || r.Len() == 0 {
		return b
	}
	return []byte(r.replacer().Replace(string(b)))
}

// Writer wraps w so that every Write is redacted first. Secrets split
// across two writes are not caught, so it suits writers that write whole
// lines or records (slog handlers, fmt.Fprintln).
func (r *Redactor) Writer(w io.Writer) io.Writer { return redactingWriter{r: r, w: w} }

type redactingWriter struct {
	r *Redactor
	w io.Writer
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	out := rw.r.Bytes(p)
	if bytes.Equal(out, p) {
		return rw.w.Write(p)
	}
	if _, err := rw.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Unwrap is the writer underneath, so a command can tell a terminal.
func (rw redactingWriter) Unwrap() io.Writer { return rw.w }
