package responder

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// idField is where a collection's records carry their id besides "id":
// the field named as the object read's path parameter (Twilio's {Sid}
// reads "sid", the museum's {eventId} "eventId"), with its shape and an
// example of it from the spec, whose form minted ids follow.
type idField struct {
	name    string
	shape   *scenarios.Shape
	example string
}

// readsOf indexes the REST object reads by their collection's path:
// GET /v1/Credentials/AWS/{Sid} under "/v1/Credentials/AWS".
func readsOf(s *scenarios.Surface) map[string]*scenarios.Operation {
	out := map[string]*scenarios.Operation{}
	for i := range s.Operations {
		op := &s.Operations[i]
		p, ok := op.ObjectID()
		if op.Protocol != scenarios.REST || op.Method != http.MethodGet || !ok || !strings.HasSuffix(op.Path, "/{"+p.Name+"}") {
			continue
		}
		parent := strings.TrimSuffix(op.Path, "/{"+p.Name+"}")
		if _, dup := out[parent]; !dup && parent != "" {
			out[parent] = op
		}
	}
	return out
}

// idFieldOf finds the id field of a collection's item: the item's
// property named as its object read's path parameter (case aside).
func (rs *Responder) idFieldOf(list *scenarios.Operation, item *scenarios.Shape) (idField, bool) {
	read, ok := rs.reads[list.Path]
	if !ok || item == nil {
		return idField{}, false
	}
	p, _ := read.ObjectID()
	for _, prop := range item.Properties {
		if !strings.EqualFold(prop.Name, p.Name) || prop.Name == "id" {
			continue
		}
		f := idField{name: prop.Name, shape: prop.Shape}
		f.example = exampleOf(prop.Shape, item, prop.Name)
		if f.example == "" {
			if a, ok := read.Replies.Answer(successCode(read.Replies)); ok {
				f.example = field(a.Example, prop.Name)
			}
		}
		return f, true
	}
	return idField{}, false
}

// exampleOf is a string example of the field name: its own, else the
// one its object's example gives it.
func exampleOf(sh, obj *scenarios.Shape, name string) string {
	if sh != nil && sh.Example != nil {
		var s string
		if json.Unmarshal(sh.Example, &s) == nil {
			return s
		}
	}
	if obj != nil {
		return field(obj.Example, name)
	}
	return ""
}

// field is the string field name of a JSON object, "" when absent.
func field(data []byte, name string) string {
	var obj map[string]any
	if len(data) == 0 || json.Unmarshal(data, &obj) != nil {
		return ""
	}
	s, _ := obj[name].(string)
	return s
}

// mint makes an id of the example's form from r: its prefix kept (up to
// the last '_', or its leading capitals: "cus_", "CR"), each other
// character replaced by one of its class (hex digits where the rest is
// hex, else digits, lower and upper case letters), other characters
// kept: "CRaaaa…" (^CR[0-9a-fA-F]{32}$) gives "CR" and 32 hex digits.
func mint(example string, r *rng) string {
	cut := strings.LastIndexByte(example, '_') + 1
	if cut == 0 {
		for cut < len(example) && example[cut] >= 'A' && example[cut] <= 'Z' {
			cut++
		}
		if cut == len(example) {
			cut = 0
		}
	}
	rest := example[cut:]
	hex := strings.Trim(strings.ToLower(rest), "0123456789abcdef") == ""
	b := []byte(example)
	for i := cut; i < len(b); i++ {
		switch c := b[i]; {
		case hex && (c >= '0' && c <= '9' || c >= 'a' && c <= 'f'):
			b[i] = "0123456789abcdef"[r.intn(16)]
		case hex && c >= 'A' && c <= 'F':
			b[i] = "0123456789ABCDEF"[r.intn(16)]
		case c >= '0' && c <= '9':
			b[i] = byte('0' + r.intn(10))
		case c >= 'a' && c <= 'z':
			b[i] = byte('a' + r.intn(26))
		case c >= 'A' && c <= 'Z':
			b[i] = byte('A' + r.intn(26))
		}
	}
	return string(b)
}
