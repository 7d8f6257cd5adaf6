package openapi

import (
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// notObjectIDs are path parameters that select a variant, not an object.
var notObjectIDs = map[string]bool{
	"version": true, "api-version": true, "api_version": true, "lang": true, "language": true,
	"locale": true, "format": true, "ext": true, "extension": true, "type": true, "kind": true,
	"action": true, "scope": true, "region": true, "zone": true, "env": true, "environment": true,
}

// paramRole infers what a parameter means for abuse from its name and
// location. Every path parameter that names an object is an object id:
// /users/{id}, /v1/customers/{customer} and /repos/{owner}/{repo} alike.
func paramRole(p scenarios.Param) scenarios.ParamRole {
	name := strings.ToLower(p.Name)
	switch p.In {
	case scenarios.InPath:
		if notObjectIDs[name] {
			return scenarios.ParamPlain
		}
		return scenarios.ParamObjectID
	case scenarios.InQuery:
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:] // listOptions.limit
		}
		if r := bodyRole(name); r == scenarios.ParamUsername || r == scenarios.ParamPassword {
			return r
		}
		switch name {
		case "page", "page_number", "pagenumber", "page[number]", "pageno":
			return scenarios.ParamPage
		case "offset", "skip", "start", "from", "page[offset]":
			return scenarios.ParamOffset
		case "cursor", "after", "before", "starting_after", "ending_before", "page_token", "pagetoken",
			"next", "next_token", "nexttoken", "continuation_token", "continuationtoken", "continue",
			"marker", "since_id", "max_id", "page[cursor]", "pagetoken[]":
			return scenarios.ParamCursor
		case "limit", "size", "page_size", "pagesize", "per_page", "perpage", "count", "first", "last",
			"max_results", "maxresults", "top", "$top", "page[size]", "page[limit]", "rows", "take":
			return scenarios.ParamPageSize
		}
		if strings.Contains(name, "coupon") || strings.Contains(name, "promo") || strings.Contains(name, "voucher") {
			return scenarios.ParamCoupon
		}
	}
	return scenarios.ParamPlain
}

// bodyRole infers the role of a body field from its dotted name: the last
// segment counts, so "credentials.password" is a password.
func bodyRole(field string) scenarios.ParamRole {
	name := strings.ToLower(field)
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	switch name {
	case "username", "user", "login", "email", "user_name", "email_address", "phone", "phone_number":
		return scenarios.ParamUsername
	case "password", "pass", "passwd", "passphrase", "pin":
		return scenarios.ParamPassword
	case "code", "coupon", "coupon_code", "couponcode", "promo", "promo_code", "promocode", "promotion_code",
		"voucher", "voucher_code", "gift_card", "giftcard", "gift_card_code", "discount_code", "redemption_code":
		return scenarios.ParamCoupon
	}
	return scenarios.ParamPlain
}

// idKind guesses the shape of an object id from its type, format and name.
func idKind(p scenarios.Param) scenarios.IDKind {
	if p.IDKind != scenarios.IDUnknown {
		return p.IDKind
	}
	name := strings.ToLower(p.Name)
	format := strings.ToLower(p.Format)
	switch {
	case p.Type == "integer" || p.Type == "number":
		return scenarios.IDInteger
	case format == "uuid" || format == "guid" || strings.Contains(name, "uuid") || strings.Contains(name, "guid"):
		return scenarios.IDUUID
	case format == "int64" || format == "int32" || format == "integer":
		return scenarios.IDInteger
	case strings.HasSuffix(name, "sid"):
		return scenarios.IDOpaque // Twilio-style "AC" + 32 hex
	}
	for _, slug := range []string{"slug", "name", "username", "login", "owner", "repo", "handle", "org", "team", "key", "code", "sku", "email"} {
		if endsWithWord(p.Name, slug) {
			return scenarios.IDSlug
		}
	}
	return scenarios.IDUnknown
}

// patternKind reads an id's shape from its schema pattern.
func patternKind(pattern string) scenarios.IDKind {
	switch {
	case pattern == "":
		return scenarios.IDUnknown
	case strings.Contains(pattern, "{8}-") || strings.Contains(pattern, "{4}-"):
		return scenarios.IDUUID
	case pattern == `^\d+$` || pattern == `^[0-9]+$` || pattern == `\d+` || pattern == `^[1-9][0-9]*$`:
		return scenarios.IDInteger
	case strings.Contains(pattern, "a-z") && strings.Contains(pattern, "-") && !strings.Contains(pattern, "{32}"):
		return scenarios.IDSlug
	case strings.Contains(pattern, "{32}") || strings.Contains(pattern, "{24}") || strings.Contains(pattern, "_"):
		return scenarios.IDOpaque
	}
	return scenarios.IDUnknown
}

// endsWithWord reports whether name is word or ends with it as a word:
// "slug", "org_slug", "org-slug", "orgSlug".
func endsWithWord(name, word string) bool {
	lower := strings.ToLower(name)
	if lower == word {
		return true
	}
	if !strings.HasSuffix(lower, word) {
		return false
	}
	i := len(name) - len(word)
	c := name[i]
	return name[i-1] == '_' || name[i-1] == '-' || (c >= 'A' && c <= 'Z')
}
