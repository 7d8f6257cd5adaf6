package openapi

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/abusegate/abusegate/scenarios"
)

// Bounds of the shapes a responder synthesizes from: how deep a schema is
// followed (recursive ones are cut here), how many fields an object keeps,
// how many enum values and how large an example are kept.
const (
	maxShapeDepth = 6
	maxShapeProps = 48
	maxEnum       = 32
	maxExample    = 64 << 10
)

// shapeKey memoizes a schema's shape at a remaining depth: operations
// share component schemas, so stripe's 452 operations build each once.
type shapeKey struct {
	s     *openapi3.Schema
	depth int
}

// replies extracts what a responder needs to answer op: each documented
// answer's media type, example and body shape, and which one is the
// success.
func (b *builder) replies(op *openapi3.Operation) *scenarios.Replies {
	if op.Responses == nil {
		return nil
	}
	codes := make([]string, 0, op.Responses.Len())
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	r := &scenarios.Replies{}
	for _, code := range codes {
		ref := op.Responses.Value(code)
		if ref == nil || ref.Value == nil {
			continue
		}
		a := scenarios.Answer{Code: code}
		if ct, mt := mediaOf(ref.Value.Content); mt != nil {
			a.ContentType = ct
			if strings.Contains(ct, "json") {
				a.Example = exampleOf(mt)
			}
			if mt.Schema != nil {
				a.Shape = b.shape(mt.Schema.Value, maxShapeDepth)
			}
		}
		if r.Success == "" && strings.HasPrefix(code, "2") {
			r.Success = code
		}
		r.Answers = append(r.Answers, a)
	}
	if r.Success == "" {
		if _, ok := r.Answer("default"); ok {
			r.Success = "default"
		}
	}
	return r
}

// mediaOf picks the media type a responder answers with, as jsonMedia
// does, and names it.
func mediaOf(c openapi3.Content) (string, *openapi3.MediaType) {
	mt := jsonMedia(c)
	if mt == nil {
		return "", nil
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if c[k] == mt {
			return k, mt
		}
	}
	return "", nil
}

// exampleOf is the media type's example, or the first of its named
// examples, as JSON; nil when there is none or it is too large.
func exampleOf(mt *openapi3.MediaType) []byte {
	v := mt.Example
	if v == nil && len(mt.Examples) > 0 {
		names := make([]string, 0, len(mt.Examples))
		for n := range mt.Examples {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if ex := mt.Examples[n]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
				v = ex.Value.Value
				break
			}
		}
	}
	return marshalExample(v)
}

func marshalExample(v any) []byte {
	if v == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil || len(data) > maxExample {
		return nil
	}
	return data
}

// shape reduces s to a scenarios.Shape, following depth levels of
// properties and items; allOf members are merged, the first oneOf/anyOf
// alternative stands for the others.
func (b *builder) shape(s *openapi3.Schema, depth int) *scenarios.Shape {
	if s == nil {
		return nil
	}
	key := shapeKey{s, depth}
	if sh, ok := b.shapes[key]; ok {
		return sh
	}
	if b.shapes == nil {
		b.shapes = map[shapeKey]*scenarios.Shape{}
	}
	sh := &scenarios.Shape{}
	b.shapes[key] = sh // a schema that contains itself meets its own entry
	if depth <= 0 {
		sh.Cut = true
		return sh
	}
	b.fill(sh, s, depth, maxShapeDepth)
	return sh
}

// fill copies s into sh; merge bounds how many allOf/oneOf levels it
// follows at one depth.
func (b *builder) fill(sh *scenarios.Shape, s *openapi3.Schema, depth, merge int) {
	if t := schemaType(s); t != "" && sh.Type == "" {
		sh.Type = t
	}
	if sh.Format == "" {
		sh.Format = s.Format
	}
	if sh.Example == nil {
		sh.Example = marshalExample(s.Example)
	}
	if len(sh.Enum) == 0 {
		for _, e := range s.Enum[:min(len(s.Enum), maxEnum)] {
			if data, err := json.Marshal(e); err == nil && string(data) != "null" {
				sh.Enum = append(sh.Enum, data)
			}
		}
	}
	if s.Min != nil {
		sh.Minimum, sh.HasMinimum = *s.Min, true
	}
	if s.Max != nil {
		sh.Maximum, sh.HasMaximum = *s.Max, true
	}
	sh.MinLength = int(min(s.MinLength, 1<<16))
	if s.MaxLength != nil {
		sh.MaxLength = int(min(*s.MaxLength, 1<<16))
	}
	sh.MinItems = int(min(s.MinItems, 1<<16))
	if s.MaxItems != nil {
		sh.MaxItems = int(min(*s.MaxItems, 1<<16))
	}
	if s.Items != nil && sh.Items == nil {
		sh.Items = b.shape(s.Items.Value, depth-1)
		if sh.Type == "" {
			sh.Type = "array"
		}
	}
	b.properties(sh, s, depth)
	if merge <= 0 {
		return
	}
	for _, ref := range s.AllOf {
		if ref != nil && ref.Value != nil {
			b.fill(sh, ref.Value, depth, merge-1)
		}
	}
	for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		for _, ref := range alts {
			if ref != nil && ref.Value != nil && schemaType(ref.Value) != "null" {
				b.fill(sh, ref.Value, depth, merge-1)
				break
			}
		}
	}
}

func (b *builder) properties(sh *scenarios.Shape, s *openapi3.Schema, depth int) {
	if len(s.Properties) == 0 {
		return
	}
	if sh.Type == "" {
		sh.Type = "object"
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		if _, dup := sh.Property(n); !dup {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		if len(sh.Properties) >= maxShapeProps {
			break
		}
		ref := s.Properties[n]
		if ref == nil || ref.Value == nil || ref.Value.WriteOnly {
			continue
		}
		sh.Properties = append(sh.Properties, scenarios.Property{
			Name: n, Required: slices.Contains(s.Required, n), Shape: b.shape(ref.Value, depth-1),
		})
	}
	slices.SortFunc(sh.Properties, func(x, y scenarios.Property) int { return strings.Compare(x.Name, y.Name) })
}
