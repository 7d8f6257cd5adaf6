package guard

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// docCache keeps parsed documents by their text: clients send the same
// few documents again and again with other variables, so most requests
// skip the parse (40% of a 10-field request's cost). Only documents up to
// docCacheMaxQuery bytes are kept, at most docCacheEntries of them, so
// the cache stays a few MiB whatever is sent; when full, an arbitrary
// entry makes room. A parsed document is only read, never changed, so
// one may serve many requests at once. Safe for concurrent use.
type docCache struct {
	mu sync.Mutex
	m  map[string]*ast.QueryDocument
}

const (
	docCacheEntries  = 512
	docCacheMaxQuery = 8 << 10
)

// parse returns the document of query, parsed once.
func (c *docCache) parse(query string) (*ast.QueryDocument, error) {
	if len(query) > docCacheMaxQuery {
		return parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, gqlMaxTokens)
	}
	c.mu.Lock()
	doc, ok := c.m[query]
	c.mu.Unlock()
	if ok {
		return doc, nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, gqlMaxTokens)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*ast.QueryDocument, docCacheEntries)
	}
	if len(c.m) >= docCacheEntries {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[query] = doc
	return doc, nil
}
