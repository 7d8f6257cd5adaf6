package harness

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
	mu      sync.Mutex // guards secrets and building compiled
	secrets map[string]bool
	// compiled matches the current secrets; Add clears it and the next use
	// builds it again. Reading it takes no lock: every line of a timeline
	// passes through Bytes.
	compiled atomic.Pointer[compiledSecrets]
}

// compiledSecrets is what a Redactor matches with: a finder that tells
// whether text holds a secret at all, so that text without one — nearly
// every line of a timeline — skips the replacer.
type compiledSecrets struct {
	find     secretFinder
	replacer *strings.Replacer // nil when there is no secret
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
		r.compiled.Store(nil)
	}
}

// Len is how many secrets the redactor knows.
func (r *Redactor) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.secrets)
}

// matcher returns the compiled form of the current secrets, building it
// on the first use after a change.
func (r *Redactor) matcher() *compiledSecrets {
	if c := r.compiled.Load(); c != nil {
		return c
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.compiled.Load(); c != nil {
		return c
	}
	// Longest first, so a secret containing another is replaced whole; each
	// also in its JSON-escaped form, as it appears inside JSON strings.
	keys := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		keys = append(keys, s)
	}
	slices.SortFunc(keys, func(a, b string) int { return len(b) - len(a) })
	var pairs, forms []string
	for _, s := range keys {
		pairs = append(pairs, s, Redacted)
		forms = append(forms, s)
		if b, err := json.Marshal(s); err == nil {
			if esc := string(b[1 : len(b)-1]); esc != s {
				pairs = append(pairs, esc, Redacted)
				forms = append(forms, esc)
			}
		}
	}
	c := &compiledSecrets{find: newSecretFinder(forms)}
	if len(pairs) > 0 {
		c.replacer = strings.NewReplacer(pairs...)
	}
	r.compiled.Store(c)
	return c
}

// fewSecrets is the most secret forms searched for one by one: a search
// (bytes.Index, vectorised) skips clean text faster than the index probes
// it, until there are this many to search for.
const fewSecrets = 8

// secretFinder reports whether text holds any of the secrets (in either
// form). A plan's own secrets — its identities' password, a webhook
// secret — are often a handful, searched for one by one; the demo shop's
// accounts' passwords are hundreds and the tokens a target issued may be
// thousands, found through secretIndex.
type secretFinder struct {
	few   [][]byte
	index *secretIndex
}

func newSecretFinder(forms []string) secretFinder {
	if len(forms) <= fewSecrets {
		f := secretFinder{}
		for _, s := range forms {
			f.few = append(f.few, []byte(s))
		}
		return f
	}
	return secretFinder{index: newSecretIndex(forms)}
}

func (f *secretFinder) holds(b []byte) bool {
	for _, s := range f.few {
		if bytes.Contains(b, s) {
			return true
		}
	}
	return f.index != nil && f.index.holds(b)
}

// secretIndex finds whether text holds any of many secrets, probing the
// text at every fourth byte: a secret of 7 bytes or more is indexed by its
// grams at offsets 0-3 — 8 bytes long from 11 bytes on, else 4 — so an
// occurrence always covers a whole gram at one probe. Secrets of 4-6 bytes
// are indexed by their first 4 bytes and probed at every byte. Bitmaps of
// the grams' hashes keep most probes to a bit test; a bit set is confirmed
// against the secrets themselves, so the answer is exact.
type secretIndex struct {
	short map[uint32][]string    // 4-6 bytes, by their first 4
	mid   map[uint32][]gramGroup // 7-10 bytes, by 4-byte grams
	long  map[uint64][]gramGroup // 11 bytes or more, by 8-byte grams
	// probe holds the first 4 bytes of every mid and long gram: one bit
	// test a probe tells whether to look further.
	probe, shortBits, longBits gramBits
}

// gramBits is a bitmap of grams' hashes (32 KB: thousands of secrets
// leave most bits clear), so that most probes of clean text stop at a
// multiply, a shift and a load.
type gramBits [1 << 18 / 64]uint64

func (g *gramBits) set(k uint64) {
	i := (k * 0x9e3779b97f4a7c15) >> (64 - 18)
	g[i/64] |= 1 << (i % 64)
}

