package harness

import "path/filepath"

// JSON returns b, a JSON document or JSON lines, without secrets: as Bytes,
// but secrets are replaced only inside string literals. A password of
// digits ("123456" heads every leaked list) also occurs inside numbers —
// a timestamp in nanoseconds, a byte count — where Bytes would write
// [REDACTED] into the number and break the document (report merge could
// not read the timeline line, report.json would not parse). A number is
// never a secret the harness writes: credentials, tokens and keys are
// strings wherever they appear.
func (r *Redactor) JSON(b []byte) []byte {
	if r == nil {
		return b
	}
	c := r.matcher()
	if c.replacer == nil || !c.find.holds(b) {
		return b
	}
	var out []byte
	last := 0 // b[:last] is in out (when out is not nil)
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		start := i + 1
		end := stringEnd(b, start)
		s := string(b[start:end])
		if red := c.replacer.Replace(s); red != s {
			out = append(append(out, b[last:start]...), red...)
			last = end
		}
		i = end // the closing quote, or len(b) when the text is cut
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// stringEnd is the index of the quote closing the JSON string whose
// contents begin at b[start], or len(b) when b ends first.
func stringEnd(b []byte, start int) int {
	for i := start; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++ // the escaped byte
		case '"':
			return i
		}
	}
	return len(b)
}

// redactorFor is how a file the harness wrote is redacted: JSON files
// (report.json, report.sarif, the replay pack) inside their strings, any
// other text everywhere.
func (r *Redactor) redactorFor(path string) func([]byte) []byte {
	switch filepath.Ext(path) {
	case ".json", ".jsonl", ".sarif", ".har":
		return r.JSON
	}
	return r.Bytes
}
