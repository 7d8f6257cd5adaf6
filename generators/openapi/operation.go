package openapi

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/abusegate/abusegate/scenarios"
)

// facts are what the role heuristics read beyond the Operation itself.
type facts struct {
	arrayResponse bool     // the success body is a list, or wraps one at top level
	contentTypes  []string // of the success response
	scopes        []string // OAuth scopes the operation asks for
}

func (b *builder) operation(path, method string, item *openapi3.PathItem, op *openapi3.Operation) scenarios.Operation {
	m := strings.ToLower(method)
	o := scenarios.Operation{
		ID:         op.OperationID,
		Method:     strings.ToUpper(method),
		Path:       path,
		Summary:    op.Summary,
		Auth:       requiresAuth(b.requirements(op)),
		Deprecated: op.Deprecated,
		Tags:       slices.Clone(op.Tags),
		Loc:        b.loc(op.Origin, "paths", path, m),
	}
	if o.ID == "" {
		o.ID = o.Key()
	}
	params := slices.Clone(item.Parameters)
	params = append(params, op.Parameters...)
	for _, ref := range params {
		if ref == nil || ref.Value == nil {
			continue
		}
		o.Params = append(o.Params, b.param(path, m, ref.Value))
	}
	o.Params = overrideParams(o.Params) // an operation-level parameter replaces a path-level one
	body := b.requestBody(path, m, op)
	o.Params = append(o.Params, body...)
	for _, p := range body {
		o.RequestFields = append(o.RequestFields, p.Name)
	}
	var f facts
	f.scopes = scopes(b.requirements(op))
	o.Responses, o.ResponseFields, f = b.responses(path, m, op, f)
	o.Replies = b.replies(op)

	x := b.xAbuse(op, o.Loc)
	x.applyParams(o.Params)
	for i := range o.Params {
		if o.Params[i].Role == scenarios.ParamObjectID && o.Params[i].IDKind == scenarios.IDUnknown {
			o.Params[i].IDKind = idKind(o.Params[i])
		}
	}
	o.Roles = roles(o, f)
	x.apply(&o)
	o.Pagination = pagination(o)
	o.Sensitivity = sensitivity(o, x)
	return o
}

// overrideParams keeps the last of parameters sharing name and location,
// as OpenAPI says an operation's own parameter overrides its path item's.
func overrideParams(ps []scenarios.Param) []scenarios.Param {
	out := ps[:0]
	for i, p := range ps {
		dup := false
		for _, q := range ps[i+1:] {
			if q.Name == p.Name && q.In == p.In {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

func (b *builder) param(path, method string, p *openapi3.Parameter) scenarios.Param {
	out := scenarios.Param{Name: p.Name, Required: p.Required, In: paramIn(p.In)}
	if b.v2 != nil {
		out.Loc = b.v2.param(path, method, p.Name, p.In)
	} else {
		out.Loc = b.loc(p.Origin)
	}
	if p.Schema != nil && p.Schema.Value != nil {
		s := p.Schema.Value
		out.Type = schemaType(s)
		out.Format = s.Format
		if s.Max != nil {
			out.Maximum = *s.Max
		}
		out.IDKind = patternKind(s.Pattern)
	}
	out.Role = paramRole(out)
	if p.Extensions != nil {
		if raw, ok := p.Extensions[extension]; ok {
			b.paramXAbuse(&out, raw)
		}
	}
	return out
}

// schemaType is the first non-null JSON type of a schema (3.1 allows
// ["integer", "null"]).
func schemaType(s *openapi3.Schema) string {
	if s.Type == nil {
		return ""
	}
	for _, t := range s.Type.Slice() {
		if t != "null" {
			return t
		}
	}
	return ""
}

// requestBody lists the JSON (or form) body fields as body parameters,
// with dotted names for nested ones.
func (b *builder) requestBody(path, method string, op *openapi3.Operation) []scenarios.Param {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := jsonMedia(op.RequestBody.Value.Content)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	fallback := b.loc(op.RequestBody.Value.Origin, "paths", path, method)
	var out []scenarios.Param
	for _, f := range b.fields(mt.Schema.Value) {
		p := scenarios.Param{Name: f.path, In: scenarios.InBody, Type: schemaType(f.schema), Format: f.schema.Format, Required: f.required, Loc: fallback}
		if b.v2 == nil && f.schema.Origin != nil && f.schema.Origin.Key != nil {
			p.Loc = b.loc(f.schema.Origin)
		}
		if f.schema.Max != nil {
			p.Maximum = *f.schema.Max
		}
		p.Role = bodyRole(p.Name)
		out = append(out, p)
	}
	return out
}

// jsonMedia picks the JSON media type, then form encodings, then any.
func jsonMedia(c openapi3.Content) *openapi3.MediaType {
	if len(c) == 0 {
		return nil
	}
	for _, want := range []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"} {
		if mt := c.Get(want); mt != nil {
			return mt
		}
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.Contains(k, "json") {
			return c[k]
		}
	}
	return c[keys[0]]
}

func (b *builder) responses(path, method string, op *openapi3.Operation, f facts) ([]scenarios.Response, []string, facts) {
	if op.Responses == nil {
		return nil, nil, f
	}
	var out []scenarios.Response
	var success []string
	codes := make([]string, 0, op.Responses.Len())
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	successCode := ""
	for _, c := range codes {
		if strings.HasPrefix(c, "2") {
			successCode = c
			break
		}
	}
	if successCode == "" && slices.Contains(codes, "default") {
		successCode = "default"
	}
	for _, code := range codes {
		ref := op.Responses.Value(code)
		if ref == nil || ref.Value == nil {
			continue
		}
		r := scenarios.Response{Code: code, Loc: b.fieldLoc(op.Responses.Origin, code, "paths", path, method, "responses", code)}
		if r.Loc.Line == 0 {
			r.Loc = b.loc(ref.Value.Origin, "paths", path, method, "responses", code)
		}
		for h := range ref.Value.Headers {
			r.Headers = append(r.Headers, h)
		}
		slices.Sort(r.Headers)
		if mt := jsonMedia(ref.Value.Content); mt != nil && mt.Schema != nil {
			for _, fl := range b.fields(mt.Schema.Value) {
				r.Fields = append(r.Fields, fl.path)
			}
		}
		if code == successCode {
			success = r.Fields
			for ct := range ref.Value.Content {
				f.contentTypes = append(f.contentTypes, ct)
			}
			slices.Sort(f.contentTypes)
			if mt := jsonMedia(ref.Value.Content); mt != nil && mt.Schema != nil {
				f.arrayResponse = listShaped(mt.Schema.Value)
			}
		}
		out = append(out, r)
	}
	return out, success, f
}
