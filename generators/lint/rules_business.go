package lint

import (
	"fmt"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

var unboundedPageSize = Rule{
	ID: "unbounded-page-size", Title: "Page size has no maximum", OWASP: API4, Severity: Medium,
	Help: "Give the page-size parameter a schema maximum (or x-abuse: {max-page-size: 100}) and enforce it server-side.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			pg := o.Pagination
			if pg == nil || pg.SizeParam == "" || pg.MaxSize > 0 {
				continue
			}
			loc := o.Loc
			for _, p := range o.Params {
				if p.Name == pg.SizeParam && p.In == scenarios.InQuery {
					loc = p.Loc
				}
			}
			report(loc, o.Key(), fmt.Sprintf("%s page size %s has no maximum: one request can pull the whole collection", o.Key(), pg.SizeParam))
		}
	},
}

var unpaginatedCollection = Rule{
	ID: "unpaginated-collection", Title: "Collection is not paginated", OWASP: API4, Severity: Medium,
	Help: "Page the list (limit plus cursor, offset or page) with a bounded page size.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			if o.Has(scenarios.RoleCollection) && o.Pagination == nil && o.Protocol == scenarios.REST {
				report(o.Loc, o.Key(), fmt.Sprintf("%s returns a list with no pagination parameters: every call returns everything, to scrapers too", o.Key()))
			}
		}
	},
}

var businessFlowNoRateLimit = Rule{
	ID: "business-flow-no-rate-limit", Title: "Sensitive business flow documents no rate limit", OWASP: API6, Severity: Medium,
	Help: "Document and enforce a per-account limit on coupon, cart and checkout flows (429 with Retry-After, or x-abuse: {rate-limit: 10/minute}); add bot defences where automation is the threat.",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			role, ok := firstRole(o, scenarios.RoleCoupon, scenarios.RoleCart, scenarios.RoleCheckout)
			if !ok || documentsRateLimit(o) {
				continue
			}
			report(o.Loc, o.Key(), fmt.Sprintf("%s (%s) documents no rate limit: code guessing, inventory hoarding and scalping run at full speed", o.Key(), role))
		}
	},
}

var couponNoIdempotency = Rule{
	ID: "coupon-no-idempotency", Title: "Coupon or payment step has no idempotency key", OWASP: API6, Severity: Medium,
	Help: "Accept an Idempotency-Key header on coupon redemption and checkout, and apply a coupon once per order (x-abuse: {one-coupon-per-order: true}).",
	Check: func(s scenarios.Surface, report Report) {
		for _, o := range s.Operations {
			role, ok := firstRole(o, scenarios.RoleCoupon, scenarios.RoleCheckout)
			if !ok || o.Protocol != scenarios.REST || hasIdempotencyKey(o) {
				continue
			}
			if role == scenarios.RoleCoupon && o.Rules.OneCouponPerOrder {
				continue
			}
			report(o.Loc, o.Key(), fmt.Sprintf("%s (%s) takes no idempotency key: concurrent replays can redeem the same coupon or charge twice", o.Key(), role))
		}
	},
}

func hasIdempotencyKey(o scenarios.Operation) bool {
	for _, p := range o.Params {
		if strings.Contains(strings.ToLower(p.Name), "idempotency") {
			return true
		}
	}
	return false
}
