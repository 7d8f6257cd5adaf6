package openapi

import (
	"github.com/abusegate/abusegate/scenarios"
)

// pagination describes how a collection pages, from its parameters; the
// x-abuse max page size overrides the schema maximum.
func pagination(o scenarios.Operation) *scenarios.Pagination {
	var p scenarios.Pagination
	for _, prm := range o.Params {
		if prm.In != scenarios.InQuery {
			continue
		}
		switch prm.Role {
		case scenarios.ParamCursor:
			p.Style = scenarios.PageCursor
		case scenarios.ParamOffset:
			if p.Style != scenarios.PageCursor {
				p.Style = scenarios.PageOffset
			}
		case scenarios.ParamPage:
			if p.Style == 0 {
				p.Style = scenarios.PageNumber
			}
		case scenarios.ParamPageSize:
			if p.SizeParam == "" {
				p.SizeParam, p.MaxSize = prm.Name, int(prm.Maximum)
			}
		}
	}
	if o.Rules.MaxPageSize > 0 {
		p.MaxSize = o.Rules.MaxPageSize
	}
	if p.Style == 0 && p.SizeParam == "" {
		return nil
	}
	if p.Style == 0 {
		// A size without a position: the first page is all you get, or
		// the list is offset-paged by another name.
		p.Style = scenarios.PageOffset
	}
	return &p
}

// sensitivity grades the harm misuse of an operation does: money, accounts
// and bulk data are high; personal data and state changes medium.
func sensitivity(o scenarios.Operation, x *xAbuse) scenarios.Sensitivity {
	if x != nil && x.sensitivity != nil {
		return *x.sensitivity
	}
	for _, r := range []scenarios.Role{scenarios.RoleLogin, scenarios.RolePasswordReset, scenarios.RoleCheckout,
		scenarios.RoleCoupon, scenarios.RoleAdmin, scenarios.RoleExport} {
		if o.Has(r) {
			return scenarios.SensitivityHigh
		}
	}
	pii := false
	for _, f := range o.ResponseFields {
		switch scenarios.ClassifyField(f) {
		case scenarios.FieldSecret:
			return scenarios.SensitivityHigh
		case scenarios.FieldPII:
			pii = true
		}
	}
	if pii && o.Has(scenarios.RoleCollection) {
		return scenarios.SensitivityHigh
	}
	if pii || o.Has(scenarios.RoleSignup) || o.Has(scenarios.RoleCart) || o.Has(scenarios.RoleObjectWrite) ||
		(o.Auth && o.Has(scenarios.RoleObjectRead)) {
		return scenarios.SensitivityMedium
	}
	return scenarios.SensitivityLow
}
