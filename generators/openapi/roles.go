package openapi

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/abusegate/abusegate/scenarios"
)

// words splits an operation's path literals, operationId and summary into
// lower-case words: "/v1/payment_intents/{intent}/confirm" and
// "confirmPaymentIntent" both give payment, intent(s), confirm.
func words(o scenarios.Operation) []string {
	var out []string
	split := func(s string) {
		var cur []rune
		flush := func() {
			if len(cur) > 0 {
				out = append(out, strings.ToLower(string(cur)))
				cur = cur[:0]
			}
		}
		prevLower := false
		for _, r := range s {
			switch {
			case unicode.IsUpper(r) && prevLower:
				flush()
				cur = append(cur, r)
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				cur = append(cur, r)
			default:
				flush()
			}
			prevLower = unicode.IsLower(r)
		}
		flush()
	}
	for _, seg := range strings.Split(o.Path, "/") {
		if !strings.HasPrefix(seg, "{") {
			split(seg)
		}
	}
	if o.ID != o.Key() {
		split(o.ID)
	}
	split(o.Summary)
	return out
}

// hasWord reports whether any of ws is one of the wanted words, or starts
// with one ("coupons", "redeemed").
func hasWord(ws []string, wanted ...string) (string, bool) {
	for _, w := range ws {
		for _, want := range wanted {
			if w == want || w == want+"s" || w == want+"es" || w == want+"ed" {
				return w, true
			}
		}
	}
	return "", false
}

