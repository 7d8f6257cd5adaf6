package vu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/abusegate/abusegate/scenarios"
)

// Vars are a VU's variables: values its Program took from earlier answers
// (a token after a login, ids from a list), named in later requests as
// {{name}}. A list variable holds every value a capture found.
type Vars map[string][]string

// Get is name's first value ("" when unset).
func (v Vars) Get(name string) string {
	if vs := v[name]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Set makes name a single value.
func (v Vars) Set(name, value string) { v[name] = []string{value} }

// Expand replaces every {{name}} in s with name's first value; unknown
// names are left as they are, so a missing capture shows in the request.
func (v Vars) Expand(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			break
		}
		name := strings.TrimSpace(s[i+2 : i+j])
		b.WriteString(s[:i])
		if vs, ok := v[name]; ok && len(vs) > 0 {
			b.WriteString(vs[0])
		} else {
			b.WriteString(s[i : i+j+2])
		}
		s = s[i+j+2:]
	}
	b.WriteString(s)
	return b.String()
}

// Request expands the variables in req's path, headers and body.
func (v Vars) Request(req scenarios.Request) scenarios.Request {
	req.Path = v.Expand(req.Path)
	if len(req.Body) > 0 {
		req.Body = []byte(v.Expand(string(req.Body)))
	}
	if req.Header != nil {
		h := make(http.Header, len(req.Header))
		for k, vs := range req.Header {
			for _, s := range vs {
				h[k] = append(h[k], v.Expand(s))
			}
		}
		req.Header = h
	}
	return req
}

// From is where a capture looks.
type From int

// Capture sources.
const (
	// FromJSON reads the body as JSON at an RFC 6901 pointer.
	FromJSON From = iota + 1
	FromHeader
	FromCookie
)

var fromNames = [...]string{FromJSON: "json", FromHeader: "header", FromCookie: "cookie"}

func (f From) String() string {
	if f > 0 && int(f) < len(fromNames) {
		return fromNames[f]
	}
	return fmt.Sprintf("From(%d)", int(f))
}

// Capture takes a value from an answer into a variable.
type Capture struct {
	Var  string
	From From
	// Expr is the JSON pointer ("/token", "/items"), the header name, or
	// the cookie name.
	Expr string
	// Each, for a JSON array, is the pointer inside every element ("/id"):
	// the variable holds one value per element.
	Each string
}

// ErrNoValue is returned (wrapped) when a capture finds nothing.
var ErrNoValue = errors.New("no value")

// Apply stores the captured values into vars.
func (c Capture) Apply(res *scenarios.Result, vars Vars) error {
	vals, err := c.Extract(res)
	if err != nil {
		return err
	}
	vars[c.Var] = vals
	return nil
}

// Extract returns the values the capture finds in res.
func (c Capture) Extract(res *scenarios.Result) ([]string, error) {
	if res == nil {
		return nil, fmt.Errorf("capture %s: no answer: %w", c.Var, ErrNoValue)
	}
	var vals []string
	switch c.From {
	case FromHeader:
		// A copy: the header map is the executor's (scenarios.Result).
		vals = slices.Clone(res.Header.Values(c.Expr))
	case FromCookie:
		for _, ck := range (&http.Response{Header: res.Header}).Cookies() {
			if ck.Name == c.Expr {
				vals = append(vals, ck.Value)
			}
		}
	case FromJSON:
		var doc any
		if err := json.Unmarshal(res.Body, &doc); err != nil {
			return nil, fmt.Errorf("capture %s: body is not JSON: %w", c.Var, err)
		}
		v, err := JSONPointer(doc, c.Expr)
		if err != nil {
			return nil, fmt.Errorf("capture %s: %w", c.Var, err)
		}
		if c.Each == "" {
			vals = append(vals, scalar(v))
			break
		}
		arr, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("capture %s: %s is not an array: %w", c.Var, c.Expr, ErrNoValue)
		}
		for _, el := range arr {
			if x, err := JSONPointer(el, c.Each); err == nil {
				vals = append(vals, scalar(x))
			}
		}
	default:
		return nil, fmt.Errorf("capture %s: unknown source %v", c.Var, c.From)
	}
	if len(vals) == 0 || (len(vals) == 1 && vals[0] == "") {
		return nil, fmt.Errorf("capture %s: %s %q: %w", c.Var, c.From, c.Expr, ErrNoValue)
	}
	return vals, nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// JSONPointer resolves an RFC 6901 pointer in a decoded JSON document.
func JSONPointer(doc any, ptr string) (any, error) {
	if ptr == "" {
		return doc, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("json pointer %q must start with /", ptr)
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[tok]
			if !ok {
				return nil, fmt.Errorf("json pointer %q: no member %q: %w", ptr, tok, ErrNoValue)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("json pointer %q: no element %q of %d: %w", ptr, tok, len(x), ErrNoValue)
			}
			cur = x[i]
		default:
			return nil, fmt.Errorf("json pointer %q: %q is inside a scalar: %w", ptr, tok, ErrNoValue)
		}
	}
	return cur, nil
}

// Link is one request of a Chain.
type Link struct {
	Wait    time.Duration
	Request scenarios.Request
	// Capture runs on the answer; a capture that finds nothing ends the
	// iteration (a login that yields no token has nothing to chain to).
	Capture []Capture
	// ForEach names a list variable: the link is sent once per value,
	// bound to {{item}}.
	ForEach string
}

// Chain is a Program of linked requests: login -> token -> use, or
// list -> ids -> fetch each. It is a ready-made state machine for plans and
// a model for Programs that capture values themselves.
type Chain struct {
	Links []Link
	Vars  Vars
	// Err is why the chain stopped early, if it did.
	Err error

	i, item int
	sent    bool
}

var _ scenarios.Program = (*Chain)(nil)

// NewChain returns a chain starting with vars (nil: none).
func NewChain(vars Vars, links ...Link) *Chain {
	if vars == nil {
		vars = Vars{}
	}
	return &Chain{Links: links, Vars: vars}
}

// Next implements scenarios.Program.
func (c *Chain) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if c.sent && prev != nil {
		for _, cp := range c.Links[c.i].Capture {
			if err := cp.Apply(prev, c.Vars); err != nil {
				c.Err = err
				return scenarios.Step{}, false
			}
		}
		c.advance()
	}
	c.sent = false
	for c.i < len(c.Links) {
		l := c.Links[c.i]
		if l.ForEach == "" {
			break
		}
		if list := c.Vars[l.ForEach]; c.item < len(list) {
			c.Vars.Set("item", list[c.item])
			break
		}
		c.i, c.item = c.i+1, 0
	}
	if c.i >= len(c.Links) {
		return scenarios.Step{}, false
	}
	l := c.Links[c.i]
	c.sent = true
	return scenarios.Step{Wait: l.Wait, Request: c.Vars.Request(l.Request)}, true
}

func (c *Chain) advance() {
	if c.Links[c.i].ForEach != "" {
		c.item++
		return
	}
	c.i, c.item = c.i+1, 0
}
