package demoshop

import (
	_ "embed"
	"slices"
)

//go:embed openapi.yaml
var spec []byte

// Spec returns the shop's OpenAPI 3.0.3 description, the input the demo
// feeds to abusegate's generators as a user would feed their own spec. It
// documents the flaws' surface honestly (object ids, unbounded limit,
// coupon codes) but not the flaws. The slice is a copy.
func Spec() []byte { return slices.Clone(spec) }
