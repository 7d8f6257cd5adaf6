package guard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/abusegate/abusegate/runtime/monitor"
	"github.com/abusegate/abusegate/scenarios"
)

// gqlparser's types stay in this file and graphql_cache.go: the rest of
// the guard sees gqlRequest and gqlField only.

// gqlMaxBody bounds how much of a GraphQL request, and of its answer, the
// guard reads; a larger request passes through unparsed as one plain
// request, a larger answer leaves every field with the HTTP status.
const gqlMaxBody = 256 << 10

// gqlMaxTokens bounds the parser's work on one document.
const gqlMaxTokens = 100_000

// gqlMaxFields bounds the fields (so the events) one request makes; the
// upstream's own batch limit is usually far lower.
const gqlMaxFields = 4096

// gqlMaxDepth bounds how deep inline fragments and fragment spreads are
// followed to find a document's top-level fields.
const gqlMaxDepth = 4

// gqlField is one top-level field of a GraphQL request resolved to its
// Surface operation: which batch element and response key (alias) it is
// answered under, and the business fields of its arguments.
type gqlField struct {
	elem                       int
	alias                      string
	op                         *scenarios.Operation
	objectID, username, coupon string
}

// gqlRequest is what the guard read of a GraphQL request: its resolved
// fields, whether it was a batch (an array body, answered by an array),
// and how many of its documents it could not read.
type gqlRequest struct {
	fields    []gqlField
	batch     bool
	malformed int
}

// gqlPayload is one operation of a request body.
type gqlPayload struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
}

var errNotGraphQL = errors.New("graphql: the body is not a JSON object or array of {query, variables}")

// readGraphQL reads a request's GraphQL payload: the JSON body of a POST
// (an object, or an array for a batch), or the query string of a GET. It
// restores the body for the upstream.
func readGraphQL(r *http.Request) ([]gqlPayload, bool, error) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		p := gqlPayload{Query: q.Get("query"), OperationName: q.Get("operationName"), Variables: json.RawMessage(q.Get("variables"))}
		if p.Query == "" {
			return nil, false, errNotGraphQL
		}
		return []gqlPayload{p}, false, nil
	}
	buf, ok := peekN(&r.Body, gqlMaxBody)
	if !ok {
		return nil, false, fmt.Errorf("graphql: no body, or a body over %d bytes", gqlMaxBody)
	}
	return decodePayloads(buf)
}

func decodePayloads(buf []byte) ([]gqlPayload, bool, error) {
	trimmed := bytes.TrimLeft(buf, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		var batch []gqlPayload
		if err := json.Unmarshal(trimmed, &batch); err != nil {
			return nil, true, fmt.Errorf("%w: %w", errNotGraphQL, err)
		}
		return batch, true, nil
	}
	var p gqlPayload
	if err := json.Unmarshal(trimmed, &p); err != nil {
		return nil, false, fmt.Errorf("%w: %w", errNotGraphQL, err)
	}
	return []gqlPayload{p}, false, nil
}

// resolveGraphQL resolves every top-level field of every payload to its
// Surface operation. Fields the Surface does not know (introspection,
// __typename) are left out; documents it cannot read are counted.
func resolveGraphQL(rt *monitor.Router, cache *docCache, payloads []gqlPayload, batch bool) gqlRequest {
	out := gqlRequest{batch: batch}
	for i, p := range payloads {
		if err := out.addDocument(rt, cache, i, p); err != nil {
			out.malformed++
		}
	}
	return out
}

func (q *gqlRequest) addDocument(rt *monitor.Router, cache *docCache, elem int, p gqlPayload) (err error) {
	// The parser is fuzzed upstream, but a guard must never fall over on
	// a request: a panic is one more malformed document.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("graphql: parser panic: %v", r)
		}
	}()
	if p.Query == "" {
		return errNotGraphQL
	}
	doc, perr := cache.parse(p.Query)
	if perr != nil {
		return perr
	}
	op := pickOperation(doc, p.OperationName)
	if op == nil {
		return fmt.Errorf("graphql: no operation %q in the document", p.OperationName)
	}
	var vars map[string]any
	if len(p.Variables) > 0 && !bytes.Equal(p.Variables, []byte("null")) {
		if err := json.Unmarshal(p.Variables, &vars); err != nil {
			return fmt.Errorf("graphql: variables: %w", err)
		}
	}
	method := strings.ToUpper(string(op.Operation))
	q.walk(rt, doc, op.SelectionSet, method, elem, vars, 0)
	return nil
}

