package responder

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Bounds of a GraphQL document the responder reads: its length, how deep
// selections nest and how many fields it selects in all.
const (
	maxDocument  = 256 << 10
	maxSelDepth  = 24
	maxSelFields = 20_000
)

// gqlField is one selected field: its alias (the answer's key), name,
// arguments with variables resolved, and sub-selection.
type gqlField struct {
	alias, name string
	args        map[string]any
	sel         []gqlField
}

// gqlOp is the operation of a document the responder answers.
type gqlOp struct {
	mutation bool
	fields   []gqlField
}

// gqlParser reads an executable GraphQL document: just enough of the
// grammar to find the operation's fields, their arguments and selection
// sets; fragments are inlined whatever their type condition.
type gqlParser struct {
	src       string
	pos       int
	vars      map[string]any
	fragments map[string]int // name -> position of its selection set
	fields    int
}

// parseGraphQL returns the operation named name (the first when empty).
func parseGraphQL(doc string, name string, vars map[string]any) (gqlOp, error) {
	if len(doc) > maxDocument {
		return gqlOp{}, errors.New("document too large")
	}
	p := &gqlParser{src: doc, vars: vars, fragments: map[string]int{}}
	type opAt struct {
		name     string
		mutation bool
		at       int
	}
	var ops []opAt
	for p.skip(); p.pos < len(p.src); p.skip() {
		if p.peek() == '{' {
			ops = append(ops, opAt{at: p.pos})
			if err := p.skipBlock(); err != nil {
				return gqlOp{}, err
			}
			continue
		}
		kw := p.name()
		switch kw {
		case "query", "mutation", "subscription":
			p.skip()
			o := opAt{mutation: kw == "mutation"}
			if isNameStart(p.peek()) {
				o.name = p.name()
			}
			for p.skip(); p.pos < len(p.src) && p.peek() != '{'; p.skip() {
				p.pos++ // variable definitions and directives
			}
			o.at = p.pos
			ops = append(ops, o)
		case "fragment":
			p.skip()
			fname := p.name()
			for p.skip(); p.pos < len(p.src) && p.peek() != '{'; p.skip() {
				p.pos++ // "on Type" and directives
			}
			p.fragments[fname] = p.pos
		default:
			return gqlOp{}, fmt.Errorf("unexpected %q at offset %d", kw, p.pos)
		}
		if err := p.skipBlock(); err != nil {
			return gqlOp{}, err
		}
	}
	for _, o := range ops {
		if name == "" || o.name == name {
			p.pos = o.at
			fields, err := p.selectionSet(0)
			return gqlOp{mutation: o.mutation, fields: fields}, err
		}
	}
	return gqlOp{}, fmt.Errorf("no operation %q in the document", name)
}

