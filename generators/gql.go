package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// Doc builds one GraphQL operation document with variables, the way a
// client library sends it: the values travel in "variables", never pasted
// into the query text, so any string (a password with quotes) is safe and
// the document's shape stays the same from one request to the next.
// Aliases put the same field in a document many times: the heart of the
// GraphQL abuses (many logins, reads or coupons in one HTTP request).
type Doc struct {
	// Op is "query" or "mutation"; Name is the operation name.
	Op, Name string
	decls    []string
	fields   []string
	vars     map[string]any
}

// NewDoc starts a document of kind op ("query" or "mutation", any case,
// as Operation.Method spells it).
func NewDoc(op, name string) *Doc {
	return &Doc{Op: strings.ToLower(op), Name: name, vars: map[string]any{}}
}

// Var declares variable name of GraphQL type typ (as the schema writes
// it: "String!", "ID!") with value, and returns "$name" to use as an
// argument. An empty typ is "String".
func (d *Doc) Var(name, typ string, value any) string {
	if typ == "" {
		typ = "String"
	}
	d.decls = append(d.decls, "$"+name+": "+typ)
	d.vars[name] = value
	return "$" + name
}

// Field adds alias: field(args) { selection } to the document. args maps
// argument names to "$var" references or literals, written in sorted
// order; an empty selection is for scalar fields.
func (d *Doc) Field(alias, field string, args map[string]string, selection string) {
	var b strings.Builder
	if alias != "" && alias != field {
		b.WriteString(alias + ": ")
	}
	b.WriteString(field)
	if len(args) > 0 {
		names := make([]string, 0, len(args))
		for k := range args {
			names = append(names, k)
		}
		slices.Sort(names)
		b.WriteByte('(')
		for i, k := range names {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + ": " + args[k])
		}
		b.WriteByte(')')
	}
	if selection != "" {
		b.WriteString(" { " + selection + " }")
	}
	d.fields = append(d.fields, b.String())
}

// Len is how many fields the document holds.
func (d *Doc) Len() int { return len(d.fields) }

// Query is the document's text.
func (d *Doc) Query() string {
	var b strings.Builder
	b.WriteString(d.Op + " " + d.Name)
	if len(d.decls) > 0 {
		b.WriteString("(" + strings.Join(d.decls, ", ") + ")")
	}
	b.WriteString(" { " + strings.Join(d.fields, " ") + " }")
	return b.String()
}

// payload is the JSON object of one operation in a request body.
func (d *Doc) payload() map[string]any {
	return map[string]any{"query": d.Query(), "operationName": d.Name, "variables": d.vars}
}

// GraphQLRequest posts one document to endpoint; route names the
// operation in the timeline.
func GraphQLRequest(endpoint string, h http.Header, d *Doc) scenarios.Request {
	return JSONRequest(http.MethodPost, endpoint, endpoint, h, d.payload())
}

// GraphQLBatch posts several documents as one JSON array, the batching
// Apollo and others accept: one HTTP request, many operations.
func GraphQLBatch(endpoint string, h http.Header, docs []*Doc) scenarios.Request {
	batch := make([]map[string]any, len(docs))
	for i, d := range docs {
		batch[i] = d.payload()
	}
	return JSONRequest(http.MethodPost, endpoint, endpoint, h, batch)
}

// Answer is one GraphQL response: the data of each (aliased) field and
// the errors.
type Answer struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []AnswerError              `json:"errors"`
}

// AnswerError is one GraphQL error. Extensions often carry a code
// (UNAUTHENTICATED, FORBIDDEN) or, as in the demo shop, the HTTP status
// the REST API would have sent.
type AnswerError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// ParseAnswers reads a GraphQL response body: one answer, or an array of
// them for a batch.
func ParseAnswers(body []byte) ([]Answer, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var out []Answer
		if err := json.Unmarshal(trimmed, &out); err != nil {
			return nil, fmt.Errorf("graphql batch answer: %w", err)
		}
		return out, nil
	}
	var a Answer
	if err := json.Unmarshal(trimmed, &a); err != nil {
		return nil, fmt.Errorf("graphql answer: %w", err)
	}
	return []Answer{a}, nil
}

// Object returns the field under alias when it is a non-null object.
func (a Answer) Object(alias string) (map[string]any, bool) {
	raw, ok := a.Data[alias]
	if !ok {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// Denied reports whether an error says the caller was refused rather
// than wrong: forbidden, throttled or locked (a GraphQL server that
// contains abuse in-band, with HTTP 200).
func (a Answer) Denied() bool {
	for _, e := range a.Errors {
		code, _ := e.Extensions["code"].(string)
		status, _ := e.Extensions["status"].(float64)
		switch {
		case code == "FORBIDDEN" || code == "RATE_LIMITED" || code == "THROTTLED":
			return true
		case status == http.StatusForbidden || status == http.StatusTooManyRequests || status == http.StatusLocked:
			return true
		}
	}
	return false
}

// JudgeGraphQL judges a GraphQL request: a denial at the HTTP level (the
// guard's 401/403/429) is a denial; any other non-2xx or an unreadable
// body a failure; else count reads the answers and returns the leak, and
// the request is a success when the leak is positive, a denial when every
// answer was refused, a failure otherwise.
func JudgeGraphQL(count func([]Answer) int) func(scenarios.Result) (scenarios.Outcome, int) {
	return func(r scenarios.Result) (scenarios.Outcome, int) {
		if o := scenarios.Classify(r.Status); o != scenarios.OutcomeSuccess {
			return o, 0
		}
		answers, err := ParseAnswers(r.Body)
		if err != nil || len(answers) == 0 {
			return scenarios.OutcomeFailed, 0
		}
		if n := count(answers); n > 0 {
			return scenarios.OutcomeSuccess, n
		}
		for _, a := range answers {
			if !a.Denied() {
				return scenarios.OutcomeFailed, 0
			}
		}
		return scenarios.OutcomeDenied, 0
	}
}

// Selection turns an operation's dotted response fields ("id",
// "items[].name") into a GraphQL selection set ("id items { name }"), at
// most depth levels deep. An object whose sub-fields lie deeper is left
// out: an object selected without sub-fields is not a valid query.
func Selection(fields []string, depth int) string {
	root := &selNode{children: map[string]*selNode{}}
	for _, f := range fields {
		n := root
		for _, p := range strings.Split(strings.ReplaceAll(f, "[]", ""), ".") {
			c, ok := n.children[p]
			if !ok {
				c = &selNode{children: map[string]*selNode{}}
				n.children[p] = c
				n.names = append(n.names, p)
			}
			n = c
		}
	}
	return root.write(depth)
}

type selNode struct {
	names    []string
	children map[string]*selNode
}

func (n *selNode) write(depth int) string {
	var out []string
	for _, name := range n.names {
		c := n.children[name]
		switch {
		case len(c.names) == 0:
			out = append(out, name)
		case depth > 1:
			if sub := c.write(depth - 1); sub != "" {
				out = append(out, name+" { "+sub+" }")
			}
		}
	}
	return strings.Join(out, " ")
}
