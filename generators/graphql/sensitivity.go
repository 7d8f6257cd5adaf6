package graphql

import "github.com/abusegate/abusegate/scenarios"

var (
	secretWords = []string{"password", "passwd", "secret", "token", "ssn", "iban", "cvv", "cvc", "apikey", "pin"}
	piiWords    = []string{"email", "phone", "address", "birthday", "birthdate", "dob", "salary", "ssn", "passport", "tax", "firstname", "lastname"}
	highRoles   = []scenarios.Role{scenarios.RoleLogin, scenarios.RoleSignup, scenarios.RolePasswordReset, scenarios.RoleCoupon, scenarios.RoleCheckout, scenarios.RoleAdmin, scenarios.RoleExport}
)

// sensitivity grades an operation by its roles and by what it returns:
// account and money flows, secrets, and personal data read by id or in
// bulk, and deleting or transferring objects by id are high.
func sensitivity(o scenarios.Operation, lex lexicon) scenarios.Sensitivity {
	for _, r := range highRoles {
		if o.Has(r) {
			return scenarios.SensitivityHigh
		}
	}
	secret, pii := false, false
	for _, f := range o.ResponseFields {
		w := lex.of(lastSegment(f))
		secret = secret || w.any(secretWords...)
		pii = pii || w.any(piiWords...)
	}
	reads := o.Has(scenarios.RoleObjectRead) || o.Has(scenarios.RoleCollection)
	destroys := o.Has(scenarios.RoleObjectWrite) && lex.of(o.Path).any("delete", "remove", "destroy", "transfer", "purge")
	switch {
	case secret, pii && reads, destroys:
		return scenarios.SensitivityHigh
	case pii, reads, o.Method == "MUTATION":
		return scenarios.SensitivityMedium
	}
	return scenarios.SensitivityLow
}
