package scenarios

import "strings"

// FieldKind is what a request or response field holds, as far as data
// exposure goes. Adapters grade sensitivity with it and lint flags personal
// data in lists and secrets in answers, whatever the spec's format.
type FieldKind int

// Field kinds.
const (
	FieldPlain FieldKind = iota
	// FieldPII is personal data: email, phone, address, birth date.
	FieldPII
	// FieldSecret is a credential or secret: password, api key, hash.
	FieldSecret
)

var fieldKindNames = [...]string{"plain", "pii", "secret"}

func (k FieldKind) String() string {
	if k >= 0 && int(k) < len(fieldKindNames) {
		return fieldKindNames[k]
	}
	return "FieldKind(?)"
}

var piiWords = []string{"email", "phone", "address", "birth", "dob", "ssn", "social_security", "passport",
	"first_name", "last_name", "full_name", "firstname", "lastname", "fullname", "postal", "street",
	"national_id", "tax_id", "iban", "card_number", "ip_address", "latitude", "longitude"}

var secretWords = []string{"password", "passwd", "secret", "api_key", "apikey", "private_key", "password_hash",
	"hash", "salt", "otp", "cvv", "cvc"}

// ClassifyField grades a field by the last segment of its dotted name
// ("items[].email" is PII, "user.password_hash" a secret). Names are
// matched as snake_case or camelCase words.
func ClassifyField(field string) FieldKind {
	name := field
	if i := strings.LastIndexAny(name, ".]"); i >= 0 {
		name = name[i+1:]
	}
	name = snake(name)
	for _, w := range secretWords {
		if name == w || strings.HasSuffix(name, "_"+w) {
			return FieldSecret
		}
	}
	for _, w := range piiWords {
		if name == w || strings.HasSuffix(name, "_"+w) || strings.HasPrefix(name, w+"_") || strings.Contains(name, "_"+w+"_") {
			return FieldPII
		}
	}
	return FieldPlain
}

// snake turns "passwordHash" into "password_hash" and lowers the case.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		if r == '-' {
			r = '_'
		}
		b.WriteRune(r)
	}
	return b.String()
}
