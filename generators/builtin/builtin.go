// Package builtin registers abusegate's own misuse kinds. cmd calls
// Register on a fresh generators.Registry at start-up; nothing registers
// itself.
package builtin

import (
	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/enumeration"
)

// Register adds every built-in kind to r.
func Register(r *generators.Registry) {
	r.Register(
		enumeration.Kind{},
	)
}
