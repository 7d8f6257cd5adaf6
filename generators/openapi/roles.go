package openapi

import (
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// paramRole infers what a parameter means for abuse from its name and type.
func paramRole(p scenarios.Param) scenarios.ParamRole {
	name := strings.ToLower(p.Name)
	switch p.In {
	case scenarios.InPath:
		if name == "id" || strings.HasSuffix(name, "id") || strings.HasSuffix(name, "_id") || p.Format == "uuid" {
			return scenarios.ParamObjectID
		}
	case scenarios.InQuery:
		switch name {
		case "page", "page_number", "pagenumber":
			return scenarios.ParamPage
		case "offset", "skip", "start":
			return scenarios.ParamOffset
		case "cursor", "after", "before", "starting_after", "ending_before", "page_token", "pagetoken", "next":
			return scenarios.ParamCursor
		case "limit", "size", "page_size", "pagesize", "per_page", "perpage", "count", "first", "last", "max_results", "maxresults":
			return scenarios.ParamPageSize
		}
	}
	return scenarios.ParamPlain
}

func bodyRole(field string) scenarios.ParamRole {
	switch strings.ToLower(field) {
	case "username", "user", "login", "email":
		return scenarios.ParamUsername
	case "password", "pass", "passwd":
		return scenarios.ParamPassword
	case "code", "coupon", "coupon_code", "promo", "promo_code", "voucher", "voucher_code":
		return scenarios.ParamCoupon
	}
	return scenarios.ParamPlain
}

// roles infers the abuse roles of an operation. Each tag carries its
// evidence so users can see why a scenario picked an operation.
func roles(o scenarios.Operation) []scenarios.RoleTag {
	var tags []scenarios.RoleTag
	add := func(r scenarios.Role, conf float64, evidence string) {
		tags = append(tags, scenarios.RoleTag{Role: r, Confidence: conf, Evidence: evidence})
	}
	path := strings.ToLower(o.Path)
	segments := strings.Split(strings.Trim(path, "/"), "/")
	last := segments[len(segments)-1]
	lastIsParam := strings.HasPrefix(last, "{")

	if o.Method == "GET" && lastIsParam {
		for _, p := range o.Params {
			if p.In == scenarios.InPath && p.Role == scenarios.ParamObjectID {
				conf := 0.7
				why := "GET with path parameter " + p.Name
				if p.Type == "integer" {
					conf, why = 0.9, why+" (integer: predictable)"
				}
				add(scenarios.RoleObjectRead, conf, why)
				break
			}
		}
	}
	if o.Method == "GET" && !lastIsParam {
		for _, p := range o.Params {
			switch p.Role {
			case scenarios.ParamPage, scenarios.ParamOffset, scenarios.ParamCursor, scenarios.ParamPageSize:
				add(scenarios.RoleCollection, 0.9, "GET with pagination parameter "+p.Name)
			default:
				continue
			}
			break
		}
	}
	if o.Method == "POST" {
		hasUser, hasPass := false, false
		for _, p := range o.Params {
			hasUser = hasUser || p.Role == scenarios.ParamUsername
			hasPass = hasPass || p.Role == scenarios.ParamPassword
		}
		switch {
		case hasUser && hasPass && containsAny(path, "login", "signin", "sign-in", "token", "session", "auth"):
			add(scenarios.RoleLogin, 0.95, "POST taking username and password on "+o.Path)
		case containsAny(path, "login", "signin", "sign-in"):
			add(scenarios.RoleLogin, 0.7, "POST on "+o.Path)
		}
		switch {
		case containsAny(path, "coupon", "promo", "voucher", "discount", "gift"):
			add(scenarios.RoleCoupon, 0.9, "POST on "+o.Path)
		case containsAny(path, "checkout", "payment", "purchase"):
			add(scenarios.RoleCheckout, 0.9, "POST on "+o.Path)
		case containsAny(path, "cart", "basket", "reservation"):
			add(scenarios.RoleCart, 0.8, "POST on "+o.Path)
		}
	}
	return tags
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
