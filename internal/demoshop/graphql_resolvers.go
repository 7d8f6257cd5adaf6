package demoshop

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"

	graphql "github.com/graph-gophers/graphql-go"
)

// gqlRoot resolves Query and Mutation. Each resolver calls the REST
// handler of the same operation (see invoke), so the flaws are the same
// code under both APIs.
type gqlRoot struct{ shop *Shop }

type gqlUser struct {
	ID                             graphql.ID
	Name, Email, Address, Username string
}

type gqlLogin struct {
	Token     string
	UserID    graphql.ID
	ExpiresIn int32
}

type gqlProduct struct {
	ID         graphql.ID
	Name       string
	PriceCents int32
}

type gqlPage struct {
	Items              []gqlProduct
	Page, Limit, Total int32
}

type gqlCartItem struct {
	ProductID                           graphql.ID
	Name                                string
	UnitPriceCents, Quantity, LineCents int32
}

type gqlDiscount struct {
	Code, Kind           string
	Value, DiscountCents int32
}

type gqlCart struct {
	Items                     []gqlCartItem
	SubtotalCents             int32
	Discounts                 []gqlDiscount
	DiscountCents, TotalCents int32
}

type gqlOrder struct {
	OrderID                                  graphql.ID
	SubtotalCents, DiscountCents, TotalCents int32
}

// i32 fits a value into GraphQL's 32-bit Int, saturating: a cart worth
// more than $21M reads as $21M.
func i32[T int | int64](v T) int32 {
	return int32(max(min(int64(v), math.MaxInt32), math.MinInt32))
}

func gqlID(id int64) graphql.ID { return graphql.ID(strconv.FormatInt(id, 10)) }

func userView(u User) *gqlUser {
	return &gqlUser{ID: gqlID(u.ID), Name: u.Name, Email: u.Email, Address: u.Address, Username: u.Username}
}

func cartOut(v cartView) *gqlCart {
	c := &gqlCart{SubtotalCents: i32(v.SubtotalCents), DiscountCents: i32(v.DiscountCents), TotalCents: i32(v.TotalCents),
		Items: []gqlCartItem{}, Discounts: []gqlDiscount{}}
	for _, it := range v.Items {
		c.Items = append(c.Items, gqlCartItem{ProductID: gqlID(it.ProductID), Name: it.Name,
			UnitPriceCents: i32(it.UnitPriceCents), Quantity: i32(it.Quantity), LineCents: i32(it.LineCents)})
	}
	for _, d := range v.Discounts {
		c.Discounts = append(c.Discounts, gqlDiscount{Code: d.Code, Kind: d.Kind.String(), Value: i32(d.Value), DiscountCents: i32(d.DiscountCents)})
	}
	return c
}

// User is the BOLA: it checks that the caller is logged in, never that
// the id is the caller's own (GET /users/{id} does the same).
func (r *gqlRoot) User(ctx context.Context, args struct{ ID graphql.ID }) (*gqlUser, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	var u User
	id := string(args.ID)
	if err := invoke(ctx, withUser(r.shop.getUser, caller), "/users/"+url.PathEscape(id), nil, map[string]string{"id": id}, &u); err != nil {
		return nil, err
	}
	return userView(u), nil
}

// Me is the caller's own profile.
func (r *gqlRoot) Me(ctx context.Context) (*gqlUser, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	return userView(*caller), nil
}

// Products pages the catalog with no cap on limit.
// The schema's defaults (page 1, limit 20) are the REST defaults.
func (r *gqlRoot) Products(ctx context.Context, args struct{ Page, Limit int32 }) (*gqlPage, error) {
	q := url.Values{"page": {strconv.Itoa(int(args.Page))}, "limit": {strconv.Itoa(int(args.Limit))}}
	var p productPage
	if err := invoke(ctx, r.shop.listProducts, "/products?"+q.Encode(), nil, nil, &p); err != nil {
		return nil, err
	}
	out := &gqlPage{Page: i32(p.Page), Limit: i32(p.Limit), Total: i32(p.Total), Items: make([]gqlProduct, 0, len(p.Items))}
	for _, it := range p.Items {
		out.Items = append(out.Items, gqlProduct{ID: gqlID(it.ID), Name: it.Name, PriceCents: i32(it.PriceCents)})
	}
	return out, nil
}

// Cart is the caller's cart.
func (r *gqlRoot) Cart(ctx context.Context) (*gqlCart, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	var v cartView
	if err := invoke(ctx, withUser(r.shop.getCart, caller), "/cart", nil, nil, &v); err != nil {
		return nil, err
	}
	return cartOut(v), nil
}

// Login has no throttling or lockout; a wrong password is a null field
// with an error, so aliased attempts in one request each get an answer.
func (r *gqlRoot) Login(ctx context.Context, args struct{ Username, Password string }) (*gqlLogin, error) {
	var resp loginResponse
	if err := invoke(ctx, r.shop.login, "/login", loginRequest(args), nil, &resp); err != nil {
		return nil, err
	}
	return &gqlLogin{Token: resp.Token, UserID: gqlID(resp.UserID), ExpiresIn: i32(resp.ExpiresIn)}, nil
}

// AddCartItem adds a product to the caller's cart.
func (r *gqlRoot) AddCartItem(ctx context.Context, args struct {
	ProductID graphql.ID
	Quantity  int32
}) (*gqlCart, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(string(args.ProductID), 10, 64)
	if err != nil {
		return nil, &gqlError{msg: "productId must be an integer", status: http.StatusBadRequest}
	}
	req := addItemRequest{ProductID: id, Quantity: int64(args.Quantity)}
	var v cartView
	if err := invoke(ctx, withUser(r.shop.addCartItem, caller), "/cart/items", req, nil, &v); err != nil {
		return nil, err
	}
	return cartOut(v), nil
}

// ApplyCoupon is POST /cart/coupons: codes stack, repeat and race.
func (r *gqlRoot) ApplyCoupon(ctx context.Context, args struct{ Code string }) (*gqlCart, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	var v cartView
	if err := invoke(ctx, withUser(r.shop.applyCoupon, caller), "/cart/coupons", couponRequest(args), nil, &v); err != nil {
		return nil, err
	}
	return cartOut(v), nil
}

// Checkout charges what the stacked coupons left and empties the cart.
func (r *gqlRoot) Checkout(ctx context.Context) (*gqlOrder, error) {
	caller, err := me(ctx)
	if err != nil {
		return nil, err
	}
	var o orderView
	if err := invoke(ctx, withUser(r.shop.checkout, caller), "/checkout", nil, nil, &o); err != nil {
		return nil, err
	}
	return &gqlOrder{OrderID: gqlID(o.OrderID), SubtotalCents: i32(o.SubtotalCents), DiscountCents: i32(o.DiscountCents), TotalCents: i32(o.TotalCents)}, nil
}