func pickOperation(doc *ast.QueryDocument, name string) *ast.OperationDefinition {
	if name != "" {
		return doc.Operations.ForName(name)
	}
	if len(doc.Operations) == 1 {
		return doc.Operations[0]
	}
	return nil
}

func (q *gqlRequest) walk(rt *monitor.Router, doc *ast.QueryDocument, set ast.SelectionSet, method string, elem int, vars map[string]any, depth int) {
	if depth > gqlMaxDepth {
		return
	}
	for _, sel := range set {
		if len(q.fields) >= gqlMaxFields {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			mt, ok := rt.Field(method, s.Name)
			if !ok || mt.Op == nil {
				continue
			}
			f := gqlField{elem: elem, alias: s.Alias, op: mt.Op}
			if f.alias == "" {
				f.alias = s.Name
			}
			fillArgs(&f, s.Arguments, vars)
			q.fields = append(q.fields, f)
		case *ast.InlineFragment:
			q.walk(rt, doc, s.SelectionSet, method, elem, vars, depth+1)
		case *ast.FragmentSpread:
			if fd := doc.Fragments.ForName(s.Name); fd != nil {
				q.walk(rt, doc, fd.SelectionSet, method, elem, vars, depth+1)
			}
		}
	}
}

// fillArgs reads the field's object id, login username and coupon code
// from its arguments, as the Surface names them.
func fillArgs(f *gqlField, args ast.ArgumentList, vars map[string]any) {
	op := f.op
	if p, ok := op.ObjectID(); ok && p.In == scenarios.InArgument {
		f.objectID = argString(args, p.Name, vars)
	}
	for _, p := range op.Params {
		if p.In != scenarios.InArgument {
			continue
		}
		switch {
		case p.Role == scenarios.ParamUsername && op.Has(scenarios.RoleLogin) && f.username == "":
			f.username = argString(args, p.Name, vars)
		case p.Role == scenarios.ParamCoupon && f.coupon == "":
			f.coupon = argString(args, p.Name, vars)
		}
	}
}

// argString is the value of a (dotted: "input.email") argument as text,
// through variables and input objects; "" when absent or not a scalar.
func argString(args ast.ArgumentList, dotted string, vars map[string]any) string {
	name, rest, _ := strings.Cut(dotted, ".")
	a := args.ForName(name)
	if a == nil || a.Value == nil {
		return ""
	}
	v := a.Value
	for {
		switch v.Kind {
		case ast.Variable:
			return scalarText(dig(vars[v.Raw], rest))
		case ast.ObjectValue:
			if rest == "" {
				return ""
			}
			var next string
			name, next, _ = strings.Cut(rest, ".")
			c := v.Children.ForName(name)
			if c == nil {
				return ""
			}
			v, rest = c, next
			continue
		case ast.IntValue, ast.FloatValue, ast.StringValue, ast.BlockValue, ast.EnumValue, ast.BooleanValue:
			if rest != "" {
				return ""
			}
			return v.Raw
		}
		return ""
	}
}

// dig follows a dotted path through decoded JSON objects.
func dig(v any, path string) any {
	for path != "" {
		var k string
		k, path, _ = strings.Cut(path, ".")
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// events are the request's fields as monitor events: the request's own
// event (who, when) with each field's operation, object id, username and
// coupon. Method is "QUERY" or "MUTATION" and Path the field name, which
// the monitor's Router resolves; Route is already the operation's key.
func (q *gqlRequest) events(base scenarios.Event) []scenarios.Event {
	evs := make([]scenarios.Event, len(q.fields))
	for i, f := range q.fields {
		ev := base
		ev.Method, ev.Path, ev.Route = f.op.Method, f.op.Path, f.op.Key()
		ev.ObjectID, ev.Username, ev.Coupon = f.objectID, f.username, f.coupon
		evs[i] = ev
	}
	return evs
}

// hasLogin reports whether a field is a login, whose answer holds a token
// to learn.
func (q *gqlRequest) hasLogin() bool {
	for _, f := range q.fields {
		if f.username != "" {
			return true
		}
	}
	return false
}

// firstUsername is the first login username the request tries, so a
// contained identity cannot log in again through GraphQL either.
func (q *gqlRequest) firstUsername() string {
	for _, f := range q.fields {
		if f.username != "" {
			return f.username
		}
	}
	return ""
}
