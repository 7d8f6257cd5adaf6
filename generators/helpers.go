package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// SplitKey splits an operation key "METHOD /path" into its method and path
// template, the form Scenario.Operations stores.
func SplitKey(key string) (method, path string, err error) {
	method, path, ok := strings.Cut(key, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		return "", "", fmt.Errorf("operation %q is not \"METHOD /path\"", key)
	}
	return method, path, nil
}

// Slug makes an operation key or title safe for a scenario id:
// "POST /cart/coupons" becomes "post-cart-coupons".
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// FillPath replaces every {param} of a path template: with values[param]
// when given, else with def. It is how programs turn a route into a path.
func FillPath(tmpl string, values map[string]string, def string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		end := strings.IndexByte(tmpl, '}')
		if open < 0 || end < open {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:open])
		v, ok := values[tmpl[open+1:end]]
		if !ok {
			v = def
		}
		b.WriteString(v)
		tmpl = tmpl[end+1:]
	}
}

// PathParams are the names of a path template's parameters, in order:
// "/customers/{customer}/sources/{id}" gives customer, id.
func PathParams(tmpl string) []string {
	var names []string
	for {
		open := strings.IndexByte(tmpl, '{')
		end := strings.IndexByte(tmpl, '}')
		if open < 0 || end < open {
			return names
		}
		names = append(names, tmpl[open+1:end])
		tmpl = tmpl[end+1:]
	}
}

// Find returns the first operation of s with key, for programs that were
// handed a key by a plan.
func Find(s scenarios.Surface, key string) (scenarios.Operation, bool) {
	for _, op := range s.Operations {
		if op.Key() == key {
			return op, true
		}
	}
	return scenarios.Operation{}, false
}

// JSONInt reads an integer field of a JSON object answer.
func JSONInt(body []byte, field string) (int64, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return 0, false
	}
	var n json.Number
	if json.Unmarshal(m[field], &n) != nil {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// Items returns the objects of the first array field of a JSON object
// answer, or of the answer itself when it is an array: the records a
// collection page showed. The first field is the first the answer writes
// that is a non-empty array of objects: an answer with two such lists
// (JSON:API's data and included) counts the same one every run.
func Items(body []byte) []map[string]any {
	var list []map[string]any
	if json.Unmarshal(body, &list) == nil {
		return list
	}
	if !json.Valid(body) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		var raw json.RawMessage
		if _, err := dec.Token(); err != nil { // the member's name
			return nil
		}
		if err := dec.Decode(&raw); err != nil {
			return nil
		}
		// A fresh list each time: a failed decode leaves what it read.
		var items []map[string]any
		if json.Unmarshal(raw, &items) == nil && len(items) > 0 {
			return items
		}
	}
	return nil
}

// ItemID returns an item's "id" as a string.
func ItemID(item map[string]any) (string, bool) { return idString(item["id"]) }

// IDNames are the fields, most likely first, that may hold the id an
// object read takes in its path parameter param, for the items of the
// collection at path: real APIs name it as the parameter (Twilio's {Sid}
// reads an item's "sid", the Redocly museum's {eventId} its "eventId"), or
// "id", or after the resource ("event_id", "eventId" for /events), or
// "uuid". ItemIDOf compares them case aside.
func IDNames(param, collection string) []string {
	names := []string{param, "id"}
	if r := resource(collection); r != "" {
		names = append(names, r+"_id", r+"id")
	}
	return append(names, "uuid", "_id")
}

// resource is the singular of the last literal segment of a collection's
// path, lower case, the last word of it: "/special-events" gives "event".
func resource(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	last := strings.ToLower(segs[len(segs)-1])
	if strings.HasPrefix(last, "{") {
		return ""
	}
	if i := strings.LastIndexAny(last, "-_."); i >= 0 {
		last = last[i+1:]
	}
	switch {
	case strings.HasSuffix(last, "ies") && len(last) > 4:
		return last[:len(last)-3] + "y"
	case strings.HasSuffix(last, "s") && !strings.HasSuffix(last, "ss") && len(last) > 3:
		return last[:len(last)-1]
	}
	return last
}

// ItemIDOf returns, as a string, the first of names an item holds as a
// number or a non-empty string, names compared case aside (an exact match
// first; among fields differing only in case, the least).
func ItemIDOf(item map[string]any, names []string) (string, bool) {
	for _, name := range names {
		v, ok := item[name]
		if !ok {
			v = foldField(item, name)
		}
		if id, ok := idString(v); ok {
			return id, true
		}
	}
	return "", false
}

// foldField is the field of item named name case aside, nil if none.
func foldField(item map[string]any, name string) any {
	key, found := "", false
	for k := range item {
		if strings.EqualFold(k, name) && (!found || k < key) {
			key, found = k, true
		}
	}
	if !found {
		return nil
	}
	return item[key]
}

// idString is an id value as a string: an integer's digits, or a
// non-empty string.
func idString(v any) (string, bool) {
	switch v := v.(type) {
	case float64:
		return strconv.FormatInt(int64(v), 10), true
	case string:
		return v, v != ""
	}
	return "", false
}

// PageParams names a collection's query parameters by their paging role:
// page number, offset, cursor and page size, "" for each it lacks (the
// first of each role counts), for programs that page through it from
// the start. A cursor that pages backwards (Stripe's ending_before beside
// its starting_after) is no way forward and is passed over.
func PageParams(op scenarios.Operation) (page, offset, cursor, size string) {
	for _, p := range op.Params {
		if p.In != scenarios.InQuery {
			continue
		}
		var slot *string
		switch name := strings.ToLower(p.Name); p.Role {
		case scenarios.ParamPage:
			slot = &page
		case scenarios.ParamOffset:
			slot = &offset
		case scenarios.ParamCursor:
			if strings.Contains(name, "before") || strings.HasPrefix(name, "prev") {
				continue
			}
			slot = &cursor
		case scenarios.ParamPageSize:
			slot = &size
		default:
			continue
		}
		if *slot == "" {
			*slot = p.Name
		}
	}
	return page, offset, cursor, size
}

// Intn reads an integer param with a default, for Program constructors.
func Intn(params map[string]string, name string, def int) (int, error) {
	raw, ok := params[name]
	if !ok || raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return 0, fmt.Errorf("param %s=%q: want an integer: %w", name, raw, err)
	}
	return n, nil
}

// Success is the default Judge of an abusive request whose every success
// is one unit of leak.
func Success(r scenarios.Result) (scenarios.Outcome, int) {
	o := scenarios.Classify(r.Status)
	if o == scenarios.OutcomeSuccess {
		return o, 1
	}
	return o, 0
}

// JSONRequest builds a request with a JSON body.
func JSONRequest(method, path, route string, h http.Header, body any) scenarios.Request {
	b, _ := json.Marshal(body) // maps of strings and numbers always marshal
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	return scenarios.Request{Method: method, Path: path, Route: route, Header: h, Body: b}
}