// roles infers the abuse roles of an operation. Each tag carries its
// evidence so users can see why a scenario picked an operation; the
// confidence says how much a generator should trust it.
func roles(o scenarios.Operation, f facts) []scenarios.RoleTag {
	var tags []scenarios.RoleTag
	add := func(r scenarios.Role, conf float64, evidence string) {
		for _, t := range tags {
			if t.Role == r {
				return
			}
		}
		tags = append(tags, scenarios.RoleTag{Role: r, Confidence: conf, Evidence: evidence})
	}
	segments := strings.Split(strings.Trim(o.Path, "/"), "/")
	last := segments[len(segments)-1]
	lastParam := lastPathParam(o, last)
	pathWords := words(scenarios.Operation{Path: o.Path, ID: o.Method + " " + o.Path, Method: o.Method})
	all := words(o)
	write := o.Method == "POST" || o.Method == "PUT" || o.Method == "PATCH" || o.Method == "DELETE"

	pager, paged := firstParam(o, scenarios.ParamPage, scenarios.ParamOffset, scenarios.ParamCursor)
	if paged && o.Method == "GET" {
		// Paging beats a trailing path parameter: /workflows/{namespace}
		// lists a namespace's workflows.
		add(scenarios.RoleCollection, 0.9, "GET with pagination parameter "+pager.Name)
	}
	if id, ok := lastParam, lastParam.Name != "" && !(paged && o.Method == "GET"); ok {
		conf, shape := idConfidence(id.IDKind)
		switch {
		case o.Method == "GET":
			add(scenarios.RoleObjectRead, conf, fmt.Sprintf("GET by path parameter %s (%s)", id.Name, shape))
		case o.Method == "PUT" || o.Method == "PATCH" || o.Method == "DELETE":
			add(scenarios.RoleObjectWrite, conf, fmt.Sprintf("%s by path parameter %s (%s)", o.Method, id.Name, shape))
		case o.Method == "POST":
			add(scenarios.RoleObjectWrite, conf*0.8, fmt.Sprintf("POST to an object path %s (%s)", id.Name, shape))
		}
	}
	if o.Method == "GET" && lastParam.Name == "" {
		if p, ok := firstParam(o, scenarios.ParamPage, scenarios.ParamOffset, scenarios.ParamCursor, scenarios.ParamPageSize); ok {
			add(scenarios.RoleCollection, 0.9, "GET with pagination parameter "+p.Name)
		} else if f.arrayResponse {
			add(scenarios.RoleCollection, 0.75, "GET answering a list")
		}
	}

	hasUser := hasParam(o, scenarios.ParamUsername)
	hasPass := hasParam(o, scenarios.ParamPassword)
	if w, ok := hasWord(all, "login", "signin", "logon", "authenticate", "auth", "session", "token", "oauth"); ok && (write && o.Method != "DELETE" || o.Method == "GET" && hasUser && hasPass) {
		switch {
		case hasUser && hasPass:
			add(scenarios.RoleLogin, 0.95, fmt.Sprintf("%s taking username and password on %q", o.Method, w))
		case hasParam(o, scenarios.ParamPassword) || containsField(o.RequestFields, "grant_type", "client_secret", "refresh_token"):
			add(scenarios.RoleLogin, 0.85, fmt.Sprintf("%s taking a secret on %q", o.Method, w))
		case w == "login" || w == "signin" || w == "logon":
			add(scenarios.RoleLogin, 0.7, fmt.Sprintf("%s on %q", o.Method, w))
		}
	} else if o.Method == "POST" && hasUser && hasPass && !o.Auth && lastParam.Name == "" {
		if _, ok := hasWord(all, "user", "account", "member", "customer", "register", "signup"); ok {
			add(scenarios.RoleSignup, 0.75, "unauthenticated POST creating an account with a password")
		}
	}
	if w, ok := hasWord(all, "signup", "register", "registration", "enroll", "enrol"); ok && o.Method == "POST" {
		add(scenarios.RoleSignup, 0.9, fmt.Sprintf("POST on %q", w))
	}
	if w, ok := hasWord(all, "reset", "forgot", "recover", "otp", "mfa", "2fa", "totp", "passcode", "magic"); ok && write {
		add(scenarios.RolePasswordReset, 0.8, fmt.Sprintf("%s on %q", o.Method, w))
	} else if _, ok := hasWord(pathWords, "verify", "verification", "confirm"); ok && write {
		if w, ok := hasWord(pathWords, "email", "phone", "sms", "code", "user", "login", "identity"); ok {
			add(scenarios.RolePasswordReset, 0.7, fmt.Sprintf("%s verifying %q", o.Method, w))
		}
	} else if hasPass && (o.Method == "PUT" || o.Method == "PATCH" || o.Method == "POST") && containsWord(pathWords, "password") {
		add(scenarios.RolePasswordReset, 0.75, "changes a password")
	}

	couponParam, hasCoupon := topLevelCoupon(o)
	if w, ok := hasWord(pathWords, "coupon", "promo", "promotion", "promocode", "voucher", "discount", "gift", "giftcard", "redeem", "redemption", "reward", "referral"); ok && write && o.Method != "DELETE" {
		add(scenarios.RoleCoupon, 0.9, fmt.Sprintf("%s on %q", o.Method, w))
	} else if hasCoupon && write {
		add(scenarios.RoleCoupon, 0.7, fmt.Sprintf("%s taking %s", o.Method, couponParam.Name))
	}
	lastWords := words(scenarios.Operation{Path: lastLiteral(o.Path)})
	if w, ok := hasWord(lastWords, "checkout", "pay", "payment", "purchase", "charge", "order", "subscribe", "buy", "refund"); ok && o.Method == "POST" {
		conf := 0.85
		if w == "order" || w == "orders" || w == "charge" || w == "charges" || w == "refund" || w == "refunds" {
			conf = 0.7
		}
		add(scenarios.RoleCheckout, conf, fmt.Sprintf("POST on %q", w))
	} else if _, ok := hasWord(pathWords, "checkout"); ok && o.Method == "POST" && !strings.HasPrefix(last, "{") {
		add(scenarios.RoleCheckout, 0.8, "POST under \"checkout\"")
	} else if w, ok := hasWord(lastWords, "confirm", "capture", "complete", "place"); ok && o.Method == "POST" {
		if p, ok := hasWord(pathWords, "checkout", "payment", "order", "charge", "cart", "basket"); ok {
			add(scenarios.RoleCheckout, 0.8, fmt.Sprintf("POST %q on %q", w, p))
		}
	}
	if w, ok := hasWord(pathWords, "cart", "carts", "basket", "reservation", "reserve", "booking", "hold", "holds", "seat", "seats", "waitlist"); ok && (o.Method == "POST" || o.Method == "PUT") &&
		!has(tags, scenarios.RoleCoupon) && !has(tags, scenarios.RoleCheckout) {
		add(scenarios.RoleCart, 0.8, fmt.Sprintf("%s on %q", o.Method, w))
	}
	if w, ok := hasWord(pathWords, "search", "find", "lookup", "autocomplete", "suggest"); ok {
		add(scenarios.RoleSearch, 0.85, fmt.Sprintf("%s on %q", o.Method, w))
	} else if p, ok := paramNamed(o, scenarios.InQuery, "q", "query", "search", "term", "keyword", "keywords", "text", "filter"); ok && o.Method == "GET" {
		add(scenarios.RoleSearch, 0.7, "GET with free-text parameter "+p.Name)
	}
	if w, ok := hasWord(pathWords, "export", "download", "dump", "backup"); ok {
		add(scenarios.RoleExport, 0.8, fmt.Sprintf("%s on %q", o.Method, w))
	} else if w, ok := hasWord(pathWords, "report", "reporting"); ok && o.Method == "GET" {
		add(scenarios.RoleExport, 0.6, fmt.Sprintf("GET on %q", w))
	} else if w, ok := hasWord(pathWords, "bulk", "batch", "archive", "all"); ok && o.Method == "GET" {
		add(scenarios.RoleExport, 0.75, fmt.Sprintf("GET on %q", w))
	} else if ct, ok := exportType(f.contentTypes); ok && o.Method == "GET" {
		add(scenarios.RoleExport, 0.75, "GET answering "+ct)
	}
	if w, ok := hasWord(pathWords, "admin", "admins", "administration", "internal", "manage", "management", "sudo", "superuser", "staff", "moderation", "impersonate"); ok {
		add(scenarios.RoleAdmin, 0.85, fmt.Sprintf("path segment %q", w))
	} else if t, ok := tagged(o.Tags, "admin"); ok {
		add(scenarios.RoleAdmin, 0.8, "tagged "+t)
	} else if s, ok := tagged(f.scopes, "admin"); ok {
		add(scenarios.RoleAdmin, 0.8, "requires scope "+s)
	}
	return tags
}

