package monitor

import "github.com/abusegate/abusegate/scenarios"

// shopSurface is a small Surface shaped like the demo shop: an object read
// with a literal sibling, a nested object route, a catalog, a login, a
// signup, and a cart whose checkout the spec says must follow an add.
func shopSurface() scenarios.Surface {
	idParam := scenarios.Param{Name: "id", In: scenarios.InPath, Type: "integer", Required: true, Role: scenarios.ParamObjectID}
	role := func(r scenarios.Role) []scenarios.RoleTag { return []scenarios.RoleTag{{Role: r}} }
	return scenarios.Surface{Operations: []scenarios.Operation{
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
		}, Roles: role(scenarios.RoleCollection)},
		{Method: "GET", Path: "/", Summary: "root"},
		{Method: "GET", Path: "/products/{id}", Params: []scenarios.Param{idParam}, Roles: role(scenarios.RoleObjectRead)},
		{Method: "POST", Path: "/signup", Roles: role(scenarios.RoleSignup)},
		{Method: "POST", Path: "/cart/items", Auth: true, Roles: role(scenarios.RoleCart)},
		{Method: "POST", Path: "/cart/coupon", Auth: true, Roles: role(scenarios.RoleCoupon), Sensitivity: scenarios.SensitivityMedium},
		{Method: "POST", Path: "/checkout", Auth: true, Roles: role(scenarios.RoleCheckout), Sensitivity: scenarios.SensitivityHigh,
			Rules: scenarios.Rules{RequiresPrevious: []string{"POST /cart/items"}}},
	}}
}
