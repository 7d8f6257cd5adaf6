package responder

import (
	"slices"
	"strconv"

	"github.com/abusegate/abusegate/scenarios"
)

// gqlBuild answers a GraphQL field along its selection set: only what is
// selected is synthesized, each value seeded by where it sits (the
// operation, the record, the field), so that a record is the same in a
// connection's nodes and in its edges whatever is selected beside it. A
// list answers the window its arguments ask for (first, last, limit,
// after, offset, ...: see window), at the top level and nested alike; a
// Relay connection answers that window in its edges and node lists, with
// pageInfo and totalCount to match. Every value is taken from the
// document's budget (maxDocNodes): past it lists stop and values are null.
type gqlBuild struct {
	rs   *Responder
	left *int
}

// spend takes n values from the budget and reports whether they were there.
func (b *gqlBuild) spend(n int) bool {
	if *b.left < n {
		*b.left = 0
		return false
	}
	*b.left -= n
	return true
}

// synth synthesizes a whole value of sh (a leaf, or a field selected
// without a sub-selection) within the budget.
func (b *gqlBuild) synth(sh *scenarios.Shape, name string, parts []string, depth int) any {
	s := &synth{r: newRNG(b.rs.o.Seed, parts...), nodes: *b.left}
	v := s.value(sh, name, depth)
	*b.left = max(s.nodes, 0)
	return v
}

// isObjectList reports whether sh is a list of objects.
func isObjectList(sh *scenarios.Shape) bool {
	return sh != nil && sh.Type == "array" && sh.Items != nil && (sh.Items.Type == "object" || len(sh.Items.Properties) > 0)
}

// isConnection reports whether sh is a page of a list: a Relay connection
// (edges or pageInfo) or an object holding a list of objects beside a
// count or a cursor.
func isConnection(sh *scenarios.Shape) bool {
	if sh == nil || len(sh.Properties) == 0 {
		return false
	}
	if _, ok := sh.Property("pageInfo"); ok {
		return true
	}
	if e, ok := sh.Property("edges"); ok && isObjectList(e) {
		return true
	}
	lists, ok := listOf(sh)
	if !ok || lists[0].field == "" {
		return false
	}
	for _, n := range slices.Concat(countNames, nextNames, moreNames) {
		if _, ok := sh.Property(n); ok {
			return true
		}
	}
	return false
}

// windowed reports whether a field's arguments ask for a window.
func windowed(args map[string]any) bool {
	for _, names := range [][]string{sizeNames, {"page", "offset", "after", "before", "skip", "cursor"}} {
		for _, n := range names {
			if _, ok := args[n]; ok {
				return true
			}
		}
	}
	return false
}

// value answers field f of a value of shape sh; parts seed it.
func (b *gqlBuild) value(sh *scenarios.Shape, f gqlField, parts []string, depth int) any {
	switch {
	case depth > maxSelDepth+maxDepth:
		return nil
	case len(f.sel) == 0:
		return b.synth(sh, f.name, parts, depth)
	case isObjectList(sh) && windowed(f.args):
		start, end := b.rs.window(nil, input{fields: f.args})
		return b.records(sh.Items, f.sel, parts, start, end, depth)
	case isConnection(sh) && windowed(f.args):
		start, end := b.rs.window(nil, input{fields: f.args})
		return b.page(sh, f.sel, parts, start, end, depth)
	case sh != nil && sh.Type == "array" && sh.Items != nil:
		n := max(sh.MinItems, min(innerArrays, max(sh.MaxItems, innerArrays)))
		if sh.MaxItems > 0 {
			n = min(n, sh.MaxItems)
		}
		list := make([]any, 0, min(n, 64))
		for i := range min(n, 64) {
			list = append(list, b.value(sh.Items, f, append(slices.Clip(parts), strconv.Itoa(i)), depth+1))
		}
		return list
	case sh != nil && sh.Example != nil:
		if v, ok := decode(sh.Example); ok && b.spend(countNodes(v)) {
			return b.project(v, f.sel, sh, parts, depth)
		}
		return nil
	}
	return b.object(sh, f.sel, parts, depth)
}

// object answers a selection on an object of shape sh.
func (b *gqlBuild) object(sh *scenarios.Shape, sel []gqlField, parts []string, depth int) any {
	if !b.spend(1) {
		return nil
	}
	return b.project(map[string]any{}, sel, sh, parts, depth)
}

