package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/abusegate/abusegate/scenarios"
)

// extension is the vendor extension that overrides the heuristics; its
// format is documented in docs/x-abuse.md.
const extension = "x-abuse"

// rawXAbuse is the operation-level extension as written.
type rawXAbuse struct {
	Roles             *[]string            `json:"roles"`
	Sensitivity       string               `json:"sensitivity"`
	OneCouponPerOrder bool                 `json:"one-coupon-per-order"`
	MaxPageSize       int                  `json:"max-page-size"`
	Requires          []string             `json:"requires"`
	RateLimit         string               `json:"rate-limit"`
	Params            map[string]rawXParam `json:"params"`
}

// rawXParam overrides one parameter's (or body field's) role and id shape.
type rawXParam struct {
	Role   string `json:"role"`
	IDKind string `json:"id-kind"`
}

// xAbuse is the compiled extension of one operation.
type xAbuse struct {
	loc         scenarios.Location
	roles       []scenarios.Role
	setRoles    bool
	sensitivity *scenarios.Sensitivity
	rules       scenarios.Rules
	params      map[string]rawXParam
	b           *builder
}

var rateLimit = regexp.MustCompile(`^\d+/(second|minute|hour|day)$`)

// decodeStrict re-encodes an extension value and decodes it into v,
// refusing unknown keys so a typo is a warning, not a silent no-op.
func decodeStrict(raw any, v any) error {
	data, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// xAbuse reads an operation's extension; problems become warnings at its
// location and the rest of it still applies.
func (b *builder) xAbuse(op *openapi3.Operation, opLoc scenarios.Location) *xAbuse {
	raw, ok := op.Extensions[extension]
	if !ok {
		return nil
	}
	x := &xAbuse{loc: opLoc, b: b}
	if b.v2 == nil && op.Origin != nil {
		x.loc = b.fieldLoc(op.Origin, extension)
	}
	var r rawXAbuse
	if err := decodeStrict(raw, &r); err != nil {
		b.warn(x.loc, fmt.Sprintf("x-abuse ignored: %v (see docs/x-abuse.md)", err))
		return nil
	}
	if r.Roles != nil {
		x.setRoles = true
		for _, name := range *r.Roles {
			role, ok := scenarios.ParseRole(name)
			if !ok {
				b.warn(x.loc, fmt.Sprintf("x-abuse: unknown role %q (one of %s)", name, roleList()))
				continue
			}
			x.roles = append(x.roles, role)
		}
	}
	if r.Sensitivity != "" {
		s, ok := parseSensitivity(r.Sensitivity)
		if ok {
			x.sensitivity = &s
		} else {
			b.warn(x.loc, fmt.Sprintf("x-abuse: sensitivity %q must be low, medium or high", r.Sensitivity))
		}
	}
	if r.MaxPageSize < 0 {
		b.warn(x.loc, fmt.Sprintf("x-abuse: max-page-size %d must be positive", r.MaxPageSize))
		r.MaxPageSize = 0
	}
	if r.RateLimit != "" && !rateLimit.MatchString(r.RateLimit) {
		b.warn(x.loc, fmt.Sprintf("x-abuse: rate-limit %q must read N/second, N/minute, N/hour or N/day", r.RateLimit))
		r.RateLimit = ""
	}
	x.rules = scenarios.Rules{OneCouponPerOrder: r.OneCouponPerOrder, MaxPageSize: r.MaxPageSize,
		RequiresPrevious: r.Requires, RateLimit: r.RateLimit}
	x.params = r.Params
	return x
}

// applyParams applies the operation-level params overrides.
func (x *xAbuse) applyParams(ps []scenarios.Param) {
	if x == nil {
		return
	}
	for name, over := range x.params {
		found := false
		for i := range ps {
			if ps[i].Name == name {
				found = true
				x.b.overrideParam(&ps[i], over, x.loc)
			}
		}
		if !found {
			x.b.warn(x.loc, fmt.Sprintf("x-abuse: params names %q, which the operation does not have", name))
		}
	}
}

// apply replaces the heuristic roles and sets the business rules.
func (x *xAbuse) apply(o *scenarios.Operation) {
	if x == nil {
		return
	}
	if x.setRoles {
		o.Roles = o.Roles[:0]
		for _, r := range x.roles {
			o.Roles = append(o.Roles, scenarios.RoleTag{Role: r, Confidence: 1, Evidence: "x-abuse at " + x.loc.String()})
		}
	}
	o.Rules = x.rules
}

func (b *builder) paramXAbuse(p *scenarios.Param, raw any) {
	var r rawXParam
	if err := decodeStrict(raw, &r); err != nil {
		b.warn(p.Loc, fmt.Sprintf("x-abuse on parameter %s ignored: %v (see docs/x-abuse.md)", p.Name, err))
		return
	}
	b.overrideParam(p, r, p.Loc)
}

func (b *builder) overrideParam(p *scenarios.Param, r rawXParam, loc scenarios.Location) {
	if r.Role != "" {
		role, ok := parseParamRole(r.Role)
		if !ok {
			b.warn(loc, fmt.Sprintf("x-abuse: parameter %s: unknown role %q", p.Name, r.Role))
		} else {
			p.Role = role
		}
	}
	if r.IDKind != "" {
		k, ok := parseIDKind(r.IDKind)
		if !ok {
			b.warn(loc, fmt.Sprintf("x-abuse: parameter %s: id-kind %q must be integer, slug, uuid or opaque", p.Name, r.IDKind))
		} else {
			p.IDKind = k
			if p.Role == scenarios.ParamPlain {
				p.Role = scenarios.ParamObjectID
			}
		}
	}
}

// resolveRequires turns the operationIds in requires into "METHOD /path"
// keys, warning about names no operation has.
func (b *builder) resolveRequires(ops []scenarios.Operation) {
	byID := map[string]string{}
	keys := map[string]bool{}
	for _, o := range ops {
		byID[o.ID] = o.Key()
		keys[o.Key()] = true
	}
	for i := range ops {
		req := ops[i].Rules.RequiresPrevious
		if len(req) == 0 {
			continue
		}
		out := make([]string, 0, len(req))
		for _, name := range req {
			switch {
			case keys[normalizeKey(name)]:
				out = append(out, normalizeKey(name))
			case byID[name] != "":
				out = append(out, byID[name])
			default:
				b.warn(ops[i].Loc, fmt.Sprintf("x-abuse: requires %q: no operation has that operationId or METHOD /path", name))
			}
		}
		ops[i].Rules.RequiresPrevious = out
	}
}

func normalizeKey(s string) string {
	m, p, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return s
	}
	return strings.ToUpper(m) + " " + strings.TrimSpace(p)
}

func parseSensitivity(s string) (scenarios.Sensitivity, bool) {
	for v := scenarios.SensitivityLow; v <= scenarios.SensitivityHigh; v++ {
		if v.String() == s {
			return v, true
		}
	}
	return 0, false
}

func parseParamRole(s string) (scenarios.ParamRole, bool) {
	for r := scenarios.ParamPlain; ; r++ {
		name := r.String()
		if strings.HasPrefix(name, "ParamRole(") {
			return 0, false
		}
		if name == s {
			return r, true
		}
	}
}

func parseIDKind(s string) (scenarios.IDKind, bool) {
	for k := scenarios.IDInteger; k <= scenarios.IDOpaque; k++ {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

func roleList() string {
	var names []string
	for r := scenarios.Role(1); !strings.HasPrefix(r.String(), "Role("); r++ {
		names = append(names, r.String())
	}
	return strings.Join(names, ", ")
}
