package benign

import (
	"fmt"
	"slices"
	"strings"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// PublicCoupon is the code a shopper sometimes types at the checkout: the
// welcome code shops print on their front page. A server that does not
// know it refuses it, and the shopper carries on.
const PublicCoupon = "WELCOME10"

// Params of the GraphQL journey. Workload writes them from the Surface and
// Program reads them back, so a plan that lists the benign scenario can
// correct them as it corrects an attack's. Arguments are "name:Type", the
// type as the schema declares it (a document repeats it).
const (
	// paramProtocol is "graphql" for the GraphQL journey.
	paramProtocol = "protocol"
	// paramAnonymous is "true" for visitors of an API without a login
	// mutation, who browse without logging in; paramEndpoint is then where
	// they send their queries (with a login, the login's endpoint).
	paramAnonymous, paramEndpoint = "anonymous", "endpoint"
	// The collection: its field, page and page-size arguments, selection
	// and the dotted path of an item's id in its payload ("items[].id").
	paramList, paramListPage, paramListSize, paramListSel, paramListIDs = "list", "list_page", "list_size", "list_sel", "list_ids"
	// The object read: field, id argument, selection, and whose objects
	// it reads: "listed" (what the listing showed) or "own" (the account).
	paramRead, paramReadArg, paramReadSel, paramReadOf = "read", "read_arg", "read_sel", "read_of"
	// The add-to-cart: field, product and quantity arguments, selection.
	paramCart, paramCartProduct, paramCartQuantity, paramCartSel = "cart", "cart_product", "cart_quantity", "cart_sel"
	// The coupon: field, code argument, the code, selection.
	paramCoupon, paramCouponArg, paramCouponCode, paramCouponSel = "coupon", "coupon_arg", "coupon_code", "coupon_sel"
	// The checkout: field and selection.
	paramCheckout, paramCheckoutSel = "checkout", "checkout_sel"
)

// Whose objects a shopper reads.
const (
	readListed = "listed"
	readOwn    = "own"
)

// graphQLWorkload fills sc with the GraphQL journey of s: a login mutation
// and the collection, object read, add-to-cart, coupon and checkout fields
// a shopper can call with arguments it knows (ids it was shown, its own
// id, a quantity, a code). It is the journey of a surface that offers
// shoppers nothing over REST.
func graphQLWorkload(s scenarios.Surface, sc scenarios.Scenario) (scenarios.Scenario, error) {
	p := map[string]string{paramProtocol: "graphql"}
	login, err := generators.GraphQLLoginFrom(s)
	anonymous := err != nil
	if anonymous {
		// A public API (no login mutation): visitors browse anonymously,
		// listing and reading what the listing showed.
		if login.Endpoint = publicEndpoint(s); login.Endpoint == "" {
			return sc, fmt.Errorf("benign: the surface has no collection, object-read, cart or checkout operation for shoppers to use over REST, and no GraphQL query for a GraphQL journey (%w)", err)
		}
		p[paramEndpoint], p[paramAnonymous] = login.Endpoint, "true"
	} else {
		login.Params(p)
	}
	add := func(op scenarios.Operation, role scenarios.Role) {
		sc.Operations = append(sc.Operations, scenarios.Target{Operation: op.Key(), Why: role.String()})
	}
	find := func(method string, role scenarios.Role, fill func(scenarios.Operation) bool) (scenarios.Operation, bool) {
		for _, op := range s.Operations {
			if anonymous && (op.Auth || method != "QUERY") {
				continue // a visitor reads what is public
			}
			if op.Protocol == scenarios.GraphQL && op.Endpoint == login.Endpoint && op.Method == method && op.Has(role) && fill(op) {
				return op, true
			}
		}
		return scenarios.Operation{}, false
	}
	var listItems []string
	if op, ok := find("QUERY", scenarios.RoleCollection, func(op scenarios.Operation) bool {
		return listIDPath(op.ResponseFields) != "" && fillable(op, scenarios.ParamPage, scenarios.ParamPageSize)
	}); ok {
		add(op, scenarios.RoleCollection)
		p[paramList], p[paramListSel], p[paramListIDs] = op.Path, selection(op), listIDPath(op.ResponseFields)
		p[paramListPage] = argOf(op, scenarios.ParamPage)
		p[paramListSize] = argOf(op, scenarios.ParamPageSize)
		listItems = itemFields(op.ResponseFields, p[paramListIDs])
	}
	// A shopper reads what the listing showed when the read returns the
	// listed objects; else, behind a login, its own record.
	for _, of := range []string{readListed, readOwn} {
		op, ok := find("QUERY", scenarios.RoleObjectRead, func(op scenarios.Operation) bool {
			if of == readListed && (op.Auth || len(listItems) == 0 || !sameNames(listItems, op.ResponseFields)) {
				return false
			}
			return (of == readListed || op.Auth) && fillable(op, scenarios.ParamObjectID)
		})
		if ok {
			add(op, scenarios.RoleObjectRead)
			p[paramRead], p[paramReadSel], p[paramReadOf] = op.Path, selection(op), of
			p[paramReadArg] = argOf(op, scenarios.ParamObjectID)
			break
		}
	}
	if op, ok := find("MUTATION", scenarios.RoleCart, func(op scenarios.Operation) bool {
		return p[paramList] != "" && productArg(op) != "" && fillable(op, scenarios.ParamObjectID)
	}); ok {
		add(op, scenarios.RoleCart)
		p[paramCart], p[paramCartSel], p[paramCartProduct] = op.Path, selection(op), productArg(op)
		p[paramCartQuantity] = quantityArg(op)
	}
	if p[paramCart] != "" {
		if op, ok := find("MUTATION", scenarios.RoleCoupon, func(op scenarios.Operation) bool {
			return argOf(op, scenarios.ParamCoupon) != "" && fillable(op, scenarios.ParamCoupon)
		}); ok {
			add(op, scenarios.RoleCoupon)
			p[paramCoupon], p[paramCouponSel], p[paramCouponCode] = op.Path, selection(op), PublicCoupon
			p[paramCouponArg] = argOf(op, scenarios.ParamCoupon)
		}
		// The one-step checkout: no argument to invent, nothing required
		// before it but the cart.
		cartKey := "MUTATION " + p[paramCart]
		if op, ok := find("MUTATION", scenarios.RoleCheckout, func(op scenarios.Operation) bool {
			return fillable(op) && !slices.ContainsFunc(op.Rules.RequiresPrevious, func(k string) bool { return k != cartKey })
		}); ok {
			add(op, scenarios.RoleCheckout)
			p[paramCheckout], p[paramCheckoutSel] = op.Path, selection(op)
		}
	}
	if len(sc.Operations) == 0 && anonymous {
		return sc, fmt.Errorf("benign: the surface has no collection, object-read, cart or checkout operation for shoppers to use, over REST or GraphQL (no login mutation, and no public list query on %s a visitor can fill)", login.Endpoint)
	}
	if len(sc.Operations) == 0 {
		return sc, fmt.Errorf("benign: the surface has no collection, object-read, cart or checkout operation for shoppers to use, over REST or GraphQL (%s on %s logs in, but no query or mutation a shopper can fill follows it)", login.Field, login.Endpoint)
	}
	sc.Params = p
	return sc, nil
}

// fillable reports whether a shopper can fill every required argument of
// op: each plays one of roles, or is a quantity.
func fillable(op scenarios.Operation, roles ...scenarios.ParamRole) bool {
	for _, a := range op.Params {
		if a.In != scenarios.InArgument || !a.Required || strings.Contains(a.Name, ".") {
			continue
		}
		if !slices.Contains(roles, a.Role) && !isQuantity(a) {
			return false
		}
	}
	return true
}

// argOf returns "name:Type" of op's first top-level argument playing role.
func argOf(op scenarios.Operation, role scenarios.ParamRole) string {
	for _, a := range op.Params {
		if a.In == scenarios.InArgument && a.Role == role && !strings.Contains(a.Name, ".") {
			return arg(a)
		}
	}
	return ""
}

func arg(a scenarios.Param) string {
	typ := a.DeclaredType
	if typ == "" {
		typ = "String"
	}
	return a.Name + ":" + typ
}

// productArg is the argument of an add-to-cart naming what is added: its
// object id.
func productArg(op scenarios.Operation) string { return argOf(op, scenarios.ParamObjectID) }

// quantityArg is the add-to-cart's integer quantity argument, or "".
func quantityArg(op scenarios.Operation) string {
	for _, a := range op.Params {
		if a.In == scenarios.InArgument && isQuantity(a) {
			return arg(a)
		}
	}
	return ""
}

func isQuantity(a scenarios.Param) bool {
	switch strings.ToLower(a.Name) {
	case "quantity", "qty", "count", "units":
		return a.Type == "integer"
	}
	return false
}

// listIDPath is the dotted path of an item's id in a collection's payload:
// "items[].id", "[].id", "edges[].node.id"; the shortest, "" when the
// items have no id.
func listIDPath(fields []string) string {
	best := ""
	for _, f := range fields {
		if !strings.Contains(f, "[]") || !(f == "[].id" || strings.HasSuffix(f, ".id")) {
			continue
		}
		if best == "" || len(f) < len(best) {
			best = f
		}
	}
	return best
}

// itemFields are the names of a listed item's fields: those beside its id.
func itemFields(fields []string, idPath string) []string {
	prefix := strings.TrimSuffix(idPath, "id")
	var out []string
	for _, f := range fields {
		if rest, ok := strings.CutPrefix(f, prefix); ok && !strings.ContainsAny(rest, ".[") {
			out = append(out, rest)
		}
	}
	return out
}

// sameNames reports whether an object read returns the listed items: its
// top-level fields are theirs.
func sameNames(items, fields []string) bool {
	var top []string
	for _, f := range fields {
		if !strings.ContainsAny(f, ".[") {
			top = append(top, f)
		}
	}
	slices.Sort(top)
	want := slices.Sorted(slices.Values(items))
	return slices.Equal(top, want)
}

// selection is what a client's screen shows of op's answer: its fields
// two levels deep, as a page of products with their names and prices.
func selection(op scenarios.Operation) string {
	fields := make([]string, 0, len(op.ResponseFields))
	for _, f := range op.ResponseFields {
		fields = append(fields, strings.TrimPrefix(f, "[]."))
	}
	if sel := generators.Selection(fields, 2); sel != "" {
		return sel
	}
	return "__typename"
}

// publicEndpoint is the endpoint of the first GraphQL query anyone may
// call, "" when there is none.
func publicEndpoint(s scenarios.Surface) string {
	for _, op := range s.Operations {
		if op.Protocol == scenarios.GraphQL && op.Method == "QUERY" && !op.Auth && op.Endpoint != "" {
			return op.Endpoint
		}
	}
	return ""
}
