package responder

import (
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// segment is one "/"-separated piece of a path template: a literal, or a
// parameter with an optional literal prefix and suffix ("{id}.json").
type segment struct {
	literal        string
	param          string
	prefix, suffix string
}

// route is one REST operation ready to match.
type route struct {
	op       *scenarios.Operation
	segments []segment
	literals int // how many segments are literal: the more, the better a match
}

// router matches request paths to operations by template. Literal
// segments beat parameters; among equals, the spec's (sorted) order wins.
type router struct {
	routes []route
}

func newRouter(s *scenarios.Surface) *router {
	r := &router{}
	for i := range s.Operations {
		op := &s.Operations[i]
		if op.Protocol != scenarios.REST || !strings.HasPrefix(op.Path, "/") {
			continue
		}
		rt := route{op: op}
		for _, part := range split(op.Path) {
			seg := parseSegment(part)
			if seg.param == "" {
				rt.literals++
			}
			rt.segments = append(rt.segments, seg)
		}
		r.routes = append(r.routes, rt)
	}
	return r
}

func split(path string) []string {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	return strings.Split(path, "/")
}

func parseSegment(part string) segment {
	open := strings.IndexByte(part, '{')
	end := strings.LastIndexByte(part, '}')
	if open < 0 || end < open {
		return segment{literal: part}
	}
	return segment{param: part[open+1 : end], prefix: part[:open], suffix: part[end+1:]}
}

// match finds the operation serving method and path, with its path
// parameters; allowed is true when the path matched some operation under
// another method. A path under a base path the spec's templates lack
// ("/v1/pets" for "/pets") matches once its leading segments are dropped.
func (r *router) match(method, path string) (op *scenarios.Operation, params map[string]string, allowed bool) {
	parts := split(path)
	for drop := 0; drop <= min(3, len(parts)); drop++ {
		op, params, allowed = r.matchParts(method, parts[drop:])
		if op != nil || allowed {
			return op, params, allowed
		}
	}
	return nil, nil, false
}

func (r *router) matchParts(method string, parts []string) (*scenarios.Operation, map[string]string, bool) {
	var best *route
	allowed := false
	for i := range r.routes {
		rt := &r.routes[i]
		if len(rt.segments) != len(parts) || !rt.fits(parts) {
			continue
		}
		if rt.op.Method != method {
			allowed = true
			continue
		}
		if best == nil || rt.literals > best.literals {
			best = rt
		}
	}
	if best == nil {
		return nil, nil, allowed
	}
	params := map[string]string{}
	for i, seg := range best.segments {
		if seg.param != "" {
			params[seg.param] = parts[i][len(seg.prefix) : len(parts[i])-len(seg.suffix)]
		}
	}
	return best.op, params, true
}

func (rt *route) fits(parts []string) bool {
	for i, seg := range rt.segments {
		p := parts[i]
		if seg.param == "" {
			if p != seg.literal {
				return false
			}
			continue
		}
		if len(p) <= len(seg.prefix)+len(seg.suffix) || !strings.HasPrefix(p, seg.prefix) || !strings.HasSuffix(p, seg.suffix) {
			return false
		}
	}
	return true
}
