package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/abusegate/abusegate/reports"
)

// Write writes the run's report into dir in every format, the compact
// timeline `report merge` needs beside report.json, and with replay the
// attack replay pack (replay.har, replay.jsonl). Every file passes through
// the redactor: no password, token or key of the plan or the run is
// written. It returns the paths written. A streamed run's outcome is
// written once: Write then releases what the stream kept on disk.
func (o *Outcome) Write(dir string, rep reports.Report, formats []string, replay bool) (paths []string, err error) {
	defer func() { err = errors.Join(err, o.Close()) }()
	rep.TimelineFile = reports.TimelineFileName
	red := o.h.redact
	paths, err = reports.WriteDir(dir, rep, formats...)
	if err != nil {
		return paths, err
	}
	for _, p := range paths {
		if err := redactFile(p, red); err != nil {
			return paths, err
		}
	}
	tp := filepath.Join(dir, reports.TimelineFileName)
	if err := o.writeTimeline(tp, rep.Segment); err != nil {
		return paths, err
	}
	paths = append(paths, tp)
	if replay {
		rp, err := reports.WriteReplay(dir, rep.Target, rep.Tool, o.Timeline.Exchanges, o.Capture, red.JSON)
		paths = append(paths, rp...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// redactFile rewrites path without secrets, atomically, when it holds any.
func redactFile(path string, r *Redactor) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("redact %s: %w", path, err)
	}
	clean := r.redactorFor(path)(data)
	if bytes.Equal(clean, data) {
		return nil
	}
	tmp := path + ".redacted.tmp"
	if err := os.WriteFile(tmp, clean, 0o644); err != nil {
		return fmt.Errorf("redact %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