func (p *gqlParser) selectionSet(depth int) ([]gqlField, error) {
	if depth > maxSelDepth {
		return nil, errors.New("selections nest too deep")
	}
	if !p.eat('{') {
		return nil, fmt.Errorf("expected { at offset %d", p.pos)
	}
	var out []gqlField
	for {
		p.skip()
		switch {
		case p.pos >= len(p.src):
			return nil, errors.New("unterminated selection set")
		case p.eat('}'):
			return out, nil
		case strings.HasPrefix(p.src[p.pos:], "..."):
			p.pos += 3
			fields, err := p.spread(depth)
			if err != nil {
				return nil, err
			}
			out = append(out, fields...)
			continue
		}
		f, err := p.field(depth)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
}

// spread inlines a fragment spread or an inline fragment.
func (p *gqlParser) spread(depth int) ([]gqlField, error) {
	if p.fields++; p.fields > maxSelFields {
		return nil, errors.New("too many fields selected")
	}
	p.skip()
	if p.peek() == '{' || strings.HasPrefix(p.src[p.pos:], "on ") || p.peek() == '@' {
		for p.pos < len(p.src) && p.peek() != '{' {
			p.pos++
		}
		return p.selectionSet(depth + 1)
	}
	name := p.name()
	at, ok := p.fragments[name]
	if !ok {
		return nil, fmt.Errorf("unknown fragment %q", name)
	}
	p.skipDirectives()
	back := p.pos
	p.pos = at
	fields, err := p.selectionSet(depth + 1)
	p.pos = back
	return fields, err
}

func (p *gqlParser) field(depth int) (gqlField, error) {
	if p.fields++; p.fields > maxSelFields {
		return gqlField{}, errors.New("too many fields selected")
	}
	f := gqlField{name: p.name()}
	if f.name == "" {
		return f, fmt.Errorf("expected a field name at offset %d", p.pos)
	}
	f.alias = f.name
	if p.skip(); p.eat(':') {
		p.skip()
		f.name = p.name()
	}
	if p.skip(); p.eat('(') {
		f.args = map[string]any{}
		for p.skip(); !p.eat(')'); p.skip() {
			if p.pos >= len(p.src) {
				return f, errors.New("unterminated arguments")
			}
			n := p.name()
			p.skip()
			if n == "" || !p.eat(':') {
				return f, fmt.Errorf("expected name: value at offset %d", p.pos)
			}
			v, err := p.value(0)
			if err != nil {
				return f, err
			}
			f.args[n] = v
		}
	}
	p.skipDirectives()
	if p.skip(); p.peek() == '{' {
		sel, err := p.selectionSet(depth + 1)
		if err != nil {
			return f, err
		}
		f.sel = sel
	}
	return f, nil
}

func (p *gqlParser) value(depth int) (any, error) {
	if depth > maxSelDepth {
		return nil, errors.New("value nests too deep")
	}
	p.skip()
	switch c := p.peek(); {
	case c == '$':
		p.pos++
		return p.vars[p.name()], nil
	case c == '"':
		return p.str()
	case c == '[':
		p.pos++
		var list []any
		for p.skip(); !p.eat(']'); p.skip() {
			if p.pos >= len(p.src) {
				return nil, errors.New("unterminated list")
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case c == '{':
		p.pos++
		obj := map[string]any{}
		for p.skip(); !p.eat('}'); p.skip() {
			n := p.name()
			p.skip()
			if n == "" || !p.eat(':') {
				return nil, fmt.Errorf("expected name: value at offset %d", p.pos)
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			obj[n] = v
		}
		return obj, nil
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.src) && strings.IndexByte("+-0123456789.eE", p.src[p.pos]) >= 0 {
			p.pos++
		}
		f, err := strconv.ParseFloat(p.src[start:p.pos], 64)
		if err != nil {
			return nil, fmt.Errorf("bad number at offset %d", start)
		}
		return f, nil
	case isNameStart(c):
		switch n := p.name(); n {
		case "true", "false":
			return n == "true", nil
		case "null":
			return nil, nil
		default:
			return n, nil // an enum value
		}
	}
	return nil, fmt.Errorf("expected a value at offset %d", p.pos)
}

// str reads a string or block string, with the usual escapes.
func (p *gqlParser) str() (string, error) {
	if strings.HasPrefix(p.src[p.pos:], `"""`) {
		end := strings.Index(p.src[p.pos+3:], `"""`)
		if end < 0 {
			return "", errors.New("unterminated block string")
		}
		s := p.src[p.pos+3 : p.pos+3+end]
		p.pos += end + 6
		return s, nil
	}
	start := p.pos
	for p.pos++; p.pos < len(p.src); p.pos++ {
		switch p.src[p.pos] {
		case '\\':
			p.pos++
		case '"':
			p.pos++
			s, err := strconv.Unquote(p.src[start:p.pos])
			if err != nil {
				return p.src[start+1 : p.pos-1], nil //nolint:nilerr // a \u escape Go reads differently: keep it raw
			}
			return s, nil
		}
	}
	return "", errors.New("unterminated string")
}

func (p *gqlParser) skipDirectives() {
	for p.skip(); p.eat('@'); p.skip() {
		p.name()
		if p.skip(); p.peek() == '(' {
			_ = p.skipBalanced('(', ')')
		}
	}
}

// skipBlock skips a balanced { ... } block.
func (p *gqlParser) skipBlock() error { return p.skipBalanced('{', '}') }

func (p *gqlParser) skipBalanced(open, end byte) error {
	depth := 0
	for ; p.pos < len(p.src); p.pos++ {
		switch c := p.src[p.pos]; {
		case c == '"':
			if _, err := p.str(); err != nil {
				return err
			}
			p.pos--
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == open:
			depth++
		case c == end:
			if depth--; depth == 0 {
				p.pos++
				return nil
			}
		}
	}
	return errors.New("unbalanced braces")
}

// skip passes white space, commas and comments.
func (p *gqlParser) skip() {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == 0xEF || c == 0xBB || c == 0xBF:
			p.pos++
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *gqlParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *gqlParser) eat(c byte) bool {
	if p.peek() == c {
		p.pos++
		return true
	}
	return false
}

func (p *gqlParser) name() string {
	start := p.pos
	for p.pos < len(p.src) && (isNameStart(p.src[p.pos]) || p.pos > start && p.src[p.pos] >= '0' && p.src[p.pos] <= '9') {
		p.pos++
	}
	return p.src[start:p.pos]
}

func isNameStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
