package scenarios

import "fmt"

// Surface is an API reduced to what matters for abuse: its operations, their
// parameters and the roles they play in misuse. Spec adapters build it;
// generators, the monitor and reports read it.
type Surface struct {
	// Title and Version come from the spec's info block.
	Title   string
	Version string
	// Format names the source format, such as "openapi 3.0.3".
	Format string
	// Source is the file the spec was read from, for locations in findings.
	Source     string
	Operations []Operation
}

// Operation is one REST method and path template (or one GraphQL field).
type Operation struct {
	// ID is the spec's operationId, or "METHOD /path" when it has none.
	ID     string
	Method string
	// Path is the template as written in the spec, such as "/users/{id}".
	Path    string
	Summary string
	Params  []Param
	// Auth is true when the operation requires credentials.
	Auth bool
	// RequestFields and ResponseFields name the top-level JSON properties
	// of the request body and of the success response.
	RequestFields  []string
	ResponseFields []string
	Roles          []RoleTag
	Loc            Location
}

// Key is the stable "METHOD /path" name of an operation.
func (o Operation) Key() string { return o.Method + " " + o.Path }

// Has reports whether the operation plays role r.
func (o Operation) Has(r Role) bool {
	for _, t := range o.Roles {
		if t.Role == r {
			return true
		}
	}
	return false
}

// Param returns the parameter with the given name and location.
func (o Operation) Param(in ParamIn, name string) (Param, bool) {
	for _, p := range o.Params {
		if p.In == in && p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ObjectID returns the first parameter that identifies an object.
func (o Operation) ObjectID() (Param, bool) {
	for _, p := range o.Params {
		if p.Role == ParamObjectID {
			return p, true
		}
	}
	return Param{}, false
}

// Location is a position in a spec file; Line and Column are 1-based, zero
// when unknown.
type Location struct {
	File   string
	Line   int
	Column int
}

func (l Location) String() string {
	switch {
	case l.Line == 0:
		return l.File
	case l.Column == 0:
		return fmt.Sprintf("%s:%d", l.File, l.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
	}
}

// Param is one operation parameter.
type Param struct {
	Name     string
	In       ParamIn
	Type     string // JSON schema type: integer, string, ...
	Format   string // JSON schema format: int64, uuid, ...
	Required bool
	Role     ParamRole
}

// ParamIn says where a parameter travels.
type ParamIn int

// Parameter locations.
const (
	InPath ParamIn = iota + 1
	InQuery
	InHeader
	InCookie
	InBody
)

var paramInNames = [...]string{InPath: "path", InQuery: "query", InHeader: "header", InCookie: "cookie", InBody: "body"}

func (i ParamIn) String() string {
	if i > 0 && int(i) < len(paramInNames) {
		return paramInNames[i]
	}
	return fmt.Sprintf("ParamIn(%d)", int(i))
}

// ParamRole is what a parameter means for abuse.
type ParamRole int

// Parameter roles.
const (
	ParamPlain ParamRole = iota
	// ParamObjectID names one object: /users/{id}.
	ParamObjectID
	// ParamPage, ParamOffset and ParamCursor move through a collection.
	ParamPage
	ParamOffset
	ParamCursor
	// ParamPageSize bounds how much one page returns.
	ParamPageSize
	// ParamCoupon carries a coupon, promo, voucher or gift-card code.
	ParamCoupon
	// ParamUsername and ParamPassword are login credentials.
	ParamUsername
	ParamPassword
)

var paramRoleNames = [...]string{
	ParamPlain: "plain", ParamObjectID: "object-id", ParamPage: "page", ParamOffset: "offset",
	ParamCursor: "cursor", ParamPageSize: "page-size", ParamCoupon: "coupon",
	ParamUsername: "username", ParamPassword: "password",
}

func (r ParamRole) String() string {
	if r >= 0 && int(r) < len(paramRoleNames) {
		return paramRoleNames[r]
	}
	return fmt.Sprintf("ParamRole(%d)", int(r))
}

// Role is what an operation is for, as far as misuse goes.
type Role int

// Operation roles.
const (
	RoleObjectRead Role = iota + 1 // reads one object by id
	RoleCollection                 // lists objects, usually paginated
	RoleLogin                      // issues a token for credentials
	RoleCart                       // adds to a cart or reservation
	RoleCoupon                     // redeems a coupon or voucher
	RoleCheckout                   // pays for a cart
)

var roleNames = [...]string{
	RoleObjectRead: "object-read", RoleCollection: "collection", RoleLogin: "login",
	RoleCart: "cart", RoleCoupon: "coupon", RoleCheckout: "checkout",
}

func (r Role) String() string {
	if r > 0 && int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// RoleTag is a role with how sure the adapter is of it and why.
type RoleTag struct {
	Role       Role
	Confidence float64 // 0..1
	Evidence   string
}
