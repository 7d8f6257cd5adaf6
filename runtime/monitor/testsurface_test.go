package monitor

import "github.com/abusegate/abusegate/scenarios"

// shopSurface is a small Surface shaped like the demo shop: an object read
// with a literal sibling, a nested object route, a catalog, a login, a
// signup, and a cart whose checkout the spec says must follow an add.
func shopSurface() scenarios.Surface {
	idParam := scenarios.Param{Name: "id", In: scenarios.InPath, Type: "integer", Required: true, Role: scenarios.ParamObjectID}
	role := func(r scenarios.Role) []scenarios.RoleTag { return []scenarios.RoleTag{{Role: r}} }
	return scenarios.Surface{Operations: append([]scenarios.Operation{
		{Method: "POST", Path: "/login", Roles: role(scenarios.RoleLogin), Sensitivity: scenarios.SensitivityHigh},
		{Method: "GET", Path: "/users/me", Auth: true},
		{Method: "GET", Path: "/users/{id}", Auth: true, Params: []scenarios.Param{idParam},
			Roles: role(scenarios.RoleObjectRead)},
		{Method: "DELETE", Path: "/users/{id}", Auth: true, Params: []scenarios.Param{idParam}},
		{Method: "GET", Path: "/users/{uid}/orders/{id}", Auth: true, Params: []scenarios.Param{
			{Name: "uid", In: scenarios.InPath, Role: scenarios.ParamPlain},
			idParam,
		}},
		{Method: "GET", Path: "/users/me/orders", Auth: true},
		{Method: "GET", Path: "/products", Params: []scenarios.Param{
			{Name: "page", In: scenarios.InQuery, Role: scenarios.ParamPage},
			{Name: "limit", In: scenarios.InQuery, Type: "integer", Role: scenarios.ParamPageSize, Maximum: 100},
		}, Roles: role(scenarios.RoleCollection)},
		{Method: "GET", Path: "/", Summary: "root"},
		{Method: "GET", Path: "/products/{id}", Params: []scenarios.Param{idParam}, Roles: role(scenarios.RoleObjectRead)},
		{Method: "POST", Path: "/signup", Roles: role(scenarios.RoleSignup)},
		{Method: "POST", Path: "/cart/items", Auth: true, Roles: role(scenarios.RoleCart)},
		{Method: "POST", Path: "/cart/coupon", Auth: true, Roles: role(scenarios.RoleCoupon), Sensitivity: scenarios.SensitivityMedium},
		{Method: "POST", Path: "/checkout", Auth: true, Roles: role(scenarios.RoleCheckout), Sensitivity: scenarios.SensitivityHigh,
			Rules: scenarios.Rules{RequiresPrevious: []string{"POST /cart/items"}}},
	}, append(graphQLOperations(),
		// A collection whose page size documents no maximum: the policy's
		// cap bounds it. Last, so the other indexes stay put.
		scenarios.Operation{Method: "GET", Path: "/reviews", Params: []scenarios.Param{
			{Name: "per_page", In: scenarios.InQuery, Type: "integer", Role: scenarios.ParamPageSize},
		}, Roles: role(scenarios.RoleCollection)},
		// A GraphQL cart and the checkout its schema says must follow it
		// (flow); last, so the other indexes stay put.
		scenarios.Operation{Method: "MUTATION", Path: "addCartItem", Protocol: scenarios.GraphQL, Endpoint: "/graphql",
			Auth: true, Roles: role(scenarios.RoleCart)},
		scenarios.Operation{Method: "MUTATION", Path: "checkout", Protocol: scenarios.GraphQL, Endpoint: "/graphql",
			Auth: true, Roles: role(scenarios.RoleCheckout), Sensitivity: scenarios.SensitivityHigh,
			Rules: scenarios.Rules{RequiresPrevious: []string{"MUTATION addCartItem"}}})...)}
}

// graphQLOperations are the shop's GraphQL fields on POST /graphql, after
// its REST operations so their indexes stay put: a login and a sign-up, a
// coupon, a user read by id (the BOLA), and the fields a dashboard asks
// for together.
func graphQLOperations() []scenarios.Operation {
	role := func(r scenarios.Role) []scenarios.RoleTag { return []scenarios.RoleTag{{Role: r}} }
	arg := func(name string, r scenarios.ParamRole) []scenarios.Param {
		return []scenarios.Param{{Name: name, In: scenarios.InArgument, Type: "string", DeclaredType: "ID!", Role: r}}
	}
	gql := func(method, field string, op scenarios.Operation) scenarios.Operation {
		op.Method, op.Path, op.Protocol, op.Endpoint = method, field, scenarios.GraphQL, "/graphql"
		return op
	}
	return []scenarios.Operation{
		gql("MUTATION", "login", scenarios.Operation{Roles: role(scenarios.RoleLogin), Sensitivity: scenarios.SensitivityHigh,
			Params: append(arg("username", scenarios.ParamUsername), arg("password", scenarios.ParamPassword)...), ResponseFields: []string{"token", "userId"}}),
		gql("MUTATION", "signup", scenarios.Operation{Roles: role(scenarios.RoleSignup), Sensitivity: scenarios.SensitivityHigh}),
		gql("MUTATION", "applyCoupon", scenarios.Operation{Auth: true, Roles: role(scenarios.RoleCoupon), Sensitivity: scenarios.SensitivityHigh,
			Params: arg("code", scenarios.ParamCoupon)}),
		gql("QUERY", "user", scenarios.Operation{Auth: true, Roles: role(scenarios.RoleObjectRead), Sensitivity: scenarios.SensitivityHigh,
			Params: arg("id", scenarios.ParamObjectID)}),
		gql("QUERY", "product", scenarios.Operation{Roles: role(scenarios.RoleObjectRead), Params: arg("id", scenarios.ParamObjectID)}),
		gql("QUERY", "products", scenarios.Operation{Roles: role(scenarios.RoleCollection), Sensitivity: scenarios.SensitivityMedium}),
		gql("QUERY", "me", scenarios.Operation{Auth: true, Sensitivity: scenarios.SensitivityMedium}),
		gql("QUERY", "cart", scenarios.Operation{Auth: true}),
		gql("QUERY", "orders", scenarios.Operation{Auth: true}),
		gql("QUERY", "notifications", scenarios.Operation{Auth: true}),
		gql("QUERY", "recommendations", scenarios.Operation{Auth: true}),
	}
}
