package monitor

import (
	"slices"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// Router maps a request's method and path to the Surface operation it
// exercises. Templates are compiled once into a segment tree, so a lookup
// costs one step per path segment; a literal segment beats a parameter
// ("/users/me" wins over "/users/{id}"), falling back to the parameter when
// the literal branch dead-ends. A Router is immutable and safe for
// concurrent use.
type Router struct {
	root node
	// fields are the GraphQL operations by key ("QUERY user"): they share
	// one HTTP path, so the guard resolves each field of a document and
	// hands the monitor one event per field, Method "QUERY" or "MUTATION"
	// and Path the field name.
	fields map[fieldKey]opRef
	// endpoints are the HTTP paths GraphQL fields are served on.
	endpoints []string
}

// Match is what a path matched: the template, the value of its object-id
// path parameter, and the operation for the request's method.
type Match struct {
	// Route is the operation path template, such as "/users/{id}".
	Route string
	// ObjectID is the value of the template's object-id path parameter, ""
	// when it has none.
	ObjectID string
	// Op is the operation for the method, nil when the template matched but
	// the Surface has no operation for that method; Index is its index in
	// Surface.Operations, -1 when Op is nil.
	Op    *scenarios.Operation
	Index int
}

// node is one path segment's branch. Literal children are scanned in a
// slice while there are few (a string compare beats hashing), and found
// in a map past smallNode of them.
type node struct {
	few    []child
	static map[string]*node
	param  *node
	leaf   *leaf
}

type child struct {
	seg string
	n   *node
}

const smallNode = 8

func (n *node) child(seg string) *node {
	if n.static != nil {
		return n.static[seg]
	}
	for i := range n.few {
		if n.few[i].seg == seg {
			return n.few[i].n
		}
	}
	return nil
}

func (n *node) addChild(seg string) *node {
	if c := n.child(seg); c != nil {
		return c
	}
	c := &node{}
	if n.static == nil && len(n.few) < smallNode {
		n.few = append(n.few, child{seg: seg, n: c})
		return c
	}
	if n.static == nil {
		n.static = make(map[string]*node, 2*smallNode)
		for _, x := range n.few {
			n.static[x.seg] = x.n
		}
		n.few = nil
	}
	n.static[seg] = c
	return c
}

type leaf struct {
	route string
	// objIdx is the segment index of the object-id path parameter, -1 if
	// none.
	objIdx int
	// ops are the template's operations, one per method (a handful).
	ops []opRef
}

type opRef struct {
	method string
	op     *scenarios.Operation
	index  int
	// key is a GraphQL field's op.Key(), its Route, built once.
	key string
}

// fieldKey finds a GraphQL field without building its key per lookup.
type fieldKey struct{ method, name string }

func (l *leaf) op(method string) (opRef, bool) {
	for _, r := range l.ops {
		if r.method == method {
			return r, true
		}
	}
	return opRef{}, false
}

// NewRouter compiles the Surface's REST operation templates and indexes
// its GraphQL fields by key. When two operations share a method and
// template, the first wins.
func NewRouter(surface scenarios.Surface) *Router {
	r := &Router{fields: map[fieldKey]opRef{}}
	ops := append([]scenarios.Operation(nil), surface.Operations...)
	for i := range ops {
		if ops[i].Protocol == scenarios.GraphQL {
			if k := (fieldKey{ops[i].Method, ops[i].Path}); r.fields[k].op == nil {
				r.fields[k] = opRef{method: ops[i].Method, op: &ops[i], index: i, key: ops[i].Key()}
			}
			if ep := ops[i].Endpoint; ep != "" && !slices.Contains(r.endpoints, ep) {
				r.endpoints = append(r.endpoints, ep)
			}
			continue
		}
		r.add(&ops[i], i)
	}
	return r
}

// Field finds the GraphQL operation of a field: method "QUERY" or
// "MUTATION" (any case) and the field's name. Its Route is the
// operation's key, "QUERY user".
func (r *Router) Field(method, name string) (Match, bool) {
	ref, ok := r.fields[fieldKey{strings.ToUpper(method), name}]
	if !ok {
		return Match{Index: -1}, false
	}
	return Match{Route: ref.key, Op: ref.op, Index: ref.index}, true
}

// GraphQL reports whether the Surface has GraphQL operations served on
// the HTTP path endpoint; a Surface without any answers at once, so REST
// requests pay nothing for it.
func (r *Router) GraphQL(endpoint string) bool {
	for _, ep := range r.endpoints {
		if ep == endpoint {
			return true
		}
	}
	return false
}

func (r *Router) add(op *scenarios.Operation, index int) {
	if !strings.HasPrefix(op.Path, "/") {
		return
	}
	n := &r.root
	segs := splitPath(op.Path)
	objIdx := -1
	for i, seg := range segs {
		if name, ok := paramName(seg); ok {
			if p, ok := op.Param(scenarios.InPath, name); ok && p.Role == scenarios.ParamObjectID {
				objIdx = i
			}
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
			continue
		}
		n = n.addChild(seg)
	}
	if n.leaf == nil {
		n.leaf = &leaf{route: op.Path, objIdx: -1}
	}
	if n.leaf.objIdx < 0 {
		n.leaf.objIdx = objIdx
	}
	if _, dup := n.leaf.op(op.Method); !dup {
		n.leaf.ops = append(n.leaf.ops, opRef{method: op.Method, op: op, index: index})
	}
}

// Match finds the operation a request exercises. A query string, if any,
// is ignored. A path without a leading slash is a GraphQL field name (see
// Field). It reports false when no template matches the path.
func (r *Router) Match(method, path string) (Match, bool) {
	if path != "" && path[0] != '/' {
		return r.Field(method, path)
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	l, id := r.root.match(trimSlashes(path), 0)
	if l == nil {
		return Match{Index: -1}, false
	}
	m := Match{Route: l.route, ObjectID: id, Index: -1}
	if ref, ok := l.op(method); ok {
		m.Op, m.Index = ref.op, ref.index
	}
	return m, true
}

// match finds the leaf of a slash-trimmed path whose first segment is the
// depth-th, and the value of its object-id segment, read on the way back
// from the parameter branch that holds it: the path is scanned once.
func (n *node) match(path string, depth int) (*leaf, string) {
	if path == "" {
		return n.leaf, ""
	}
	seg, rest := path, ""
	if i := strings.IndexByte(path, '/'); i >= 0 {
		seg, rest = path[:i], path[i+1:]
	}
	if seg == "" {
		return nil, ""
	}
	if c := n.child(seg); c != nil {
		if l, id := c.match(rest, depth+1); l != nil {
			return l, id
		}
	}
	if n.param == nil {
		return nil, ""
	}
	l, id := n.param.match(rest, depth+1)
	if l != nil && l.objIdx == depth {
		id = seg
	}
	return l, id
}

func trimSlashes(p string) string {
	if p != "" && p[0] == '/' {
		p = p[1:]
	}
	if p != "" && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}

func splitPath(p string) []string {
	p = trimSlashes(p)
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func paramName(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}
