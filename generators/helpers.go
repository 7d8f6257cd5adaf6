package generators

import (
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
// collection page showed.
func Items(body []byte) []map[string]any {
	var list []map[string]any
	if json.Unmarshal(body, &list) == nil {
		return list
	}
	var page map[string]json.RawMessage
	if json.Unmarshal(body, &page) != nil {
		return nil
	}
	for _, raw := range page {
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			return list
		}
	}
	return nil
}

// ItemID returns an item's "id" as a string.
func ItemID(item map[string]any) (string, bool) {
	switch v := item["id"].(type) {
	case float64:
		return strconv.FormatInt(int64(v), 10), true
	case string:
		return v, v != ""
	}
	return "", false
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
