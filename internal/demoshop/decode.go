package demoshop

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
)

// smallBody is the most of a body read ahead to look for the plain shape
// a client (the benign shoppers among them) sends for a cart line.
const smallBody = 96

// decodeCartItem reads a POST /cart/items body as decodeJSON would. The
// body a shopper sends, {"product_id":N,"quantity":M}, is read without
// encoding/json's decoder (its reflection and buffers were most of the
// handler's cost); anything else goes to the decoder, the bytes read
// ahead first. It reads no further than the decoder would: it stops at
// the closing brace, and at the first byte that leaves the plain shape.
func (s *Shop) decodeCartItem(w http.ResponseWriter, r *http.Request) (addItemRequest, bool) {
	body := http.MaxBytesReader(w, r.Body, maxBody)
	var buf [smallBody]byte
	n := 0
	var err error
	for n < len(buf) {
		var m int
		m, err = body.Read(buf[n:])
		n += m
		req, state := plainCartItem(buf[:n])
		if state == plainWhole {
			return req, true
		}
		if err != nil || state == plainNot {
			break
		}
	}
	rest := io.MultiReader(bytes.NewReader(buf[:n]), body)
	if err != nil && err != io.EOF {
		rest = io.MultiReader(bytes.NewReader(buf[:n]), errReader{err})
	}
	var req addItemRequest
	return req, decodeFrom(w, rest, &req)
}

// errReader fails every read with err, as the body did.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// plainState says how bytes stand to the plain shape of a cart line.
type plainState int

const (
	plainNot   plainState = iota // not the plain shape
	plainPart                    // the start of it
	plainWhole                   // all of it, up to its closing brace
)

// plainCartItem reads {"product_id":N,"quantity":M} with N and M plain
// JSON integers of at most 18 digits (no overflow) at the start of b: for
// those bytes the decoder gives the same two numbers, and reads nothing
// after them.
func plainCartItem(b []byte) (addItemRequest, plainState) {
	var req addItemRequest
	b, st := plainLiteral(b, `{"product_id":`)
	if st != plainWhole {
		return req, st
	}
	if req.ProductID, b, st = plainInt(b); st != plainWhole {
		return req, st
	}
	if b, st = plainLiteral(b, `,"quantity":`); st != plainWhole {
		return req, st
	}
	if req.Quantity, b, st = plainInt(b); st != plainWhole {
		return req, st
	}
	_, st = plainLiteral(b, "}")
	return req, st
}

// plainLiteral matches lit at the start of b.
func plainLiteral(b []byte, lit string) ([]byte, plainState) {
	switch {
	case len(b) < len(lit) && lit[:len(b)] == string(b):
		return nil, plainPart
	case len(b) >= len(lit) && string(b[:len(lit)]) == lit:
		return b[len(lit):], plainWhole
	}
	return nil, plainNot
}

// plainInt reads 0 or [1-9][0-9]{0,17} at the start of b; it is whole
// once a byte that is no digit follows.
func plainInt(b []byte) (int64, []byte, plainState) {
	i := 0
	var n int64
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		if i == 18 || (i == 1 && b[0] == '0') {
			return 0, nil, plainNot
		}
		n = n*10 + int64(b[i]-'0')
		i++
	}
	switch {
	case i == len(b):
		return 0, nil, plainPart
	case i == 0:
		return 0, nil, plainNot
	}
	return n, b[i:], plainWhole
}

// queryValue is r.URL.Query().Get(name) without building the map of every
// parameter, for a query with nothing to unescape or refuse (no '%', '+'
// or ';') and few parameters; any other is read with net/url. So is every
// query under a GODEBUG urlmaxqueryparams setting (s.urlQueriesOnly): it
// may refuse short queries.
func (s *Shop) queryValue(r *http.Request, name string) string {
	raw := r.URL.RawQuery
	if s.urlQueriesOnly || strings.ContainsAny(raw, "%+;") || strings.Count(raw, "&") >= maxPlainParams {
		return r.URL.Query().Get(name)
	}
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if k, v, _ := strings.Cut(kv, "="); k == name && kv != "" {
			return v
		}
	}
	return ""
}

// maxPlainParams bounds the parameters queryValue reads itself, well
// inside net/url's default limit.
const maxPlainParams = 64

// urlQueriesOnly reports a GODEBUG setting of net/url's parameter limit.
func urlQueriesOnly() bool { return strings.Contains(os.Getenv("GODEBUG"), "urlmaxqueryparams") }
