package vu

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Bounds of a response head the lean client accepts: a target (or
// something posing as one) cannot make the harness buffer without limit.
const (
	maxHeadBytes   = 1 << 20
	maxHeaderLines = 256
	maxChunkLine   = 4096
)

// ErrMalformed is returned (wrapped, with what was wrong) for a response
// the lean client cannot parse; the connection is discarded.
var ErrMalformed = errors.New("malformed HTTP response")

// h1Response is one parsed response. Body holds at most the read limit.
type h1Response struct {
	status    int
	header    http.Header
	body      []byte
	truncated bool // the body went past the read limit: the rest was not read
	// bodyErr is an error reading the body after a good head: the
	// answer counts, with what was read of it.
	bodyErr error
	close   bool // the connection cannot be reused
	http10  bool
}

// h1Parser reads responses from one connection; its scratch buffers are
// reused from response to response.
type h1Parser struct {
	br    *bufio.Reader
	head  []byte
	spans []int // per header line: key start, key end, value start, value end
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// line returns the next line without its CRLF (or LF), valid until the next
// read; lines longer than max are an error.
func (p *h1Parser) line(max int) ([]byte, error) {
	b, err := p.br.ReadSlice('\n')
	if err == nil {
		return trimEOL(b), nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, io.EOF) && len(b) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	long := append([]byte(nil), b...)
	for errors.Is(err, bufio.ErrBufferFull) {
		if len(long) > max {
			return nil, malformed("line longer than %d bytes", max)
		}
		b, err = p.br.ReadSlice('\n')
		long = append(long, b...)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if len(long) > max {
		return nil, malformed("line longer than %d bytes", max)
	}
	return trimEOL(long), nil
}

func trimEOL(b []byte) []byte {
	b = b[:len(b)-1]
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// read parses one response to a request of method, skipping interim 1xx
// answers, and reads at most limit bytes of its body.
func (p *h1Parser) read(method string, limit int64) (h1Response, error) {
	for {
		r, err := p.readHead()
		if err != nil {
			return h1Response{}, err
		}
		if r.status == http.StatusSwitchingProtocols {
			return r, malformed("unexpected 101 Switching Protocols")
		}
		if r.status >= 200 {
			return r, p.readBody(&r, method, limit)
		}
	}
}

// readHead reads the status line and the header fields.
func (p *h1Parser) readHead() (h1Response, error) {
	var r h1Response
	sl, err := p.line(maxChunkLine)
	if err != nil {
		return r, err
	}
	// HTTP/1.x SP 3DIGIT [SP reason]
	if len(sl) < 12 || string(sl[:7]) != "HTTP/1." || (sl[7] != '0' && sl[7] != '1') || sl[8] != ' ' ||
		(len(sl) > 12 && sl[12] != ' ') {
		return r, malformed("bad status line %q", clip(sl))
	}
	code, err := strconv.Atoi(string(sl[9:12]))
	if err != nil || code < 100 {
		return r, malformed("bad status code in %q", clip(sl))
	}
	r.status = code
	http10 := sl[7] == '0'
	p.head, p.spans = p.head[:0], p.spans[:0]
	for n := 0; ; n++ {
		if n > maxHeaderLines {
			return r, malformed("more than %d header lines", maxHeaderLines)
		}
		l, err := p.line(maxHeadBytes)
		if err != nil {
			return r, err
		}
		if len(l) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			return r, malformed("obsolete line folding in header %q", clip(l))
		}
		colon := -1
		for i, c := range l {
			if c == ':' {
				colon = i
				break
			}
			if !isTokenChar(c) {
				return r, malformed("bad header name in %q", clip(l))
			}
		}
		if colon <= 0 {
			return r, malformed("header line without a name and colon: %q", clip(l))
		}
		val := trimOWS(l[colon+1:])
		for _, c := range val {
			if c == 0 || c == '\r' || c == '\n' {
				return r, malformed("control character in header %q", clip(l[:colon]))
			}
		}
		if len(p.head)+len(l) > maxHeadBytes {
			return r, malformed("header larger than %d bytes", maxHeadBytes)
		}
		at := len(p.head)
		p.head = append(p.head, l[:colon]...)
		vs := len(p.head)
		p.head = append(p.head, val...)
		p.spans = append(p.spans, at, at+colon, vs, len(p.head))
	}
	r.header = p.header()
	r.close, r.http10 = http10, http10
	for _, v := range r.header["Connection"] {
		switch {
		case hasToken(v, "close"):
			r.close = true
		case http10 && hasToken(v, "keep-alive"):
			r.close = false
		}
	}
	return r, nil
}

// header builds the header map from the scratch: one string for every
// value, one slice backing every field.
func (p *h1Parser) header() http.Header {
	n := len(p.spans) / 4
	h := make(http.Header, n)
	if n == 0 {
		return h
	}
	all := string(p.head)
	vals := make([]string, n)
	var key [64]byte
	for i := range n {
		s := p.spans[4*i : 4*i+4]
		vals[i] = all[s[2]:s[3]]
		k := canonicalKey(key[:0], p.head[s[0]:s[1]], all[s[0]:s[1]])
		if old, ok := h[k]; ok {
			h[k] = append(old, vals[i])
			continue
		}
		h[k] = vals[i : i+1 : i+1]
	}
	return h
}

// canonicalKey is name's canonical form, without allocating for the
// common names; str is name as a string (a slice of the head's string).
func canonicalKey(buf, name []byte, str string) string {
	if len(name) > 64 {
		return http.CanonicalHeaderKey(str)
	}
	upper := true
	for _, c := range name {
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		buf = append(buf, c)
		upper = c == '-'
	}
	if string(buf) == str {
		return str
	}
	switch string(buf) {
	case "Content-Type":
		return "Content-Type"
	case "Content-Length":
		return "Content-Length"
	case "Date":
		return "Date"
	case "Connection":
		return "Connection"
	case "Transfer-Encoding":
		return "Transfer-Encoding"
	case "Set-Cookie":
		return "Set-Cookie"
	case "Location":
		return "Location"
	case "Server":
		return "Server"
	case "Keep-Alive":
		return "Keep-Alive"
	}
	return string(buf)
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// hasToken reports whether the comma-separated list v holds token t.
func hasToken(v, t string) bool {
	for f := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(strings.TrimSpace(f), t) {
			return true
		}
	}
	return false
}

// clip shortens what an error quotes.
func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}
