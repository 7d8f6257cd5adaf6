package consumption

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// An oversized page is most often bigger than the executor reads of it
// (runtime/vu reads at most 1 MiB of an answer), so the body a judge gets
// ends mid-item, no JSON parser accepts it, and a count by parsing would
// find no item exactly when the abuse worked best. The counters here read
// such a body as a stream and count the items it holds whole: a lower
// bound of what the server served, and the only count the body proves.

// countItems counts the items of an answer as generators.Items finds
// them (the elements of a top-level array of objects, or of the first
// member of a top-level object that is a non-empty array of objects), in
// a body that may be cut short. cut reports that the body ends before its
// JSON does; n is then the items it holds whole. A body that is not JSON,
// or is more than cut (an HTML error page, trailing garbage), holds none.
//
// Members are taken in the order the body writes them, as
// generators.Items takes them.
func countItems(body []byte) (n int, cut bool) {
	r := newReader(body)
	switch tok := r.token(); tok {
	case json.Delim('['):
		if k, all := r.objects(); all {
			n = k
		}
	case json.Delim('{'):
		for r.more() {
			r.token()
			if n > 0 || r.peek() != '[' {
				r.skip()
				continue
			}
			r.token()
			if k, all := r.objects(); all {
				n = k
			}
		}
		r.token()
	}
	return r.result(n)
}

// reader reads a JSON document that may end early, token by token. Its
// first error stops it: every later call does nothing.
type reader struct {
	body []byte
	dec  *json.Decoder
	err  error
	// raw is skip's scratch, reused so that skipping allocates nothing.
	raw json.RawMessage
}

func newReader(body []byte) *reader {
	return &reader{body: body, dec: json.NewDecoder(bytes.NewReader(body))}
}

// token reads the next token: a delimiter, an object's key or a scalar.
func (r *reader) token() json.Token {
	if r.err != nil {
		return nil
	}
	tok, err := r.dec.Token()
	r.err = err
	return tok
}

// more reports whether the array or object being read has another
// element (or member).
func (r *reader) more() bool {
	return r.err == nil && r.dec.More()
}

// skip reads one value whole and reports whether it could.
func (r *reader) skip() bool {
	if r.err == nil {
		r.err = r.dec.Decode(&r.raw)
	}
	return r.err == nil
}

// peek returns the first byte of the value after the key just read (past
// its colon), 0 when the body ends first or the colon is missing (the
// next read reports which).
func (r *reader) peek() byte {
	if r.err != nil {
		return 0
	}
	rest := bytes.TrimLeft(r.body[r.dec.InputOffset():], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return 0
	}
	if rest = bytes.TrimLeft(rest[1:], " \t\r\n"); len(rest) == 0 {
		return 0
	}
	return rest[0]
}

// objects counts the elements of the array whose '[' was just read, as
// long as each decodes as a JSON object (or null), as generators.Items
// decodes them; all is false once one did not, when the array holds no
// items. It reads to the array's end, or to where the body stops.
func (r *reader) objects() (n int, all bool) {
	var item map[string]any
	var mistyped *json.UnmarshalTypeError
	all = true
	for r.more() {
		if !all {
			r.skip()
			continue
		}
		clear(item)
		switch err := r.dec.Decode(&item); {
		case err == nil:
			n++
		case errors.As(err, &mistyped):
			// A number, string or list, or an object with a number past
			// float64: the value was read; the array holds no items.
			all = false
		default:
			r.err = err
		}
	}
	r.token()
	return n, all
}

// values counts the elements of the array whose '[' was just read,
// whatever they are, to the array's end or to where the body stops.
func (r *reader) values() int {
	n := 0
	for r.more() && r.skip() {
		n++
	}
	r.token()
	return n
}

// result is n for a body read to its end, or to where it was cut: 0 if
// the document broke off in a syntax error or had more after its end.
func (r *reader) result(n int) (int, bool) {
	switch {
	case r.err == nil:
		if len(bytes.TrimLeft(r.body[r.dec.InputOffset():], " \t\r\n")) > 0 {
			return 0, false
		}
		return n, false
	case errors.Is(r.err, io.EOF), errors.Is(r.err, io.ErrUnexpectedEOF):
		return n, true
	}
	return 0, false
}

// cutExcess is excess for a GraphQL answer cut short: over the aliases
// under "data", the items each holds whole past the cap. cut reports that
// the body ends before its JSON does. (Batched answers, a top-level
// array, are not read: this kind sends one document a request.)
func (c *gqlConsumer) cutExcess(body []byte) (n int, cut bool) {
	r := newReader(body)
	if r.token() == json.Delim('{') {
		for r.more() {
			if r.token() != "data" || r.peek() != '{' {
				r.skip()
				continue
			}
			r.token()
			for r.more() {
				r.token()
				n += max(0, r.fieldItems()-c.limit)
			}
			r.token()
		}
		r.token()
	}
	return r.result(n)
}

// fieldItems counts, as items does, the items of the field whose key was
// just read: the elements of a list, else of the longest list among an
// object's fields; to where the body stops.
func (r *reader) fieldItems() int {
	switch r.peek() {
	case '[':
		r.token()
		return r.values()
	case '{':
		r.token()
		longest := 0
		for r.more() {
			r.token()
			if r.peek() != '[' {
				r.skip()
				continue
			}
			r.token()
			longest = max(longest, r.values())
		}
		r.token()
		return longest
	}
	r.skip()
	return 0
}