// lastPathParam returns the object id that ends the path, if one does.
func lastPathParam(o scenarios.Operation, last string) scenarios.Param {
	if !strings.HasPrefix(last, "{") || !strings.HasSuffix(last, "}") {
		return scenarios.Param{}
	}
	name := last[1 : len(last)-1]
	for _, p := range o.Params {
		if p.In == scenarios.InPath && p.Name == name && p.Role == scenarios.ParamObjectID {
			return p
		}
	}
	return scenarios.Param{}
}

func idConfidence(k scenarios.IDKind) (float64, string) {
	switch k {
	case scenarios.IDInteger:
		return 0.9, "integer: predictable"
	case scenarios.IDSlug:
		return 0.85, "slug: guessable"
	case scenarios.IDUUID:
		return 0.7, "uuid: not enumerable"
	case scenarios.IDOpaque:
		return 0.7, "opaque: not enumerable"
	}
	return 0.75, "string: shape unknown"
}

func firstParam(o scenarios.Operation, roles ...scenarios.ParamRole) (scenarios.Param, bool) {
	for _, p := range o.Params {
		if slices.Contains(roles, p.Role) {
			return p, true
		}
	}
	return scenarios.Param{}, false
}

func hasParam(o scenarios.Operation, r scenarios.ParamRole) bool {
	_, ok := firstParam(o, r)
	return ok
}

func paramNamed(o scenarios.Operation, in scenarios.ParamIn, names ...string) (scenarios.Param, bool) {
	for _, p := range o.Params {
		if p.In == in && slices.Contains(names, strings.ToLower(p.Name)) {
			return p, true
		}
	}
	return scenarios.Param{}, false
}

func containsField(fields []string, names ...string) bool {
	for _, f := range fields {
		if slices.Contains(names, strings.ToLower(f)) {
			return true
		}
	}
	return false
}

func containsWord(ws []string, w string) bool { return slices.Contains(ws, w) }

func tagged(tags []string, word string) (string, bool) {
	for _, t := range tags {
		if strings.Contains(strings.ToLower(t), word) {
			return t, true
		}
	}
	return "", false
}

func exportType(cts []string) (string, bool) {
	for _, ct := range cts {
		for _, want := range []string{"text/csv", "application/zip", "application/vnd.ms-excel", "application/vnd.openxmlformats", "application/x-ndjson", "application/octet-stream"} {
			if strings.HasPrefix(ct, want) {
				return ct, true
			}
		}
	}
	return "", false
}

func has(tags []scenarios.RoleTag, r scenarios.Role) bool {
	for _, t := range tags {
		if t.Role == r {
			return true
		}
	}
	return false
}

// topLevelCoupon finds a coupon-like field sent at the top of the request
// (coupon, promo_code), not one nested deep in a payment method's options.
func topLevelCoupon(o scenarios.Operation) (scenarios.Param, bool) {
	for _, p := range o.Params {
		if p.Role == scenarios.ParamCoupon && !strings.ContainsAny(p.Name, ".[") && strings.ToLower(p.Name) != "code" {
			return p, true
		}
	}
	return scenarios.Param{}, false
}

// lastLiteral is the last path segment that is not a parameter.
func lastLiteral(path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if !strings.HasPrefix(segs[i], "{") {
			return segs[i]
		}
	}
	return ""
}
