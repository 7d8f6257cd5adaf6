package graphql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// classifier infers one operation's roles; each tag keeps its evidence so
// users can see why a scenario picked an operation.
type classifier struct {
	o        *scenarios.Operation
	w        wordSet
	sh       shape
	mutation bool
	ps       paramSummary
	lex      lexicon
	tags     []scenarios.RoleTag
}

func (c *classifier) add(r scenarios.Role, conf float64, format string, args ...any) {
	c.tags = append(c.tags, scenarios.RoleTag{Role: r, Confidence: conf, Evidence: fmt.Sprintf(format, args...)})
}

func (c *classifier) kind() string {
	if c.mutation {
		return "mutation " + c.o.Path
	}
	return "query " + c.o.Path
}

// classify infers roles and pagination. It may refine parameter roles
// that depend on the operation (a "code" of a coupon mutation, a "handle"
// that names the one object a query returns).
func classify(o *scenarios.Operation, sh shape, mutation bool, argDesc map[string]string, lex lexicon) ([]scenarios.RoleTag, *scenarios.Pagination) {
	c := &classifier{o: o, w: lex.of(o.Path), sh: sh, mutation: mutation, ps: summarise(o, lex), lex: lex}
	account := c.account()
	if !account {
		c.login()
	}
	c.commerce()
	c.search()
	c.export()
	c.admin()
	var page *scenarios.Pagination
	if mutation {
		c.objectWrite()
	} else {
		c.objectRead()
		page = c.collection(argDesc)
	}
	return c.tags, page
}

// account tags signup and password reset / one-time codes, which also
// take credentials but are not logins.
func (c *classifier) account() bool {
	w, ps := c.w, c.ps
	tokenish := w.any("token", "session", "access", "multipass")
	switch {
	case w.any("signup", "register", "registration", "enroll", "enrol") || (w.any("sign") && w.any("up")):
		c.add(scenarios.RoleSignup, 0.9, "%s is named like a sign-up", c.kind())
		return true
	case c.mutation && !tokenish && w.any("create", "add", "new") && w.any("user", "customer", "account", "member"):
		switch {
		case len(ps.pass) > 0:
			c.add(scenarios.RoleSignup, 0.9, "%s creates an account and takes a password (%s)", c.kind(), ps.pass[0])
			return true
		case len(w) == 2:
			c.add(scenarios.RoleSignup, 0.6, "%s creates an account", c.kind())
			return true
		}
	case w.any("reset", "recover", "recovery", "forgot", "forgotten") && (len(w) <= 3 || w.any("password", "customer", "user", "account")):
		c.add(scenarios.RolePasswordReset, 0.85, "%s is named like a password reset (%s)", c.kind(), w.first("reset", "recover", "recovery", "forgot", "forgotten"))
		return true
	case w.any("otp", "mfa", "totp", "2fa", "twofactor", "magic") ||
		(w.any("verify", "verification", "confirm", "activate", "activation") && len(ps.code)+len(ps.pass) > 0 && !w.any("payment", "order")):
		c.add(scenarios.RolePasswordReset, 0.7, "%s checks a one-time code, token or activation (%s)", c.kind(), strings.Join(append(ps.code, ps.pass...), ", "))
		return true
	}
	return false
}

var tokenWords = []string{"token", "jwt", "accesstoken"}

// returnsToken reports a response field that looks like an issued token.
func (c *classifier) returnsToken() string {
	for _, f := range c.o.ResponseFields {
		if c.lex.of(lastSegment(f)).any(tokenWords...) {
			return f
		}
	}
	return ""
}

var commerceWords = []string{"cart", "checkout", "payment", "pay", "order", "purchase", "basket"}

func (c *classifier) login() {
	w, ps := c.w, c.ps
	if w.any(changeVerbs...) || w.any(commerceWords...) {
		// customerUpdate(password:) changes a password; a payment
		// session is not a login session.
		return
	}
	named := w.any("login", "signin", "logon", "authenticate", "authentication", "auth") || (w.any("sign", "log") && w.any("in", "on")) ||
		(w.any("token", "session") && w.any("create", "issue", "generate", "new", "obtain", "get"))
	creds := len(ps.user) > 0 && len(ps.pass) > 0
	tok := c.returnsToken()
	switch {
	case creds && tok != "":
		c.add(scenarios.RoleLogin, 0.95, "%s takes %s and %s and returns %s", c.kind(), ps.user[0], ps.pass[0], tok)
	case creds && named:
		c.add(scenarios.RoleLogin, 0.9, "%s takes %s and %s", c.kind(), ps.user[0], ps.pass[0])
	case creds:
		c.add(scenarios.RoleLogin, 0.75, "%s takes %s and %s", c.kind(), ps.user[0], ps.pass[0])
	case named && c.mutation && tok != "":
		c.add(scenarios.RoleLogin, 0.7, "%s is named like a login and returns %s", c.kind(), tok)
	case named && c.mutation && len(ps.pass) > 0:
		c.add(scenarios.RoleLogin, 0.7, "%s is named like a login and takes %s", c.kind(), ps.pass[0])
	}
}

