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
	Source      string
	Operations  []Operation
	AuthSchemes []AuthScheme
	// Servers are the base URLs the spec declares; lint flags plaintext
	// ones.
	Servers []Server `json:",omitempty"`
}

// Server is one base URL a spec declares.
type Server struct {
	URL string
	Loc Location
}

// AuthScheme is one way the API authenticates callers.
type AuthScheme struct {
	Name string
	// Type is "bearer", "basic", "apiKey", "oauth2", "openIdConnect" or
	// "cookie".
	Type string
	// In and Param say where an API key or cookie travels.
	In    ParamIn
	Param string
	Loc   Location
}

// Protocol says how an operation is called.
type Protocol int

// Protocols.
const (
	REST Protocol = iota
	// GraphQL operations are fields of the Query or Mutation type: Method is
	// "QUERY" or "MUTATION", Path is the field name and Endpoint the HTTP
	// path the schema is served on.
	GraphQL
)

func (p Protocol) String() string {
	if p == GraphQL {
		return "graphql"
	}
	return "rest"
}

// Operation is one REST method and path template (or one GraphQL field).
type Operation struct {
	// ID is the spec's operationId, or "METHOD /path" when it has none.
	ID     string
	Method string
	// Path is the template as written in the spec, such as "/users/{id}".
	Path     string
	Summary  string
	Params   []Param
	Protocol Protocol
	// Endpoint is the HTTP path a GraphQL operation is posted to.
	Endpoint string `json:",omitempty"`
	// Auth is true when the operation requires credentials.
	Auth bool
	// Responses are the documented answers, in the order of their codes.
	Responses []Response
	// Pagination describes a collection's paging, when it has one.
	Pagination *Pagination `json:",omitempty"`
	// Sensitivity is how much harm misuse of the operation does.
	Sensitivity Sensitivity
	// Rules are business rules stated in the spec (x-abuse, @abuse).
	Rules Rules
	// RequestFields and ResponseFields name the JSON properties of the
	// request body and of the success response as dotted paths: top-level
	// names stay plain ("token"), nested ones are "address.city" and array
	// items "items[].email".
	RequestFields  []string
	ResponseFields []string
	Roles          []RoleTag
	// Deprecated marks an operation the spec says is on its way out but
	// still serves: old versions are where abuse controls are missing.
	Deprecated bool `json:",omitempty"`
	// Tags are the spec's grouping labels (OpenAPI tags).
	Tags []string `json:",omitempty"`
	Loc  Location
	// Replies are the answers with their examples and body shapes, for a
	// responder that stands in for the API (nil when the adapter gives
	// none). They stay out of the Surface's JSON: inspect shows roles,
	// not bodies.
	Replies *Replies `json:"-"`
}

// Key is the stable "METHOD /path" name of an operation.
func (o Operation) Key() string { return o.Method + " " + o.Path }

// Has reports whether the operation plays role r. Has, Param and
// ObjectID take the operation by pointer: it is some 360 bytes, and the
// guard and monitor ask it per request.
func (o *Operation) Has(r Role) bool {
	for _, t := range o.Roles {
		if t.Role == r {
			return true
		}
	}
	return false
}

