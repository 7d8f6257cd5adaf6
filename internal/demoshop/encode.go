package demoshop

import (
	"encoding/json"
	"strconv"
)

// appendJSON appends what json.Encoder writes for v (without the
// newline), by hand for the answers the shop gives most — carts, orders,
// profiles, logins and errors — and by reflection for the rest: encoding
// them by reflection was a tenth of the shop's CPU in a simulated day
// (TestAppendJSONIsTheEncodersBytes).
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case cartView:
		return appendCartView(b, v), nil
	case orderView:
		b = appendInt(append(b, `{"order_id":`...), v.OrderID)
		b = appendInt(append(b, `,"subtotal_cents":`...), v.SubtotalCents)
		b = appendInt(append(b, `,"discount_cents":`...), v.DiscountCents)
		b = appendInt(append(b, `,"total_cents":`...), v.TotalCents)
		return append(b, '}'), nil
	case *User:
		b = appendInt(append(b, `{"id":`...), v.ID)
		b = appendString(append(b, `,"name":`...), v.Name)
		b = appendString(append(b, `,"email":`...), v.Email)
		b = appendString(append(b, `,"address":`...), v.Address)
		b = appendString(append(b, `,"username":`...), v.Username)
		return append(b, '}'), nil
	case loginResponse:
		b = appendString(append(b, `{"token":`...), v.Token)
		b = appendInt(append(b, `,"user_id":`...), v.UserID)
		b = appendInt(append(b, `,"expires_in":`...), int64(v.ExpiresIn))
		return append(b, '}'), nil
	case errorBody:
		b = appendString(append(b, `{"error":`...), v.Error)
		return append(b, '}'), nil
	}
	enc, err := json.Marshal(v)
	return append(b, enc...), err
}

func appendCartView(b []byte, v cartView) []byte {
	b = append(b, `{"items":`...)
	b = appendList(b, v.Items, func(b []byte, it cartItemView) []byte {
		b = appendInt(append(b, `{"product_id":`...), it.ProductID)
		b = appendString(append(b, `,"name":`...), it.Name)
		b = appendInt(append(b, `,"unit_price_cents":`...), it.UnitPriceCents)
		b = appendInt(append(b, `,"quantity":`...), it.Quantity)
		b = appendInt(append(b, `,"line_cents":`...), it.LineCents)
		return append(b, '}')
	})
	b = appendInt(append(b, `,"subtotal_cents":`...), v.SubtotalCents)
	b = append(b, `,"discounts":`...)
	b = appendList(b, v.Discounts, func(b []byte, d discountView) []byte {
		b = appendString(append(b, `{"code":`...), d.Code)
		b = appendString(append(b, `,"kind":`...), d.Kind.String()) // its MarshalText
		b = appendInt(append(b, `,"value":`...), d.Value)
		b = appendInt(append(b, `,"discount_cents":`...), d.DiscountCents)
		return append(b, '}')
	})
	b = appendInt(append(b, `,"discount_cents":`...), v.DiscountCents)
	b = appendInt(append(b, `,"total_cents":`...), v.TotalCents)
	return append(b, '}')
}

// appendList appends a JSON array of list's elements (null for a nil
// slice, as the encoder writes it).
func appendList[T any](b []byte, list []T, elem func([]byte, T) []byte) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, e)
	}
	return append(b, ']')
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendString appends s as a JSON string the way the encoder writes it:
// plain printable ASCII as it is, anything it escapes (quotes,
// backslashes, control and HTML characters, and every non-ASCII byte, for
// its handling of U+2028 and invalid UTF-8) through the encoder itself.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