// commerce tags coupon, checkout and cart. A coupon applied to a cart is a
// coupon operation; a cart or checkout that also takes codes is both.
func (c *classifier) commerce() {
	w, ps := c.w, c.ps
	couponish := w.any(couponWords...) || (w.any("gift") && w.any("card", "cards"))
	checkoutWords := []string{"checkout", "payment", "pay", "purchase", "charge", "order", "completion", "complete", "submit"}
	cartWords := []string{"cart", "basket", "reservation", "reserve", "hold"}
	alsoCodes := func() {
		if len(ps.coupon) > 0 {
			c.add(scenarios.RoleCoupon, 0.6, "%s also takes coupon codes (%s)", c.kind(), ps.coupon[0])
		}
	}
	switch {
	case couponish && c.mutation:
		c.add(scenarios.RoleCoupon, 0.9, "%s is named like a coupon redemption (%s)", c.kind(), firstOf(w.first(couponWords...), "gift card"))
		setRole(c.o, ps.code, scenarios.ParamCoupon, 0)
	case couponish && len(ps.code)+len(ps.coupon) > 0:
		c.add(scenarios.RoleCoupon, 0.7, "%s checks a coupon code (%s)", c.kind(), strings.Join(append(ps.coupon, ps.code...), ", "))
		setRole(c.o, ps.code, scenarios.ParamCoupon, 0)
	case !c.mutation:
	case w.any("checkout", "payment", "pay", "purchase", "charge") || (w.any("order") && w.any("place", "submit", "complete", "create")) ||
		(w.any("cart") && w.any("submit", "complete", "completion")):
		c.add(scenarios.RoleCheckout, 0.9, "%s is named like a checkout or payment (%s)", c.kind(), w.first(checkoutWords...))
		alsoCodes()
	case w.any(cartWords...):
		c.add(scenarios.RoleCart, 0.8, "%s is named like a cart or reservation (%s)", c.kind(), w.first(cartWords...))
		alsoCodes()
	case len(ps.coupon) > 0:
		c.add(scenarios.RoleCoupon, 0.7, "%s takes coupon codes (%s)", c.kind(), ps.coupon[0])
	}
}

func (c *classifier) search() {
	switch {
	case c.w.any("search", "find", "lookup", "autocomplete", "suggest", "suggestions", "predictive", "typeahead"):
		c.add(scenarios.RoleSearch, 0.9, "%s is named like a search", c.kind())
	case !c.mutation && len(c.ps.search) > 0:
		c.add(scenarios.RoleSearch, 0.6, "%s takes free text (%s)", c.kind(), c.ps.search[0])
	}
}

func (c *classifier) export() {
	switch {
	case c.w.any("export", "download", "dump", "backup", "bulk"):
		c.add(scenarios.RoleExport, 0.8, "%s is named like an export (%s)", c.kind(), c.w.first("export", "download", "dump", "backup", "bulk"))
	case !c.mutation && c.sh.list:
		for _, p := range c.ps.ids {
			if p.Type == "array" && !strings.Contains(p.Name, ".") {
				c.add(scenarios.RoleExport, 0.5, "%s reads many objects by a list of ids (%s)", c.kind(), p.Name)
				return
			}
		}
	}
}

func (c *classifier) admin() {
	w := c.w
	switch {
	case w.any("admin", "admins", "administrator", "administrators", "impersonate", "impersonation", "superuser", "sudo", "staff", "moderator", "ban", "unban", "suspend", "unsuspend"):
		c.add(scenarios.RoleAdmin, 0.8, "%s is named like administration (%s)", c.kind(), w.first("admin", "admins", "administrator", "administrators", "impersonate", "impersonation", "superuser", "sudo", "staff", "moderator", "ban", "unban", "suspend", "unsuspend"))
	case c.mutation && w.any("role", "roles", "permission", "permissions", "privilege", "privileges") && w.any("set", "update", "grant", "assign", "add", "remove", "change", "revoke"):
		c.add(scenarios.RoleAdmin, 0.7, "%s changes roles or permissions", c.kind())
	case c.mutation && w.any("enterprise") && w.any("update", "set", "remove", "invite", "add", "transfer"):
		c.add(scenarios.RoleAdmin, 0.6, "%s changes an enterprise account", c.kind())
	}
}

