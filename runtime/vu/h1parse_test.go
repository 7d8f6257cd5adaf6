package vu

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(raw, method string, limit int64) (h1Response, error) {
	p := h1Parser{br: bufio.NewReaderSize(strings.NewReader(raw), 64)}
	return p.read(method, limit)
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name, raw, method string
		status            int
		body              string
		close, truncated  bool
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "GET", 200, "hello", false, false},
		{"lower-case names, LF only", "HTTP/1.1 201 Created\ncontent-length: 2\nx-y: z\n\nok", "GET", 201, "ok", false, false},
		{"chunked with extension and trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n", "GET", 200, "abcde", false, false},
		{"chunked past the limit", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n", "GET", 200, "abcde", true, true},
		{"length past the limit", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n123456789", "GET", 200, "12345", true, true},
		{"interim answer skipped", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", "GET", 200, "x", false, false},
		{"no body on 204 whatever the headers say", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", "GET", 204, "", false, false},
		{"no body on HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HEAD", 200, "", false, false},
		{"read to close", "HTTP/1.1 200 OK\r\n\r\nuntil close", "GET", 200, "until", true, true},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", "GET", 200, "", true, false},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", "GET", 200, "", false, false},
		{"HTTP/1.0 default", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", "GET", 200, "", true, false},
		{"smuggling shape", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", "GET", 200, "a", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := parse(tt.raw, tt.method, 5)
			require.NoError(t, err)
			assert.Equal(t, tt.status, r.status)
			assert.Equal(t, tt.body, string(r.body))
			assert.Equal(t, tt.close, r.close, "close")
			assert.Equal(t, tt.truncated, r.truncated, "truncated")
		})
	}
	r, err := parse("HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nX-Custom-header: v\r\n\r\n", "HEAD", 5)
	require.NoError(t, err)
	assert.Equal(t, []string{"a=1", "b=2"}, r.header["Set-Cookie"])
	assert.Equal(t, "v", r.header.Get("X-Custom-Header"))
}

func TestParseBoundsTheHead(t *testing.T) {
	many := "HTTP/1.1 200 OK\r\n" + strings.Repeat("X: y\r\n", maxHeaderLines+2) + "\r\n"
	_, err := parse(many, "GET", 5)
	require.ErrorIs(t, err, ErrMalformed)
	huge := "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("y", maxHeadBytes+10) + "\r\n\r\n"
	_, err = parse(huge, "GET", 5)
	require.ErrorIs(t, err, ErrMalformed)
}

// FuzzParseResponse: any bytes give an answer or an error, never a panic
// or an unbounded body; where net/http's parser agrees the bytes are a
// response, both read the same status and body.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
		"HTTP/1.0 304 Not Modified\r\nETag: x\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\n\r\nbody to close",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		const limit = 64
		r, err := parse(string(raw), "GET", limit)
		if err != nil {
			return
		}
		if int64(len(r.body)) > limit {
			t.Fatalf("body of %d bytes past the limit", len(r.body))
		}
		if r.status < 200 || r.status > 999 {
			t.Fatalf("status %d", r.status)
		}
		want, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), &http.Request{Method: "GET"})
		if err != nil || want.StatusCode < 200 {
			return
		}
		body, err := io.ReadAll(io.LimitReader(want.Body, limit))
		if err != nil {
			return
		}
		if want.StatusCode != r.status || string(body) != string(r.body) {
			t.Fatalf("net/http reads %d %q, the lean parser %d %q", want.StatusCode, body, r.status, r.body)
		}
	})
}
