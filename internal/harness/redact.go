package harness

import (
	"bytes"
	"encoding/binary"
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
	// heads indexes every secret (in either form), so text with none —
	// nearly every line of a timeline — skips the replacer.
	heads *secretIndex
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

func (r *Redactor) replacer() (*strings.Replacer, *secretIndex) {
	r.mu.RLock()
	rep, heads := r.r, r.heads
	r.mu.RUnlock()
	if rep != nil {
		return rep, heads
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.r != nil {
		return r.r, r.heads
	}
	// Longest first, so a secret containing another is replaced whole; each
	// also in its JSON-escaped form, as it appears inside JSON strings.
	keys := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		keys = append(keys, s)
	}
	slices.SortFunc(keys, func(a, b string) int { return len(b) - len(a) })
	var pairs []string
	heads = newSecretIndex()
	for _, s := range keys {
		pairs = append(pairs, s, Redacted)
		heads.add(s)
		if b, err := json.Marshal(s); err == nil {
			if esc := string(b[1 : len(b)-1]); esc != s {
				pairs = append(pairs, esc, Redacted)
				heads.add(esc)
			}
		}
	}
	r.heads = heads
	r.r = strings.NewReplacer(pairs...)
	return r.r, r.heads
}

// secretIndex finds whether text holds any secret at all, so that text
// without one — nearly every line of a timeline — is passed through
// without running the replacer. A long secret (11 bytes or more) is
// indexed by its 8-byte grams at offsets 0-3, so text is probed only at
// every fourth byte: an occurrence always covers one such probe. Shorter
// secrets are indexed by their first 4 bytes and probed at every byte.
// Bitmaps of the grams' hashes keep most probes to a bit test; a bit set
// is confirmed against the secrets themselves, so the answer is exact.
type secretIndex struct {
	short map[uint32][]string
	long  map[uint64][]gram
	bits4 [1 << 16 / 64]uint64
	bits8 [1 << 16 / 64]uint64
}

// gram is a long secret's 8 bytes at off.
type gram struct {
	s   string
	off int
}

// longSecret is the shortest secret probed at every fourth byte.
const longSecret = 8 + 3

func newSecretIndex() *secretIndex {
	return &secretIndex{short: map[uint32][]string{}, long: map[uint64][]gram{}}
}

func hash4(k uint32) uint32 { return (k * 2654435761) >> 16 }
func hash8(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> (64 - 16) }

func (x *secretIndex) add(s string) {
	switch {
	case len(s) >= longSecret:
		for off := range 4 {
			k := binary.LittleEndian.Uint64([]byte(s[off : off+8]))
			h := hash8(k)
			x.bits8[h/64] |= 1 << (h % 64)
			x.long[k] = append(x.long[k], gram{s, off})
		}
	case len(s) >= minSecret:
		k := binary.LittleEndian.Uint32([]byte(s[:4]))
		h := hash4(k)
		x.bits4[h/64] |= 1 << (h % 64)
		x.short[k] = append(x.short[k], s)
	}
}

// holds reports whether b contains a secret.
func (x *secretIndex) holds(b []byte) bool {
	if len(x.short) > 0 {
		for i := 0; i+minSecret <= len(b); i++ {
			k := binary.LittleEndian.Uint32(b[i : i+4])
			if h := hash4(k); x.bits4[h/64]&(1<<(h%64)) != 0 && hasAny(b[i:], x.short[k]) {
				return true
			}
		}
	}
	for q := 0; q+8 <= len(b); q += 4 {
		k := binary.LittleEndian.Uint64(b[q : q+8])
		h := hash8(k)
		if x.bits8[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		for _, g := range x.long[k] {
			if p := q - g.off; p >= 0 && p+len(g.s) <= len(b) && string(b[p:p+len(g.s)]) == g.s {
				return true
			}
		}
	}
	return false
}

func hasAny(b []byte, secrets []string) bool {
	for _, s := range secrets {
		if len(b) >= len(s) && string(b[:len(s)]) == s {
			return true
		}
	}
	return false
}

// String returns s without secrets.
func (r *Redactor) String(s string) string {
	if r == nil || r.Len() == 0 {
		return s
	}
	rep, heads := r.replacer()
	if !heads.holds([]byte(s)) {
		return s
	}
	return rep.Replace(s)
}

// Bytes returns b without secrets.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil || r.Len() == 0 {
		return b
	}
	rep, heads := r.replacer()
	if !heads.holds(b) {
		return b
	}
	return []byte(rep.Replace(string(b)))
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
