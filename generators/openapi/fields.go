package openapi

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Bounds on field flattening: real specs (Stripe's) nest expandable objects
// many levels deep and recurse; abuse needs the first few levels.
const (
	maxFieldDepth = 4
	maxFields     = 200
)

// field is one JSON property of a body, as a dotted path.
type field struct {
	path     string
	schema   *openapi3.Schema
	required bool
}

// flattenSchema lists the properties of s as dotted paths: "name",
// "address.city", "items[].email"; a body that is itself a list yields
// "[].id". allOf parts merge; oneOf and anyOf alternatives add their
// properties too, since any of them may be sent or returned. Recursion is
// cut by depth, by a schema already on the path, and by a total count.
func flattenSchema(s *openapi3.Schema, depth, limit int) []field {
	if s == nil {
		return nil
	}
	w := walker{limit: limit, seen: map[string]bool{}}
	if isArray(s) && s.Items != nil {
		w.walk(s.Items.Value, "[]", depth, nil)
	} else {
		w.walk(s, "", depth, nil)
	}
	slices.SortFunc(w.out, func(a, b field) int { return strings.Compare(a.path, b.path) })
	return w.out
}

type walker struct {
	out   []field
	seen  map[string]bool
	limit int
	stack []*openapi3.Schema
}

func (w *walker) add(f field) bool {
	if len(w.out) >= w.limit {
		return false
	}
	if w.seen[f.path] {
		return true
	}
	w.seen[f.path] = true
	w.out = append(w.out, f)
	return true
}

func (w *walker) walk(s *openapi3.Schema, prefix string, depth int, required []string) {
	if s == nil || depth <= 0 || slices.Contains(w.stack, s) || len(w.out) >= w.limit {
		return
	}
	w.stack = append(w.stack, s)
	defer func() { w.stack = w.stack[:len(w.stack)-1] }()
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, sub := range group {
			if sub != nil {
				w.walk(sub.Value, prefix, depth, nil)
			}
		}
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ref := s.Properties[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		path := name
		if prefix != "" && prefix != "[]" {
			path = prefix + "." + name
		} else if prefix == "[]" {
			path = "[]." + name
		}
		if !w.add(field{path: path, schema: ref.Value, required: slices.Contains(s.Required, name)}) {
			return
		}
		child := ref.Value
		switch {
		case isArray(child) && child.Items != nil:
			w.walk(child.Items.Value, path+"[]", depth-1, nil)
		default:
			w.walk(child, path, depth-1, nil)
		}
	}
}

func isArray(s *openapi3.Schema) bool {
	return s != nil && s.Type != nil && slices.Contains(s.Type.Slice(), "array")
}

// listShaped reports whether a response body is a list: an array, or an
// object whose list sits under a conventional key (data, items, results).
func listShaped(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	if isArray(s) {
		return true
	}
	for _, key := range []string{"data", "items", "results", "records", "entries", "list", "content", "values", "nodes", "edges"} {
		if p, ok := s.Properties[key]; ok && p != nil && isArray(p.Value) && pageEnvelope(s) {
			return true
		}
	}
	for _, sub := range s.AllOf {
		if sub != nil && listShaped(sub.Value) {
			return true
		}
	}
	return false
}

// pageEnvelope tells a page of a list ({data: [...], has_more: true}) from
// an object that merely holds one (a cart with its items): the envelope
// carries paging fields, or nothing else.
func pageEnvelope(s *openapi3.Schema) bool {
	if len(s.Properties) <= 2 {
		return true
	}
	for _, key := range []string{"total", "total_count", "totalCount", "count", "has_more", "hasMore", "next", "next_cursor",
		"nextCursor", "next_page", "nextPage", "next_page_token", "nextPageToken", "page", "limit", "offset", "cursor",
		"links", "_links", "meta", "pagination", "page_info", "pageInfo", "url", "end_cursor", "size"} {
		if _, ok := s.Properties[key]; ok {
			return true
		}
	}
	return false
}
