package openapi

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// BenchmarkStripe compares, on the 4 MB Stripe spec, kin-openapi's bare
// load (default loader), its load with origins (what the adapter asks
// for, to locate findings), the adapter's classification of an already
// loaded document, and the adapter's whole Load (load with origins,
// validation, classification). See BENCHMARKS.md.
func BenchmarkStripe(b *testing.B) {
	path := filepath.Join("..", "..", "..", "shared", "specs", "openapi", "stripe-spec3-2023-05.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("stripe spec not available: %v", err)
	}
	abs, _ := filepath.Abs(path)
	loc := &url.URL{Path: filepath.ToSlash(abs)}
	b.Run("kin-bare-load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := openapi3.NewLoader().LoadFromDataWithPath(data, loc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kin-load-with-origins", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l := openapi3.NewLoader()
			l.IncludeOrigin = true
			if _, err := l.LoadFromDataWithPath(data, loc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("classify-only", func(b *testing.B) {
		l := openapi3.NewLoader()
		l.IncludeOrigin = true
		doc, err := l.LoadFromDataWithPath(data, loc)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			bl := &builder{file: path, rootPath: loc.Path, format: "openapi " + doc.OpenAPI, doc: doc}
			if s := bl.surface(); len(s.Operations) == 0 {
				b.Fatal("no operations")
			}
		}
	})
	b.Run("validate-only", func(b *testing.B) {
		doc, err := openapi3.NewLoader().LoadFromDataWithPath(data, loc)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = validate(context.Background(), doc)
		}
	})
	b.Run("abusegate-load-no-validation", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := (Options{SkipValidation: true}).Load(context.Background(), path, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("abusegate-load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Load(path, data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
