package graphql

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/abusegate/abusegate/scenarios"
)

// positions maps a path under __schema ("types.3.fields.5") to the line
// and column of that object's "name" value in the JSON file.
type positions map[string]scenarios.Location

// at returns the position recorded for path, or the file's start, so that
// every element has one (repairs match elements by position).
func (p positions) at(src *ast.Source, path string) *ast.Position {
	loc, ok := p[path]
	if !ok {
		return &ast.Position{Src: src, Line: 1, Column: 1}
	}
	return &ast.Position{Src: src, Line: loc.Line, Column: loc.Column}
}

// lines indexes newline offsets to turn byte offsets into line:column.
type lines []int

func newLines(data []byte) lines {
	l := lines{0}
	for i, b := range data {
		if b == '\n' {
			l = append(l, i+1)
		}
	}
	return l
}

func (l lines) loc(file string, off int64) scenarios.Location {
	i := sort.Search(len(l), func(i int) bool { return int64(l[i]) > off }) - 1
	i = max(i, 0)
	return scenarios.Location{File: file, Line: i + 1, Column: int(off) - l[i] + 1}
}

type jsonFrame struct {
	array     bool
	index     int
	key       string
	expectKey bool
}

// scanPositions walks the JSON tokens once and records where each "name"
// under __schema is. It gives up silently on malformed input: the decoder
// has already reported it, and positions are a convenience.
func scanPositions(file string, data []byte) positions {
	out := positions{}
	idx := newLines(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []jsonFrame
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		var top *jsonFrame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, jsonFrame{array: d == '[', expectKey: d == '{'})
			default:
				stack = stack[:len(stack)-1]
				advance(stack)
			}
			continue
		}
		if top != nil && !top.array && top.expectKey {
			top.key, _ = tok.(string)
			top.expectKey = false
			continue
		}
		if top != nil && !top.array && top.key == "name" {
			if path, ok := schemaPath(stack[:len(stack)-1]); ok {
				out[path] = idx.loc(file, valueStart(data, before))
			}
		}
		advance(stack)
	}
}

// advance moves the innermost container past the value just read.
func advance(stack []jsonFrame) {
	if len(stack) == 0 {
		return
	}
	top := &stack[len(stack)-1]
	if top.array {
		top.index++
	} else {
		top.expectKey = true
	}
}

// schemaPath names the object holding a "name" key by its path under the
// "__schema" key, reporting false outside it.
func schemaPath(stack []jsonFrame) (string, bool) {
	var b strings.Builder
	in := false
	for _, f := range stack {
		if in {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if f.array {
				b.WriteString(strconv.Itoa(f.index))
			} else {
				b.WriteString(f.key)
			}
			continue
		}
		if !f.array && f.key == "__schema" {
			in = true
		}
	}
	return b.String(), in
}

// valueStart skips the colon and blanks between a key and its value.
func valueStart(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
			continue
		}
		break
	}
	return off
}
