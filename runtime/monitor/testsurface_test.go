package monitor

import "github.com/abusegate/abusegate/scenarios"

// shopSurface is a small Surface shaped like the demo shop: an object read
// with a literal sibling, a nested object route, a collection and a login.
func shopSurface() scenarios.Surface {
	idParam := scenarios.Param{Name: "id", In: scenarios.InPath, Type: "integer", Required: true, Role: scenarios.ParamObjectID}
	return scenarios.Surface{Operations: []scenarios.Operation{
		{Method: "POST", Path: "/login", Roles: []scenarios.RoleTag{{Role: scenarios.RoleLogin}}},
		{Method: "GET", Path: "/users/me", Auth: true},
		{Method: "GET", Path: "/users/{id}", Auth: true, Params: []scenarios.Param{idParam},
			Roles: []scenarios.RoleTag{{Role: scenarios.RoleObjectRead}}},
		{Method: "DELETE", Path: "/users/{id}", Auth: true, Params: []scenarios.Param{idParam}},
		{Method: "GET", Path: "/users/{uid}/orders/{id}", Auth: true, Params: []scenarios.Param{
			{Name: "uid", In: scenarios.InPath, Role: scenarios.ParamPlain},
			idParam,
		}},
		{Method: "GET", Path: "/users/me/orders", Auth: true},
		{Method: "GET", Path: "/products", Params: []scenarios.Param{
			{Name: "page", In: scenarios.InQuery, Role: scenarios.ParamPage},
		}, Roles: []scenarios.RoleTag{{Role: scenarios.RoleCollection}}},
		{Method: "GET", Path: "/", Summary: "root"},
	}}
}
