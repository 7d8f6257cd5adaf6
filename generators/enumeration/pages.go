package enumeration

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// maxPages bounds the collection pages one VU lists, whatever the answers
// say: a server that never ends its list must not keep a walker listing.
const maxPages = 1000

// lister pages through the collection a walker harvests ids from, as an
// attacker holding only the list would: its first page, then the pages
// the answer links to (a Link header, a next link or cursor in the body,
// has_more with the last id for starting_after), else the pages its page
// or offset parameter addresses. The VUs of a scenario share the ids: on
// the first page and on linked pages, which every VU must walk in turn,
// item k is VU k mod n's; addressed pages are dealt out whole, page k to
// VU (k-1) mod n. Only the first budget items of the list are read.
type lister struct {
	route string // the collection's path, its parent's id filled in
	tmpl  string // the collection's path template, the requests' Route
	// Paging parameters of the collection, "" for those it lacks, and the
	// page size asked for ("" for the server's default).
	pageParam, offsetParam, cursorParam, sizeParam, size string
	names                                                []string // fields that may hold an item's id (generators.IDNames)
	vu, stride, budget                                   int

	next    string // the next page to request; "" when the list has ended for this VU
	linked  bool   // the pages are walked by the answers' links or cursors
	page    int    // the addressed page last requested, from 0
	perPage int    // items on the first page: how far a page number or offset moves
	pos     int    // position in the list of the next linked page's first item
	pages   int    // pages listed
	seen    map[string]struct{}
}

func newLister(route, tmpl string, p map[string]string, param string, vu, stride, budget int) *lister {
	l := &lister{
		route: route, tmpl: tmpl, pageParam: p["page_param"], offsetParam: p["offset_param"], cursorParam: p["cursor_param"],
		sizeParam: p["size_param"], size: p["size"], names: generators.IDNames(param, tmpl),
		vu: vu, stride: stride, budget: budget, seen: map[string]struct{}{},
	}
	l.next = l.route
	if l.sizeParam != "" && l.size != "" {
		l.next += "?" + url.Values{l.sizeParam: {l.size}}.Encode()
	}
	return l
}

// request is the next page's request, false when the list has ended.
func (l *lister) request(h http.Header) (scenarios.Request, bool) {
	if l.next == "" {
		return scenarios.Request{}, false
	}
	l.pages++
	return scenarios.Request{Method: http.MethodGet, Path: l.next, Route: l.tmpl, Header: h}, true
}

// take reads a page's answer: it returns this VU's ids from it and finds
// the page to list next. A page that fails, is not JSON or shows no id
// not seen before ends the list, and so do the budget and maxPages.
func (l *lister) take(r *scenarios.Result) []string {
	first := l.pages == 1
	l.next = ""
	if r.Err != nil || r.Status/100 != 2 {
		return nil
	}
	items := generators.Items(r.Body)
	var own []string
	fresh := 0
	for j, it := range items {
		id, ok := generators.ItemIDOf(it, l.names)
		if !ok {
			continue
		}
		if _, dup := l.seen[id]; dup {
			continue
		}
		l.seen[id] = struct{}{}
		fresh++
		k, mine := l.pos+j, true // the item's position in the list
		if first || l.linked {
			mine = k%l.stride == l.vu%l.stride
		} else {
			k = l.page*l.perPage + j
		}
		if mine && k < l.budget {
			own = append(own, id)
		}
	}
	if first {
		l.perPage = len(items)
	}
	l.pos += len(items)
	if fresh == 0 || l.pages >= maxPages {
		return own
	}
	if first || l.linked {
		next, ended := l.linkedNext(r, items)
		switch {
		case ended:
			return own
		case next != "":
			l.linked = true
			if l.pos < l.budget {
				l.next = next
			}
			return own
		case l.linked:
			return own
		}
		l.page = l.vu%l.stride + 1 - l.stride // the first addressed page below
	}
	l.address(l.page + l.stride)
	return own
}

// address makes page k (from 0) the next, when the collection addresses
// pages by number or offset and the page holds items within the budget.
func (l *lister) address(k int) {
	if l.perPage == 0 || k*l.perPage >= l.budget || l.pageParam == "" && l.offsetParam == "" {
		return
	}
	l.page = k
	q := url.Values{}
	if l.pageParam != "" {
		q.Set(l.pageParam, strconv.Itoa(k+1))
	} else {
		q.Set(l.offsetParam, strconv.Itoa(k*l.perPage))
	}
	if l.sizeParam != "" && l.size != "" {
		q.Set(l.sizeParam, l.size)
	}
	l.next = l.route + "?" + q.Encode()
}

