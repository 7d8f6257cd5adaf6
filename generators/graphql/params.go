package graphql

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/abusegate/abusegate/scenarios"
)

var (
	sizeNames   = []string{"first", "last", "limit", "pagesize", "page_size", "perpage", "per_page", "take", "count", "size", "maxresults", "max_results", "top"}
	cursorNames = []string{"after", "before", "cursor", "pagetoken", "page_token", "startcursor", "endcursor", "continuationtoken", "next"}
	offsetNames = []string{"offset", "skip", "start"}
	pageNames   = []string{"page", "pagenumber", "page_number", "pageno"}
	userNames   = []string{"username", "user", "login", "email", "emailaddress", "email_address", "identifier", "phone", "phonenumber"}
	passWords   = []string{"password", "passwd", "pwd", "passphrase", "pass"}
	couponWords = []string{"coupon", "coupons", "promo", "promotion", "voucher", "vouchers", "discount", "giftcard", "giftcards", "redeem"}
	slugNames   = []string{"handle", "slug", "login", "username", "sku", "number", "key", "name", "owner"}
	// credentialParents are the input objects whose email or phone is a
	// login name, unlike a billing address's.
	credentialParents = []string{"input", "credentials", "credential", "customer", "user", "account", "auth", "login", "data"}
)

// paramRole infers what an argument means for abuse from its name and
// type. path is the dotted name ("input.email").
func paramRole(path string, t *ast.Type, mutation bool, lex lexicon) (scenarios.ParamRole, scenarios.IDKind) {
	name, parent := lastSegment(path), ""
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		parent = lastSegment(path[:i])
	}
	n := strings.ToLower(name)
	w := lex.of(name)
	named, list := t.Name(), t.Elem != nil
	intLike := !list && (named == "Int" || named == "Long" || named == "BigInt")
	switch {
	case intLike && slices.Contains(sizeNames, n):
		return scenarios.ParamPageSize, 0
	case !list && slices.Contains(cursorNames, n) && !intLike:
		return scenarios.ParamCursor, 0
	case intLike && slices.Contains(offsetNames, n):
		return scenarios.ParamOffset, 0
	case intLike && slices.Contains(pageNames, n):
		return scenarios.ParamPage, 0
	case slices.Contains(passWords, w.last()):
		return scenarios.ParamPassword, 0
	case mutation && slices.Contains(userNames, n) && (parent == "" || slices.Contains(credentialParents, strings.ToLower(parent))):
		return scenarios.ParamUsername, 0
	case isIDName(name, w):
		return scenarios.ParamObjectID, idKind(named)
	case w.any(couponWords...) && (w.last() == "code" || w.last() == "codes" || len(w) == 1) || (w.any("gift") && w.any("card", "cards")):
		return scenarios.ParamCoupon, 0
	}
	return scenarios.ParamPlain, 0
}

// isIDName: "id", "ids", "userId", "user_id", "userIDs"; not Relay's
// clientMutationId, which the client makes up.
func isIDName(name string, w wordSet) bool {
	if name == "clientMutationId" {
		return false
	}
	last := w.last()
	return last == "id" || last == "ids" || strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID")
}

func idKind(named string) scenarios.IDKind {
	switch strings.ToLower(named) {
	case "int", "long", "bigint", "int64", "positiveint":
		return scenarios.IDInteger
	case "uuid", "guid":
		return scenarios.IDUUID
	case "id":
		// The ID scalar is opaque by contract, though many servers fill
		// it with sequential numbers or decodable base64.
		return scenarios.IDOpaque
	}
	return scenarios.IDUnknown
}

// params summarises an operation's parameters by role.
type paramSummary struct {
	user, pass, coupon, code, search []string
	ids                              []scenarios.Param
	size, cursor, offset, page       []scenarios.Param
}

func summarise(o *scenarios.Operation, lex lexicon) paramSummary {
	var s paramSummary
	for _, p := range o.Params {
		last := lastSegment(p.Name)
		switch p.Role {
		case scenarios.ParamUsername:
			s.user = append(s.user, p.Name)
		case scenarios.ParamPassword:
			s.pass = append(s.pass, p.Name)
		case scenarios.ParamCoupon:
			s.coupon = append(s.coupon, p.Name)
		case scenarios.ParamObjectID:
			s.ids = append(s.ids, p)
		case scenarios.ParamPageSize:
			s.size = append(s.size, p)
		case scenarios.ParamCursor:
			s.cursor = append(s.cursor, p)
		case scenarios.ParamOffset:
			s.offset = append(s.offset, p)
		case scenarios.ParamPage:
			s.page = append(s.page, p)
		default:
			lw := lex.of(last)
			if lw.any("code", "codes", "otp", "token", "pin") {
				s.code = append(s.code, p.Name)
			}
			if p.Type == "string" && slices.Contains([]string{"query", "q", "search", "term", "keyword", "keywords", "searchterm", "text"}, strings.ToLower(last)) {
				s.search = append(s.search, p.Name)
			}
		}
	}
	return s
}

// setRole changes the role of the named parameters.
func setRole(o *scenarios.Operation, names []string, r scenarios.ParamRole, k scenarios.IDKind) {
	for i := range o.Params {
		if slices.Contains(names, o.Params[i].Name) {
			o.Params[i].Role, o.Params[i].IDKind = r, k
		}
	}
}