// project keeps of v (an answer the REST logic made: a token, a cart)
// what sel selects, under the selection's aliases; a selected field v
// lacks is answered from its shape.
func (b *gqlBuild) project(v any, sel []gqlField, sh *scenarios.Shape, parts []string, depth int) any {
	if len(sel) == 0 {
		return v
	}
	switch t := v.(type) {
	case []any:
		var item *scenarios.Shape
		if sh != nil {
			item = sh.Items
		}
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = b.project(x, sel, item, append(slices.Clip(parts), strconv.Itoa(i)), depth+1)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(sel))
		for _, g := range sel {
			if g.name == "__typename" {
				out[g.alias] = "Object"
				continue
			}
			gsh, _ := sh.Property(g.name)
			gparts := append(slices.Clip(parts), g.name)
			if x, ok := t[g.name]; ok {
				out[g.alias] = b.project(x, g.sel, gsh, gparts, depth+1)
			} else {
				out[g.alias] = b.value(gsh, g, gparts, depth+1)
			}
		}
		return out
	}
	return v
}

// record is record k of the list seeded by parts: its selection, with
// the record's id in its id field.
func (b *gqlBuild) record(item *scenarios.Shape, sel []gqlField, parts []string, k, depth int) any {
	rp := append(slices.Clip(parts), "record", strconv.Itoa(k+1))
	obj, ok := b.object(item, sel, rp, depth).(map[string]any)
	if !ok {
		return nil
	}
	idShape, _ := item.Property("id")
	for _, g := range sel {
		if g.name == "id" {
			obj[g.alias] = b.rs.recordID(parts[0], idShape, "", k)
		}
	}
	return obj
}

// records answers records start..end-1 as long as the budget holds one
// more (as much as the last one cost).
func (b *gqlBuild) records(item *scenarios.Shape, sel []gqlField, parts []string, start, end, depth int) []any {
	return b.each(start, end, func(k int) any { return b.record(item, sel, parts, k, depth+1) })
}

func (b *gqlBuild) each(start, end int, one func(k int) any) []any {
	out := make([]any, 0, min(max(end-start, 0), 1024))
	per := 1
	for k := start; k < end && *b.left >= per; k++ {
		before := *b.left
		out = append(out, one(k))
		per = max(before-*b.left, 1)
	}
	return out
}

// page answers a selection on a connection for records start..end-1:
// its lists of objects hold the records (an edge list holds edges whose
// node is the record and whose cursor follows it), pageInfo and the
// count say where the window is.
func (b *gqlBuild) page(sh *scenarios.Shape, sel []gqlField, parts []string, start, end, depth int) any {
	if !b.spend(1) {
		return nil
	}
	records := b.rs.o.Records
	out := make(map[string]any, len(sel))
	for _, g := range sel {
		gsh, _ := sh.Property(g.name)
		switch {
		case g.name == "__typename":
			out[g.alias] = "Object"
		case isObjectList(gsh) && len(g.sel) > 0:
			if node, ok := gsh.Items.Property("node"); ok {
				out[g.alias] = b.each(start, end, func(k int) any { return b.edge(gsh.Items, node, g.sel, parts, k, depth+2) })
			} else {
				out[g.alias] = b.records(gsh.Items, g.sel, parts, start, end, depth+1)
			}
		case g.name == "pageInfo" && len(g.sel) > 0:
			info := map[string]any{"hasNextPage": end < records, "hasPreviousPage": start > 0, "startCursor": nil, "endCursor": nil}
			if end > start {
				info["startCursor"], info["endCursor"] = cursor(start), cursor(end-1)
			}
			out[g.alias] = b.project(info, g.sel, gsh, append(slices.Clip(parts), g.name), depth+1)
		case slices.Contains(countNames, g.name) && len(g.sel) == 0:
			out[g.alias] = records
		default:
			out[g.alias] = b.value(gsh, g, append(slices.Clip(parts), g.name), depth+1)
		}
	}
	return out
}

// edge is record k's edge: its cursor and the record as its node.
func (b *gqlBuild) edge(sh, node *scenarios.Shape, sel []gqlField, parts []string, k, depth int) any {
	if !b.spend(1) {
		return nil
	}
	out := make(map[string]any, len(sel))
	for _, g := range sel {
		gsh, _ := sh.Property(g.name)
		switch g.name {
		case "__typename":
			out[g.alias] = "Object"
		case "cursor":
			out[g.alias] = cursor(k)
		case "node":
			out[g.alias] = b.record(node, g.sel, parts, k, depth+1)
		default:
			out[g.alias] = b.value(gsh, g, append(slices.Clip(parts), "record", strconv.Itoa(k+1), g.name), depth+1)
		}
	}
	return out
}
