package enumeration

import (
	"slices"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// Wordlists a slug walk tries when the object id is a name (a login, a
// handle) rather than a number: the names an attacker tries first. They
// are small on purpose: the walk adds every name a list query hands out.
var Wordlists = map[string][]string{
	// usernames: service and default accounts, then the most common
	// first names and handles on large sites.
	"usernames": {
		"admin", "administrator", "root", "test", "testuser", "user", "demo", "guest", "support",
		"info", "sales", "billing", "security", "dev", "developer", "staff", "owner", "manager",
		"john", "jane", "alice", "bob", "carol", "dave", "eve", "mike", "david", "chris",
		"sarah", "emma", "james", "maria", "anna", "alex", "sam", "tom", "max", "paul", "kate", "lisa",
	},
	// handles: product and page slugs common in storefronts.
	"handles": {
		"gift-card", "t-shirt", "tshirt", "hoodie", "sweatshirt", "mug", "hat", "cap", "socks",
		"sticker", "stickers", "poster", "tote-bag", "backpack", "notebook", "water-bottle",
		"phone-case", "sample", "test-product", "default", "new", "sale", "bundle", "starter-kit",
		"premium", "basic", "pro", "classic", "limited-edition", "about", "contact", "faq",
	},
}

// wordlistFor picks the wordlist for a slug argument by its name: people
// (login, username, owner, user) or things (handle, slug, sku, ...).
func wordlistFor(arg string) string {
	a := strings.ToLower(arg)
	for _, w := range []string{"login", "user", "owner", "member", "author", "account"} {
		if strings.Contains(a, w) {
			return "usernames"
		}
	}
	return "handles"
}

// harvestList finds a query listing the objects op reads by slug: the
// plural of op's field (products for product(handle:) or
// productByHandle(handle:)), a collection with no other required argument
// whose list items carry a field named as op's id argument. It returns the
// list operation and the dotted path of that field ("nodes[].handle").
func harvestList(s scenarios.Surface, op scenarios.Operation, arg string) (scenarios.Operation, string, bool) {
	base := strings.ToLower(op.Path)
	if i := strings.Index(op.Path, "By"); i > 0 {
		base = strings.ToLower(op.Path[:i])
	}
	plurals := []string{base + "s", base + "es", strings.TrimSuffix(base, "y") + "ies"}
	for _, l := range s.Operations {
		if l.Protocol != scenarios.GraphQL || l.Method != "QUERY" || l.Endpoint != op.Endpoint ||
			!l.Has(scenarios.RoleCollection) || otherRequired(l, "") || !slices.Contains(plurals, strings.ToLower(l.Path)) {
			continue
		}
		for _, f := range l.ResponseFields {
			i := strings.LastIndex(f, "[]")
			if i >= 0 && strings.Count(f, "[]") == 1 && strings.TrimPrefix(f[i+2:], ".") == arg {
				return l, f, true
			}
		}
	}
	return scenarios.Operation{}, "", false
}

// pageSizeArg names l's page-size argument, if it has one.
func pageSizeArg(l scenarios.Operation) (scenarios.Param, bool) {
	i := slices.IndexFunc(l.Params, func(p scenarios.Param) bool {
		return p.Role == scenarios.ParamPageSize && p.In == scenarios.InArgument && !strings.Contains(p.Name, ".")
	})
	if i < 0 {
		return scenarios.Param{}, false
	}
	return l.Params[i], true
}

// collect reads every string (or number) at path ("[].login",
// "nodes[].login", "edges[].node.login") in v, a decoded JSON value.
func collect(v any, path string) []string {
	if path == "" {
		switch x := v.(type) {
		case string:
			return []string{x}
		case float64:
			return []string{strconv.FormatFloat(x, 'f', -1, 64)}
		}
		return nil
	}
	seg, rest, _ := strings.Cut(path, ".")
	if seg == "[]" {
		return collectItems(v, rest)
	}
	name, arr := strings.CutSuffix(seg, "[]")
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if arr {
		return collectItems(m[name], rest)
	}
	return collect(m[name], rest)
}

func collectItems(v any, rest string) []string {
	items, _ := v.([]any)
	var out []string
	for _, it := range items {
		out = append(out, collect(it, rest)...)
	}
	return out
}
