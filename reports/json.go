package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// WriteJSON writes the report as indented JSON, the format baselines,
// diffs and dashboards read. Field order follows Report, so two reports of
// the same run are byte-identical.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("reports: json: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by WriteJSON. Unknown fields are
// ignored, so newer minor additions still read, but a report of another
// schema version is refused rather than misread.
func ReadJSON(r io.Reader, name string) (Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return Report{}, fmt.Errorf("reports: %s: invalid JSON at byte %d: %w", name, syn.Offset, err)
		}
		return Report{}, fmt.Errorf("reports: %s: %w", name, err)
	}
	if rep.SchemaVersion != SchemaVersion {
		return Report{}, fmt.Errorf("reports: %s: schema_version %q, want %q: is this an abusegate report of this version?",
			name, rep.SchemaVersion, SchemaVersion)
	}
	return rep, nil
}
