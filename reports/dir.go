package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// format is one file WriteDir can write.
type format struct {
	file  string
	write func(io.Writer, Report) error
}

// formatNamed maps a format name, as given on the command line, to its file
// and writer.
func formatNamed(name string) (format, error) {
	switch name {
	case "json":
		return format{"report.json", WriteJSON}, nil
	case "md", "markdown":
		return format{"report.md", WriteMarkdown}, nil
	case "table", "txt":
		return format{"report.txt", WriteTable}, nil
	case "html":
		return format{"report.html", WriteHTML}, nil
	case "junit", "xml":
		return format{"junit.xml", WriteJUnit}, nil
	case "sarif":
		return format{"report.sarif", WriteSARIF}, nil
	}
	return format{}, fmt.Errorf("reports: unknown format %q (want json, md, html, junit, sarif or table)", name)
}

// WriteDir writes the report into dir in each format ("json" ->
// report.json, "md" -> report.md, "table" -> report.txt; json and md
// when none is given; a file named twice is written once), creating dir if needed, and returns the paths it
// wrote. Each file is written to a temporary file in dir and renamed into
// place, so a reader (a CI artifact upload, a baseline diff) sees either
// the previous report or the new one, never half of one.
func WriteDir(dir string, r Report, formatNames ...string) ([]string, error) {
	if len(formatNames) == 0 {
		formatNames = []string{"json", "md"}
	}
	var todo []format
	seen := make(map[string]bool)
	for _, name := range formatNames {
		f, err := formatNamed(name)
		if err != nil {
			return nil, err
		}
		if !seen[f.file] {
			seen[f.file] = true
			todo = append(todo, f)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	var paths []string
	for _, f := range todo {
		var buf bytes.Buffer
		if err := f.write(&buf, r); err != nil {
			return paths, err
		}
		path := filepath.Join(dir, f.file)
		if err := writeAtomic(path, buf.Bytes()); err != nil {
			return paths, fmt.Errorf("reports: write %s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeAtomic replaces path with data through a temporary file in the same
// directory, so the rename stays on one file system and is atomic.
func writeAtomic(path string, data []byte) error {
	return writeAtomicFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomicFunc is writeAtomic of what write writes.
func writeAtomicFunc(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
