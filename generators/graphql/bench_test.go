package graphql

import (
	"os"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The GitHub schema (1.2 MB of SDL) is the largest public schema in the
// corpus. BenchmarkGitHubBare is gqlparser's own load of it; the
// difference to BenchmarkGitHubLoadClassify is what the adapter adds
// (the @abuse declaration, classification, response fields).
func githubSchema(b *testing.B) []byte {
	data, err := os.ReadFile(sharedSpec(b, "github-public-schema-2024-06.graphql"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkGitHubBare(b *testing.B) {
	data := githubSchema(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := gqlparser.LoadSchema(&ast.Source{Name: "github.graphql", Input: string(data)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGitHubLoadClassify(b *testing.B) {
	data := githubSchema(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Load(Options{}, Source{Name: "github.graphql", Data: data}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShopifyLoadClassify is the introspection path: JSON decoding,
// the position scan, conversion to a schema document, validation and
// classification of a 0.8 MB result.
func BenchmarkShopifyLoadClassify(b *testing.B) {
	data, err := os.ReadFile(sharedSpec(b, "shopify-storefront.introspection.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Load(Options{}, Source{Name: "shopify.json", Data: data}); err != nil {
			b.Fatal(err)
		}
	}
}