// linkedNext is the page an answer leads to: its Link header's next, a
// next link in its body, or its cursor for the cursor parameter (the last
// item's id when it only says there is more, as Stripe's starting_after
// wants). ended is true when the answer says no more follow.
func (l *lister) linkedNext(r *scenarios.Result, items []map[string]any) (next string, ended bool) {
	if link, ok := linkHeaderNext(r.Header); ok {
		return l.follow(link, r.Request.Path), false
	}
	var body map[string]any
	if json.Unmarshal(r.Body, &body) != nil {
		return "", false // an array: nothing but the items
	}
	// The body and its objects (meta, links, _links, pageInfo, ...), in
	// an order that does not change from one run to the next.
	scopes := []map[string]any{body}
	for _, k := range slices.Sorted(maps.Keys(body)) {
		if m, ok := body[k].(map[string]any); ok {
			scopes = append(scopes, m)
		}
	}
	more, said := lookup(scopes, moreNames, func(v any) bool { _, ok := v.(bool); return ok })
	if said && more == false {
		return "", true
	}
	if v, ok := lookup(scopes, linkNames, func(v any) bool { return linkOf(v) != "" }); ok {
		return l.follow(linkOf(v), r.Request.Path), false
	}
	if l.cursorParam == "" {
		return "", false
	}
	if v, ok := lookup(scopes, cursorNames, func(v any) bool { s, ok := v.(string); return ok && s != "" && !looksLikeLink(s) }); ok {
		return l.withCursor(r.Request.Path, v.(string)), false
	}
	if more == true && len(items) > 0 {
		if id, ok := generators.ItemIDOf(items[len(items)-1], l.names); ok {
			return l.withCursor(r.Request.Path, id), false
		}
	}
	return "", false
}

// lookup is the first value that accept takes among the fields of scopes
// named one of names (case aside), names before scopes in preference.
func lookup(scopes []map[string]any, names []string, accept func(any) bool) (any, bool) {
	keys := make([][]string, len(scopes))
	for i, m := range scopes {
		keys[i] = slices.Sorted(maps.Keys(m))
	}
	for _, name := range names {
		for i, m := range scopes {
			for _, k := range keys[i] {
				if strings.EqualFold(k, name) && accept(m[k]) {
					return m[k], true
				}
			}
		}
	}
	return nil, false
}

// follow is the request path of a next link: relative, or absolute to
// any host, it must name the collection itself (its path may have the
// server's base path in front), and only its query is kept, sent to the
// plan's target. A link elsewhere is not followed: "".
func (l *lister) follow(link, current string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	base, err := url.Parse(current)
	if err != nil {
		return ""
	}
	u = base.ResolveReference(u)
	if (u.Path != l.route && !strings.HasSuffix(u.Path, l.route)) || u.RawQuery == "" {
		return ""
	}
	return l.route + "?" + u.RawQuery
}

// withCursor is the current page's request path with the cursor set.
func (l *lister) withCursor(current, cursor string) string {
	_, query, _ := strings.Cut(current, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		q = url.Values{}
	}
	q.Set(l.cursorParam, cursor)
	return l.route + "?" + q.Encode()
}

// Field names of a list answer that say where the list goes on, compared
// case aside.
var (
	linkNames   = []string{"next_page_url", "next_page_uri", "next_url", "next_uri", "nextPageUrl", "nextLink", "next_link", "@odata.nextLink", "next_href", "next_page", "next"}
	cursorNames = []string{"next_cursor", "nextCursor", "next_page_token", "nextPageToken", "next_token", "nextToken", "continuation_token", "continuationToken", "next_marker", "nextMarker", "endCursor", "cursor", "next"}
	moreNames   = []string{"has_more", "hasMore", "has_next", "hasNext", "hasNextPage", "has_next_page", "more"}
)

// linkOf is a next link field's URL: the string itself when it reads as
// a link, or a HAL link object's href.
func linkOf(v any) string {
	switch v := v.(type) {
	case string:
		if looksLikeLink(v) {
			return v
		}
	case map[string]any:
		if href, ok := v["href"].(string); ok && looksLikeLink(href) {
			return href
		}
	}
	return ""
}

func looksLikeLink(s string) bool {
	return strings.HasPrefix(s, "/") || strings.HasPrefix(s, "?") || strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// linkHeaderNext is the target of an RFC 8288 Link header's rel="next".
func linkHeaderNext(h http.Header) (string, bool) {
	for _, line := range h.Values("Link") {
		for _, part := range strings.Split(line, ",") {
			target, params, ok := strings.Cut(part, ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(p), "=")
				if !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(value), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target[1 : len(target)-1], true
					}
				}
			}
		}
	}
	return "", false
}
