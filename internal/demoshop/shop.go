package demoshop

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultUsers    = 500
	DefaultProducts = 2000
)

// maxBody bounds request bodies; the shop is abusable on purpose, but not
// by exhausting the harness's own memory.
const maxBody = 1 << 20

// Options configure a Shop. The zero value is a usable shop with seed 0.
type Options struct {
	// Seed determines every user, password, product and issued token, so
	// that runs and their reports are reproducible.
	Seed int64
	// Users and Products size the catalog; zero or negative means
	// DefaultUsers and DefaultProducts.
	Users    int
	Products int
	// CouponLatency is how long a coupon takes to validate between the
	// shop's check and its write, as a call to a promotions service would.
	// It widens the race window of POST /cart/coupons so that demos over a
	// real network show the race reliably. Zero means none.
	CouponLatency time.Duration
}

// Shop is the deliberately abusable target. It is an http.Handler and is
// safe for concurrent use (free of data races); its coupon race is a logical
// check-then-act race on purpose, not a data race (see applyCoupon).
type Shop struct {
	mux           *http.ServeMux
	users         []User // users[i].ID == i+1; read-only after New
	byUsername    map[string]*User
	products      []Product // products[i].ID == i+1; read-only after New
	productJSON   [][]byte  // productJSON[i] encodes products[i]; see products.go
	coupons       map[string]Coupon
	couponOrder   []Coupon
	couponLatency time.Duration
	// urlQueriesOnly: read every query with net/url (see queryValue).
	urlQueriesOnly bool

	tokens *tokenIssuer

	signups  *accountBook // see signup.go
	payments *paymentDesk // see payment.go

	mu        sync.Mutex // guards carts and lastOrder
	carts     map[int64]*cart
	lastOrder int64

	// couponHook, when set by a test, runs between applyCoupon's check and
	// its write, so the race can be shown without relying on scheduling.
	couponHook func()
}

var _ http.Handler = (*Shop)(nil)

// New builds a shop whose data and tokens are determined by opts.
func New(opts Options) *Shop {
	if opts.Users <= 0 {
		opts.Users = DefaultUsers
	}
	if opts.Products <= 0 {
		opts.Products = DefaultProducts
	}
	users, products := seedData(opts.Seed, opts.Users, opts.Products)
	s := &Shop{
		users:          users,
		byUsername:     make(map[string]*User, len(users)),
		products:       products,
		productJSON:    encodeProducts(products),
		coupons:        make(map[string]Coupon),
		couponOrder:    builtinCoupons(),
		couponLatency:  opts.CouponLatency,
		urlQueriesOnly: urlQueriesOnly(),
		tokens:         newTokenIssuer(opts.Seed),
		carts:          make(map[int64]*cart),
		signups:        newAccountBook(len(users)),
		payments:       newPaymentDesk(),
	}
	for i := range s.users {
		s.byUsername[s.users[i].Username] = &s.users[i]
	}
	for _, c := range s.couponOrder {
		s.coupons[c.Code] = c
	}
	s.mux = http.NewServeMux()
	for _, r := range s.routes() {
		s.mux.HandleFunc(r.pattern, r.handler)
	}
	s.mux.Handle("POST /graphql", s.graphqlHandler()) // see graphql.go; not in the OpenAPI route table
	return s
}

// route is one operation the shop serves. The spec test walks the same
// table, so a route cannot be added without documenting it.
type route struct {
	pattern string // ServeMux pattern, "METHOD /path"
	method  string
	path    string // OpenAPI path template
	handler http.HandlerFunc
}

func (s *Shop) routes() []route {
	r := func(method, path string, h http.HandlerFunc) route {
		return route{pattern: method + " " + path, method: method, path: path, handler: h}
	}
	return []route{
		r(http.MethodPost, "/login", s.login),
		r(http.MethodGet, "/users/me", s.authed(s.getMe)),
		r(http.MethodGet, "/users/{id}", s.authed(s.getUser)),
		r(http.MethodGet, "/products", s.listProducts),
		r(http.MethodGet, "/products/{id}", s.getProduct),
		r(http.MethodGet, "/cart", s.authed(s.getCart)),
		r(http.MethodPost, "/cart/items", s.authed(s.addCartItem)),
		r(http.MethodPost, "/cart/coupons", s.authed(s.applyCoupon)),
		r(http.MethodPost, "/checkout", s.authed(s.checkout)),
		r(http.MethodPost, "/signup", s.signup),
		r(http.MethodPost, "/checkout/payment", s.authed(s.startPayment)),
		r(http.MethodPost, "/checkout/confirm", s.authed(s.confirmCheckout)),
	}
}

// ServeHTTP routes a request to the shop's handlers.
func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Users returns how many users the shop holds; their ids run from 1 to
// Users(), which is what an enumeration scenario walks.
func (s *Shop) Users() int { return len(s.users) }

// Products returns the catalog size, the denominator of a scraping
// scenario's "catalog share scraped".
func (s *Shop) Products() int { return len(s.products) }

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := appendJSON(make([]byte, 0, 256), v)
	if err != nil {
		// What json.Encoder does: the header goes out, with no body.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		return
	}
	writeRawJSON(w, status, append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// decodeJSON reads a JSON body into v, answering 400 itself when it cannot.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeFrom(w, http.MaxBytesReader(w, r.Body, maxBody), v)
}

// decodeFrom is decodeJSON of a body already limited to maxBody.
func decodeFrom(w http.ResponseWriter, body io.Reader, v any) bool {
	if err := json.NewDecoder(body).Decode(v); err != nil {
		msg := "malformed JSON body"
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			msg = "request body too large"
		}
		writeError(w, http.StatusBadRequest, msg)
		return false
	}
	return true
}
