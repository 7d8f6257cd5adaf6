package responder

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/abusegate/abusegate/scenarios"
)

// listing is where a collection's records sit in its success body: the
// body itself is the array, or one field of the body object is.
type listing struct {
	item  *scenarios.Shape
	field string // "" when the body is the array
}

// listOf finds the lists in a success shape: a top-level array, or
// every array-of-objects field of a page object (a GraphQL connection's
// edges and its plain list alike), the usual names (items, data, ...)
// first.
func listOf(sh *scenarios.Shape) ([]listing, bool) {
	if sh == nil {
		return nil, false
	}
	if sh.Type == "array" && sh.Items != nil {
		return []listing{{item: sh.Items}}, true
	}
	var found []listing
	for _, p := range sh.Properties {
		if p.Shape != nil && p.Shape.Type == "array" && p.Shape.Items != nil && p.Shape.Items.Type == "object" {
			found = append(found, listing{item: p.Shape.Items, field: p.Name})
		}
	}
	for _, name := range listNames {
		if j := slices.IndexFunc(found, func(l listing) bool { return l.field == name }); j >= 0 {
			found[0], found[j] = found[j], found[0]
			break
		}
	}
	return found, len(found) > 0
}

// collection answers a list operation (a collection's role, or a GET
// without path parameters whose success is a list): a page of the
// collection's Records, where the page, offset or cursor and the size
// the request asks for put it (the size bounded by MaxPage, the body's
// node budget and MaxBody). Record k is the same wherever it is listed, and
// its id is k+1. It reports whether c was a list operation.
func (rs *Responder) collection(c *call) bool {
	sh := successShape(c.op)
	lists, ok := listOf(sh)
	if !ok || c.op.Method != "GET" && c.op.Method != "QUERY" || !c.op.Has(scenarios.RoleCollection) && len(c.path) > 0 {
		return false
	}
	start, end := rs.window(c.op, c.in)
	key := c.op.Key()
	// The budget: a body's lists hold at most maxNodes values together.
	probe := newSynth(newRNG(rs.o.Seed, key, "0"))
	probe.value(lists[0].item, "", 1)
	per := max(maxNodes-probe.nodes, 1)
	end = max(start, min(end, start+maxNodes/(per*len(lists))))
	// page encodes records start.. of l while they fit in room bytes.
	page := func(l listing, room int) []any {
		idf, named := rs.idFieldOf(c.op, l.item)
		items := make([]any, 0, max(end-start, 0))
		for k := start; k < end; k++ {
			data, err := json.Marshal(rs.record(key, l.item, k, idf, named))
			if err != nil || len(data)+1 > room {
				break
			}
			room -= len(data) + 1
			items = append(items, json.RawMessage(data))
		}
		return items
	}
	if lists[0].field == "" {
		c.body = page(lists[0], rs.o.MaxBody-2)
		return true
	}
	c.rng = newRNG(rs.o.Seed, key, "page")
	obj, ok := rs.successBody(c).(map[string]any)
	if !ok {
		obj = map[string]any{}
	}
	// The page's other fields first, with the count and cursor the
	// largest page could have; the lists share what is left of MaxBody.
	for _, l := range lists {
		obj[l.field] = []any{}
	}
	pageFields(obj, sh, end, rs.o.Records)
	wrapper, _ := json.Marshal(obj)
	room := (rs.o.MaxBody - len(wrapper)) / len(lists)
	served := end
	for i, l := range lists {
		items := page(l, room)
		obj[l.field] = items
		if i == 0 {
			served = start + len(items)
		}
	}
	pageFields(obj, sh, served, rs.o.Records)
	c.body = obj
	return true
}

// pageFields states a page's count and, when records follow end, the
// cursor after it.
func pageFields(obj map[string]any, sh *scenarios.Shape, end, records int) {
	setFields(obj, sh, countNames, records)
	if end < records {
		setFields(obj, sh, nextNames, strconv.Itoa(end))
		setFields(obj, sh, moreNames, true)
	} else {
		setFields(obj, sh, nextNames, nil)
		setFields(obj, sh, moreNames, false)
	}
}

// window is the slice [start, end) of a collection's Records a request
// asks for: size (first, limit, ...; DefaultPage when none, at most
// MaxPage) from a page, an offset or an after cursor; Relay's last N
// without first are the N before the before cursor, else the last N. A
// cursor is the position after a record (record k's is k+1, as cursor
// answers it). op may be nil (a nested GraphQL field): then only the
// usual argument names count.
func (rs *Responder) window(op *scenarios.Operation, in input) (start, end int) {
	size := rs.o.DefaultPage
	if s, err := strconv.Atoi(in.text(byRole(op, scenarios.ParamPageSize, sizeNames...)...)); err == nil && s >= 0 {
		size = s
	}
	size = min(size, rs.o.MaxPage)
	if p, err := strconv.Atoi(in.text(byRole(op, scenarios.ParamPage, "page")...)); err == nil && p > 1 {
		start = min((p-1)*size, rs.o.Records)
	}
	for _, role := range []scenarios.ParamRole{scenarios.ParamOffset, scenarios.ParamCursor} {
		names := slices.DeleteFunc(byRole(op, role, "offset", "cursor", "after", "skip"), func(n string) bool { return n == "before" })
		if o, err := strconv.Atoi(in.text(names...)); err == nil && o > 0 {
			start = min(o, rs.o.Records)
		}
	}
	end = min(start+size, rs.o.Records)
	if in.text("first") == "" && in.text("last") != "" {
		end = rs.o.Records
		if b, err := strconv.Atoi(in.text("before")); err == nil && b >= 1 {
			end = min(b-1, rs.o.Records)
		}
		start = max(0, end-size)
	}
	return start, end
}

// cursor is the cursor after record k.
func cursor(k int) string { return strconv.Itoa(k + 1) }

// record is record k of a collection: synthesized from its item shape
// (seeded by the route and k), its id in "id" and in its id field (see
// idField), minted by recordID.
func (rs *Responder) record(key string, item *scenarios.Shape, k int, idf idField, named bool) any {
	idx := strconv.Itoa(k + 1)
	v := newSynth(newRNG(rs.o.Seed, key, idx)).value(item, "", 1)
	obj, ok := v.(map[string]any)
	if !ok {
		return v
	}
	idShape, _ := item.Property("id")
	switch {
	case named && idShape == nil:
		id := rs.recordID(key, idf.shape, idf.example, k)
		obj["id"], obj[idf.name] = id, id
	case named:
		obj["id"] = rs.recordID(key, idShape, "", k)
		obj[idf.name] = rs.recordID(key+" "+idf.name, idf.shape, idf.example, k)
	default:
		obj["id"] = rs.recordID(key, idShape, "", k)
	}
	return obj
}

// recordID is record k's id as its field's shape asks: a uuid (seeded
// by the route and k), a string of the spec's example's form (minted,
// seeded alike), an integer or a string of k+1; k+1 when the item has no
// id field.
func (rs *Responder) recordID(key string, idShape *scenarios.Shape, example string, k int) any {
	idx := strconv.Itoa(k + 1)
	switch {
	case idShape == nil:
		return k + 1
	case idShape.Type == "string" && idShape.Format == "uuid":
		r := newRNG(rs.o.Seed, key, "uuid", idx)
		return uuid(r.next(), r.next())
	case idShape.Type == "string" && example != "":
		return mint(example, newRNG(rs.o.Seed, key, "id", idx))
	}
	return typed(idShape, idx)
}
