package graphql

import (
	"slices"
	"strings"
	"unicode"
)

// words splits an identifier into lower-case words: "customerAccessToken
// Create" -> customer access token create; "HTTPServer" -> http server;
// "user_ids" -> user ids; "userIDs" -> user ids.
func words(name string) []string {
	rs := []rune(name)
	var out []string
	start := 0
	flush := func(end int) {
		if end > start {
			out = append(out, strings.ToLower(string(rs[start:end])))
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '_' || r == '-' || r == ' ' || r == '.':
			flush(i)
			start = i + 1
		case i > start && unicode.IsUpper(r) && !unicode.IsUpper(rs[i-1]):
			flush(i)
		case i > start && unicode.IsUpper(r) && i+1 < len(rs) && unicode.IsLower(rs[i+1]) && !isPluralS(rs, i):
			flush(i)
		}
	}
	flush(len(rs))
	return out
}

// isPluralS keeps an acronym's plural together: "IDs", "URLs".
func isPluralS(rs []rune, i int) bool {
	return i+1 < len(rs) && rs[i+1] == 's' && (i+2 == len(rs) || !unicode.IsLower(rs[i+2])) && i > 0 && unicode.IsUpper(rs[i-1])
}

// lexicon memoises words: a schema repeats the same field names (id,
// name, url) thousands of times, and splitting them again is most of what
// classification would allocate.
type lexicon map[string]wordSet

func (l lexicon) of(name string) wordSet {
	if w, ok := l[name]; ok {
		return w
	}
	w := wordSet(words(name))
	l[name] = w
	return w
}

// wordSet answers membership questions about one identifier's words.
type wordSet []string

func (w wordSet) any(ws ...string) bool {
	for _, x := range ws {
		if slices.Contains(w, x) {
			return true
		}
	}
	return false
}

func (w wordSet) last() string {
	if len(w) == 0 {
		return ""
	}
	return w[len(w)-1]
}

// first returns the first of ws that appears, for evidence.
func (w wordSet) first(ws ...string) string {
	for _, x := range w {
		if slices.Contains(ws, x) {
			return x
		}
	}
	return ""
}
