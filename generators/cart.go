package generators

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// CartFields names the request fields of an add-to-cart operation: which
// one takes the product id and which the quantity, from the operation's
// request body. Kinds that fill carts (coupon stacking, hoarding, flow
// bypass) put them in their params so a plan can correct them.
func CartFields(op scenarios.Operation) (product, quantity string) {
	for _, f := range op.RequestFields {
		l := strings.ToLower(f)
		switch {
		case product == "" && (l == "id" || strings.HasSuffix(l, "_id") || strings.HasSuffix(l, "id") || l == "sku"):
			product = f
		case quantity == "" && (strings.Contains(l, "quant") || l == "qty" || l == "count" || l == "amount"):
			quantity = f
		}
	}
	return product, quantity
}

// First returns the first operation of s playing role r with method (any
// method when empty), over REST.
func First(s scenarios.Surface, r scenarios.Role, method string) (scenarios.Operation, bool) {
	for _, op := range s.Operations {
		if op.Has(r) && op.Protocol == scenarios.REST && (method == "" || op.Method == method) {
			return op, true
		}
	}
	return scenarios.Operation{}, false
}

// Cart is the shopping part of a program: it lists a collection to pick
// the dearest product (the bigger the cart, the more a discount is worth)
// and builds the add-to-cart request.
type Cart struct {
	// List is the collection path to pick a product from; empty uses
	// Product as is.
	List                        string
	AddPath                     string
	ProductField, QuantityField string
	Product                     string
	Quantity                    int
}

// CartFromParams reads a Cart from a scenario's params: "list" (a
// collection key), "cart" (the add-to-cart key), "product_field",
// "quantity_field", "product" and "quantity".
func CartFromParams(p map[string]string) (Cart, error) {
	c := Cart{ProductField: p["product_field"], QuantityField: p["quantity_field"], Product: p["product"]}
	var err error
	if _, c.AddPath, err = SplitKey(p["cart"]); err != nil {
		return Cart{}, err
	}
	if p["list"] != "" {
		if _, c.List, err = SplitKey(p["list"]); err != nil {
			return Cart{}, err
		}
	}
	if c.Quantity, err = Intn(p, "quantity", 1); err != nil {
		return Cart{}, err
	}
	if c.ProductField == "" {
		c.ProductField = "product_id"
	}
	if c.Product == "" {
		c.Product = "1"
	}
	return c, nil
}

// Params writes the cart's settings into params.
func (c Cart) Params(p map[string]string, list, add scenarios.Operation) {
	if list.Path != "" {
		p["list"] = list.Key()
	}
	p["cart"] = add.Key()
	p["product_field"], p["quantity_field"] = CartFields(add)
	if p["product_field"] == "" {
		p["product_field"] = "product_id"
	}
	if p["quantity_field"] == "" {
		delete(p, "quantity_field")
	}
}

// ListRequest is the collection page the product is picked from.
func (c Cart) ListRequest(h http.Header) scenarios.Request {
	return scenarios.Request{Method: http.MethodGet, Path: c.List + "?limit=100", Route: c.List, Header: h}
}

// Pick reads a collection page and keeps its dearest item as the product.
func (c *Cart) Pick(body []byte) {
	var best float64 = -1
	for _, it := range Items(body) {
		id, ok := ItemID(it)
		if !ok {
			continue
		}
		for k, v := range it {
			if p, isNum := v.(float64); isNum && strings.Contains(strings.ToLower(k), "price") && p > best {
				best, c.Product = p, id
			}
		}
		if best < 0 {
			c.Product = id
		}
	}
}

// AddRequest adds the product to the cart.
func (c Cart) AddRequest(h http.Header) scenarios.Request {
	body := map[string]any{c.ProductField: c.Product}
	if n, err := strconv.ParseInt(c.Product, 10, 64); err == nil {
		body[c.ProductField] = n
	}
	if c.QuantityField != "" {
		body[c.QuantityField] = c.Quantity
	}
	return JSONRequest(http.MethodPost, c.AddPath, c.AddPath, h, body)
}