var changeVerbs = []string{"update", "delete", "remove", "edit", "set", "patch", "change", "modify", "close", "reopen", "lock", "unlock", "archive", "unarchive", "transfer", "merge", "cancel", "approve", "dismiss", "resolve", "mark", "convert", "revoke", "replace", "move", "clear", "disable", "enable"}

func (c *classifier) objectWrite() {
	if len(c.ps.ids) == 0 {
		return
	}
	p := c.ps.ids[0]
	for _, q := range c.ps.ids {
		if q.Type != "array" {
			p = q
			break
		}
	}
	if verb := c.w.first(changeVerbs...); verb != "" {
		c.add(scenarios.RoleObjectWrite, 0.8, "%s (%s) takes object id %s", c.kind(), verb, p.Name)
		return
	}
	c.add(scenarios.RoleObjectWrite, 0.6, "%s takes object id %s", c.kind(), p.Name)
}

func (c *classifier) objectRead() {
	if !c.sh.object {
		return
	}
	for _, p := range c.ps.ids {
		if strings.Contains(p.Name, ".") || p.Type == "array" {
			continue
		}
		switch p.IDKind {
		case scenarios.IDInteger:
			c.add(scenarios.RoleObjectRead, 0.9, "%s(%s: %s) returns one %s (integer: predictable)", c.kind(), p.Name, p.DeclaredType, c.sh.typeName)
		default:
			c.add(scenarios.RoleObjectRead, 0.8, "%s(%s: %s) returns one %s", c.kind(), p.Name, p.DeclaredType, c.sh.typeName)
		}
		return
	}
	for i, p := range c.o.Params {
		if !strings.Contains(p.Name, ".") && p.Type == "string" && p.Role == scenarios.ParamPlain && c.lex.of(p.Name).any(slugNames...) {
			c.o.Params[i].Role, c.o.Params[i].IDKind = scenarios.ParamObjectID, scenarios.IDSlug
			c.add(scenarios.RoleObjectRead, 0.6, "%s(%s: %s) returns one %s by a guessable name", c.kind(), p.Name, p.DeclaredType, c.sh.typeName)
			return
		}
	}
}

// maxPattern finds a page size limit stated in prose: "maximum 100",
// "at most 250", "up to 50".
var maxPattern = regexp.MustCompile(`(?i)\b(?:max(?:imum)?(?: of| is| value)?|at most|up to|no more than|cannot exceed|limit(?:ed)? (?:of|to))\s*:?\s*(\d{1,6})\b`)

func (c *classifier) collection(argDesc map[string]string) *scenarios.Pagination {
	ps := c.ps
	paged := len(ps.size)+len(ps.cursor)+len(ps.offset)+len(ps.page) > 0
	listy := c.sh.list || c.sh.connection || c.sh.wrapper
	if !paged && !listy {
		return nil
	}
	var page *scenarios.Pagination
	if paged {
		page = &scenarios.Pagination{}
		switch {
		case len(ps.cursor) > 0:
			page.Style = scenarios.PageCursor
		case len(ps.offset) > 0:
			page.Style = scenarios.PageOffset
		case len(ps.page) > 0:
			page.Style = scenarios.PageNumber
		default:
			page.Style = scenarios.PageSizeOnly
		}
		if len(ps.size) > 0 {
			page.SizeParam = ps.size[0].Name
			if m := maxPattern.FindStringSubmatch(argDesc[page.SizeParam]); m != nil {
				page.MaxSize, _ = strconv.Atoi(m[1])
			}
		}
	}
	what := "a list"
	switch {
	case c.sh.connection:
		what = "a connection (" + c.sh.typeName + ")"
	case c.sh.wrapper:
		what = "a page object (" + c.sh.typeName + ")"
	}
	switch {
	case paged && listy:
		c.add(scenarios.RoleCollection, 0.9, "%s returns %s paged by %s", c.kind(), what, pageParams(ps))
	case paged:
		c.add(scenarios.RoleCollection, 0.6, "%s takes paging arguments (%s)", c.kind(), pageParams(ps))
	default:
		c.add(scenarios.RoleCollection, 0.8, "%s returns %s with no paging arguments: one call returns all of it", c.kind(), what)
	}
	return page
}

func pageParams(ps paramSummary) string {
	var names []string
	for _, list := range [][]scenarios.Param{ps.cursor, ps.offset, ps.page, ps.size} {
		for _, p := range list {
			names = append(names, p.Name)
		}
	}
	return strings.Join(names, ", ")
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