func (g *gramBits) has(k uint64) bool {
	i := (k * 0x9e3779b97f4a7c15) >> (64 - 18)
	return g[i/64]&(1<<(i%64)) != 0
}

// gramGroup is the secrets that hold a gram off bytes after their start
// and start with the same 4 bytes, head. Ordinary text holds some grams of
// common passwords ("pper" of "pepper07" in "shoppers"): a probe that hits
// one compares 4 bytes per group instead of every secret with the gram.
type gramGroup struct {
	off     int
	head    uint32
	secrets []string
}

// Secrets this long or longer are probed at every fourth byte, by 4-byte
// and, from longSecret on, 8-byte grams.
const (
	midSecret  = 4 + 3
	longSecret = 8 + 3
)

func newSecretIndex(forms []string) *secretIndex {
	x := &secretIndex{short: map[uint32][]string{}, mid: map[uint32][]gramGroup{}, long: map[uint64][]gramGroup{}}
	for _, s := range forms {
		head := binary.LittleEndian.Uint32([]byte(s[:4]))
		switch {
		case len(s) >= longSecret:
			for off := range 4 {
				k := binary.LittleEndian.Uint64([]byte(s[off : off+8]))
				x.longBits.set(k)
				x.probe.set(uint64(uint32(k)))
				x.long[k] = addToGroup(x.long[k], off, head, s)
			}
		case len(s) >= midSecret:
			for off := range 4 {
				k := binary.LittleEndian.Uint32([]byte(s[off : off+4]))
				x.probe.set(uint64(k))
				x.mid[k] = addToGroup(x.mid[k], off, head, s)
			}
		case len(s) >= minSecret:
			x.shortBits.set(uint64(head))
			x.short[head] = append(x.short[head], s)
		}
	}
	return x
}

func addToGroup(groups []gramGroup, off int, head uint32, s string) []gramGroup {
	for i := range groups {
		if groups[i].off == off && groups[i].head == head {
			groups[i].secrets = append(groups[i].secrets, s)
			return groups
		}
	}
	return append(groups, gramGroup{off: off, head: head, secrets: []string{s}})
}

// holds reports whether b contains a secret.
func (x *secretIndex) holds(b []byte) bool {
	if len(x.short) > 0 {
		for i := 0; i+minSecret <= len(b); i++ {
			k := binary.LittleEndian.Uint32(b[i : i+4])
			if x.shortBits.has(uint64(k)) && hasAny(b[i:], x.short[k]) {
				return true
			}
		}
	}
	if len(x.mid) == 0 && len(x.long) == 0 {
		return false
	}
	for rest := b; len(rest) >= 4; rest = rest[4:] {
		k := binary.LittleEndian.Uint32(rest)
		if !x.probe.has(uint64(k)) {
			continue
		}
		q := len(b) - len(rest)
		if len(x.mid) > 0 && hasGram(b, q, x.mid[k]) {
			return true
		}
		if len(rest) >= 8 {
			k := binary.LittleEndian.Uint64(rest)
			if x.longBits.has(k) && hasGram(b, q, x.long[k]) {
				return true
			}
		}
	}
	return false
}

// hasAny reports whether b starts with one of secrets.
func hasAny(b []byte, secrets []string) bool {
	for _, s := range secrets {
		if len(b) >= len(s) && string(b[:len(s)]) == s {
			return true
		}
	}
	return false
}

// hasGram reports whether a secret of groups, whose gram was found at q,
// is whole there.
func hasGram(b []byte, q int, groups []gramGroup) bool {
	for i := range groups {
		g := &groups[i]
		p := q - g.off
		if p < 0 || p+4 > len(b) || binary.LittleEndian.Uint32(b[p:p+4]) != g.head {
			continue
		}
		for _, s := range g.secrets {
			if p+len(s) <= len(b) && string(b[p:p+len(s)]) == s {
				return true
			}
		}
	}
	return false
}

// String returns s without secrets.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	c := r.matcher()
	if c.replacer == nil || !c.find.holds([]byte(s)) {
		return s
	}
	return c.replacer.Replace(s)
}

// Bytes returns b without secrets.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	c := r.matcher()
	if c.replacer == nil || !c.find.holds(b) {
		return b
	}
	return []byte(c.replacer.Replace(string(b)))
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
