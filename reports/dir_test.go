package reports

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteDir(t *testing.T) {
	tests := []struct {
		name    string
		formats []string
		files   []string
	}{
		{name: "default formats", files: []string{"report.json", "report.md"}},
		{name: "chosen formats", formats: []string{"table", "json"}, files: []string{"report.txt", "report.json"}},
		{name: "a file named twice is written once", formats: []string{"md", "markdown"}, files: []string{"report.md"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "nested", "reports")
			r := fixedReport()
			paths, err := WriteDir(dir, r, tt.formats...)
			require.NoError(t, err)

			var want []string
			for _, f := range tt.files {
				want = append(want, filepath.Join(dir, f))
			}
			assert.Equal(t, want, paths)

			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			assert.ElementsMatch(t, tt.files, names, "no temporary files are left behind")

			for _, p := range paths {
				got, err := os.ReadFile(p)
				require.NoError(t, err)
				var buf bytes.Buffer
				switch filepath.Ext(p) {
				case ".json":
					require.NoError(t, WriteJSON(&buf, r))
				case ".md":
					require.NoError(t, WriteMarkdown(&buf, r))
				case ".txt":
					require.NoError(t, WriteTable(&buf, r))
				}
				assert.Equal(t, buf.String(), string(got), p)
			}
		})
	}
}

func TestWriteDirReplacesExistingReports(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))

	_, err := WriteDir(dir, fixedReport(), "json")
	require.NoError(t, err)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(got), SchemaVersion)
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
}

func TestWriteDirErrors(t *testing.T) {
	t.Run("unknown format writes nothing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		paths, err := WriteDir(dir, fixedReport(), "json", "pdf")
		require.ErrorContains(t, err, `unknown format "pdf"`)
		assert.Empty(t, paths)
		assert.NoDirExists(t, dir)
	})
	t.Run("dir is a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(file, nil, 0o644))
		_, err := WriteDir(file, fixedReport())
		var pathErr *fs.PathError
		require.ErrorAs(t, err, &pathErr, "the cause stays wrapped")
		assert.Contains(t, err.Error(), "reports: ")
	})
}
