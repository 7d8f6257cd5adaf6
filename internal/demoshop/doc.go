// Package demoshop is abusegate's embedded staging target: a small shop on
// net/http that is deliberately abusable, so that `abusegate demo`, the
// simulator and the test suites have something real to attack without
// pointing at anyone's staging.
//
// It owns its seeded data (users, products, coupons), its REST handlers and
// its OpenAPI 3.0.3 description (Spec). Its flaws are on purpose and are the
// point of the package:
//   - GET /users/{id} returns any user's profile to any valid token (BOLA);
//   - GET /products has no maximum page size (unrestricted resource use);
//   - POST /login has no throttling or lockout (credential stuffing);
//   - POST /cart/coupons lets codes stack, lets a code be applied again and
//     checks validity outside the lock, so concurrent applications race
//     (the single-use FIRSTORDER too);
//   - POST /signup creates accounts without captcha, verification or limit
//     (mass account creation), as does the GraphQL signup mutation;
//   - POST /checkout/confirm places the order without checking that POST
//     /checkout/payment came first, though the spec says it must.
//
// Never deploy it, and never fix its flaws: abusegate's detectors and
// oracle are measured against them.
//
// Everything is in memory and derived from Options.Seed, so two shops built
// with the same Options hold the same data and issue the same first token.
// It reads no wall clock (only Options.CouponLatency waits on a timer), so
// tokens never expire. It must not import any abusegate package except
// scenarios (and needs none today), and none may import it except cmd and
// tests: it is a target, not part of the harness.
package demoshop