// Param returns the parameter with the given name and location.
func (o *Operation) Param(in ParamIn, name string) (Param, bool) {
	for _, p := range o.Params {
		if p.In == in && p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ObjectID returns the first parameter that identifies an object.
func (o *Operation) ObjectID() (Param, bool) {
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
	// Maximum is the schema's maximum for numbers, 0 if none.
	Maximum float64 `json:",omitempty"`
	// IDKind says how guessable an object-id parameter is.
	IDKind IDKind `json:",omitempty"`
	// DeclaredType is the type as the spec writes it where Type and Format
	// lose detail a client needs, such as a GraphQL argument's "ID!" or
	// "[String!]" (a query must declare its variables with it).
	DeclaredType string `json:",omitempty"`
	Loc          Location
}

// IDKind is the shape of an object identifier, which decides whether an
// attacker can enumerate it.
type IDKind int

// Identifier shapes.
const (
	IDUnknown IDKind = iota
	// IDInteger ids are sequential: the next object is id+1.
	IDInteger
	// IDSlug ids are human-readable names ("acme-corp"), guessable from
	// wordlists.
	IDSlug
	// IDUUID ids are random 128-bit values (unless v1): not enumerable.
	IDUUID
	// IDOpaque ids are provider-prefixed random strings ("cus_4QF...").
	IDOpaque
)

var idKindNames = [...]string{"unknown", "integer", "slug", "uuid", "opaque"}

func (k IDKind) String() string {
	if k >= 0 && int(k) < len(idKindNames) {
		return idKindNames[k]
	}
	return fmt.Sprintf("IDKind(%d)", int(k))
}

// Predictable reports whether ids of this kind can be enumerated or
// guessed without having seen them.
func (k IDKind) Predictable() bool { return k == IDInteger || k == IDSlug }

// MarshalText makes id kinds readable in JSON.
func (k IDKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Response is one documented answer of an operation.
type Response struct {
	// Code is the status code or range as written: "200", "4XX", "default".
	Code string
	// Headers are the documented response header names.
	Headers []string `json:",omitempty"`
	// Fields are the JSON properties of the body as dotted paths; array
	// items appear as "items[].email".
	Fields []string `json:",omitempty"`
	// Loc is where the response is written in the spec.
	Loc Location `json:",omitzero"`
}

// Pagination is how a collection pages.
type Pagination struct {
	Style PageStyle
	// SizeParam names the page-size parameter; MaxSize is its documented
	// maximum (0: unbounded).
	SizeParam string
	MaxSize   int
}

// PageStyle is a pagination style.
type PageStyle int

// Pagination styles.
const (
	PageNumber PageStyle = iota + 1
	PageOffset
	PageCursor
	// PageSizeOnly: the collection takes a size (limit, first) but offers
	// no way to the next page; the size alone decides how much one call
	// returns.
	PageSizeOnly
)

var pageStyleNames = [...]string{PageNumber: "page", PageOffset: "offset", PageCursor: "cursor", PageSizeOnly: "size-only"}

func (p PageStyle) String() string {
	if p > 0 && int(p) < len(pageStyleNames) {
		return pageStyleNames[p]
	}
	return fmt.Sprintf("PageStyle(%d)", int(p))
}

// Sensitivity grades the harm misuse of an operation can do.
type Sensitivity int

// Sensitivity levels.
const (
	SensitivityLow Sensitivity = iota
	SensitivityMedium
	SensitivityHigh
)

var sensitivityNames = [...]string{"low", "medium", "high"}

func (s Sensitivity) String() string {
	if s >= 0 && int(s) < len(sensitivityNames) {
		return sensitivityNames[s]
	}
	return fmt.Sprintf("Sensitivity(%d)", int(s))
}

// Rules are business rules a spec states for an operation, through the
// x-abuse extension (OpenAPI) or the @abuse directive (GraphQL). Misuse
// kinds test them; the monitor enforces the ones it can.
type Rules struct {
	// OneCouponPerOrder: a cart takes a single coupon.
	OneCouponPerOrder bool `json:",omitempty"`
	// MaxPageSize bounds a collection's page size.
	MaxPageSize int `json:",omitempty"`
	// RequiresPrevious names operations (keys) that must precede this one
	// in a session, such as the cart before the checkout.
	RequiresPrevious []string `json:",omitempty"`
	// RateLimit is a documented limit, such as "5/minute".
	RateLimit string `json:",omitempty"`
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
	// InArgument is a GraphQL field argument; fields of an input-object
	// argument are named with dots, such as "input.password".
	InArgument
)

var paramInNames = [...]string{InPath: "path", InQuery: "query", InHeader: "header", InCookie: "cookie", InBody: "body", InArgument: "argument"}

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
	RoleObjectRead    Role = iota + 1 // reads one object by id
	RoleCollection                    // lists objects, usually paginated
	RoleLogin                         // issues a token for credentials
	RoleCart                          // adds to a cart or reservation (inventory hold)
	RoleCoupon                        // redeems a coupon, promo, voucher or gift card
	RoleCheckout                      // pays for a cart
	RoleSignup                        // creates an account
	RolePasswordReset                 // password reset or one-time code
	RoleSearch                        // free-text search
	RoleExport                        // export or bulk read
	RoleAdmin                         // administration
	RoleObjectWrite                   // changes or deletes one object by id
)

var roleNames = [...]string{
	RoleObjectRead: "object-read", RoleCollection: "collection", RoleLogin: "login",
	RoleCart: "cart", RoleCoupon: "coupon", RoleCheckout: "checkout", RoleSignup: "signup",
	RolePasswordReset: "password-reset", RoleSearch: "search", RoleExport: "export",
	RoleAdmin: "admin", RoleObjectWrite: "object-write",
}

// ParseRole is the inverse of Role.String.
func ParseRole(s string) (Role, bool) {
	for r, name := range roleNames {
		if name == s && name != "" {
			return Role(r), true
		}
	}
	return 0, false
}

func (r Role) String() string {
	if r > 0 && int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// MarshalText makes roles readable in JSON.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// RoleTag is a role with how sure the adapter is of it and why.
type RoleTag struct {
	Role       Role
	Confidence float64 // 0..1
	Evidence   string
}

// MarshalText makes parameter roles readable in JSON.
func (r ParamRole) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// MarshalText makes parameter locations readable in JSON.
func (i ParamIn) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

// MarshalText makes protocols readable in JSON.
func (p Protocol) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MarshalText makes page styles readable in JSON.
func (p PageStyle) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MarshalText makes sensitivity levels readable in JSON.
func (s Sensitivity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
