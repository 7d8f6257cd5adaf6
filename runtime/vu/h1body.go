package vu

import (
	"io"
	"net/http"
	"strconv"
	"strings"
)

// readBody reads r's body as RFC 9112 section 6.3 frames it.
func (p *h1Parser) readBody(r *h1Response, method string, limit int64) error {
	if method == http.MethodHead || r.status == http.StatusNoContent || r.status == http.StatusNotModified {
		return nil
	}
	// HTTP/1.0 has no transfer codings (as net/http reads it too).
	if te := r.header["Transfer-Encoding"]; len(te) > 0 && !r.http10 {
		// With Content-Length beside it the message may be a smuggling
		// attempt: read it as chunked and never reuse the connection.
		if len(r.header["Content-Length"]) > 0 {
			r.close = true
		}
		last := strings.TrimSpace(te[len(te)-1])
		if i := strings.LastIndexByte(last, ','); i >= 0 {
			last = strings.TrimSpace(last[i+1:])
		}
		if !strings.EqualFold(last, "chunked") {
			r.close = true
			return p.readToEOF(r, limit)
		}
		return p.readChunked(r, limit)
	}
	if cl := r.header["Content-Length"]; len(cl) > 0 {
		n, err := contentLength(cl)
		if err != nil {
			r.close = true
			return err
		}
		return p.readN(r, n, limit)
	}
	r.close = true
	return p.readToEOF(r, limit)
}

func contentLength(vals []string) (int64, error) {
	var n int64 = -1
	for _, v := range vals {
		for f := range strings.SplitSeq(v, ",") {
			f = strings.TrimSpace(f)
			m, err := strconv.ParseInt(f, 10, 64)
			if err != nil || m < 0 || (f != "" && f[0] == '+') {
				return 0, malformed("bad Content-Length %q", v)
			}
			if n >= 0 && m != n {
				return 0, malformed("conflicting Content-Length values %q", vals)
			}
			n = m
		}
	}
	return n, nil
}

// readN reads a body of n bytes, the first limit of them kept; past the
// limit the connection is given up rather than drained.
func (p *h1Parser) readN(r *h1Response, n, limit int64) error {
	keep := min(n, limit)
	r.body = make([]byte, keep)
	if _, err := io.ReadFull(p.br, r.body); err != nil {
		r.close = true
		return unexpectedEOF(err)
	}
	if n > limit {
		r.truncated, r.close = true, true
	}
	return nil
}

func (p *h1Parser) readToEOF(r *h1Response, limit int64) error {
	b, err := io.ReadAll(io.LimitReader(p.br, limit))
	r.body = b
	if err != nil {
		return err
	}
	if int64(len(b)) == limit {
		if _, err := p.br.Peek(1); err == nil {
			r.truncated = true
		}
	}
	return nil
}

func (p *h1Parser) readChunked(r *h1Response, limit int64) error {
	for {
		l, err := p.line(maxChunkLine)
		if err != nil {
			r.close = true
			return unexpectedEOF(err)
		}
		if i := indexByte(l, ';'); i >= 0 {
			l = l[:i]
		}
		l = trimOWS(l)
		if len(l) == 0 || len(l) > 15 {
			r.close = true
			return malformed("bad chunk size %q", clip(l))
		}
		size, err := strconv.ParseUint(string(l), 16, 63)
		if err != nil {
			r.close = true
			return malformed("bad chunk size %q", clip(l))
		}
		if size == 0 {
			return p.readTrailer(r)
		}
		room := limit - int64(len(r.body))
		if int64(size) > room {
			r.body = append(r.body, make([]byte, room)...)
			_, err := io.ReadFull(p.br, r.body[len(r.body)-int(room):])
			r.truncated, r.close = true, true
			return unexpectedEOF(err)
		}
		at := len(r.body)
		r.body = append(r.body, make([]byte, size)...)
		if _, err := io.ReadFull(p.br, r.body[at:]); err != nil {
			r.close = true
			return unexpectedEOF(err)
		}
		crlf, err := p.line(2)
		if err != nil || len(crlf) != 0 {
			r.close = true
			if err != nil {
				return unexpectedEOF(err)
			}
			return malformed("chunk data longer than its size")
		}
	}
}

// readTrailer skips the trailer fields after the last chunk.
func (p *h1Parser) readTrailer(r *h1Response) error {
	for n := 0; ; n++ {
		if n > maxHeaderLines {
			r.close = true
			return malformed("more than %d trailer lines", maxHeaderLines)
		}
		l, err := p.line(maxChunkLine)
		if err != nil {
			r.close = true
			return unexpectedEOF(err)
		}
		if len(l) == 0 {
			return nil
		}
	}
}
