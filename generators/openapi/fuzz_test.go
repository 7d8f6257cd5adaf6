package openapi

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzLoad feeds arbitrary bytes to the adapter: it must return a surface
// or an error, never panic or hang. Seeds are the package's own specs plus
// testdata/fuzz/FuzzLoad; run with go test -fuzz FuzzLoad ./generators/openapi.
func FuzzLoad(f *testing.F) {
	for _, p := range []string{"xabuse.yaml", filepath.Join("refs", "main.yaml"), filepath.Join("..", "..", "..", "testdata", "specs", "demoshop.openapi.yaml")} {
		if data, err := os.ReadFile(filepath.Join("testdata", p)); err == nil {
			f.Add(data)
		}
	}
	dir := t0Dir(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// A name inside an empty directory: relative $refs find nothing.
		s, _, err := Options{}.Load(ctx, filepath.Join(dir, "fuzz.yaml"), data)
		if err != nil {
			return
		}
		for _, o := range s.Operations {
			if o.Key() == "" {
				t.Fatalf("operation without a key: %+v", o)
			}
		}
	})
}

func t0Dir(f *testing.F) string {
	f.Helper()
	return f.TempDir()
}
