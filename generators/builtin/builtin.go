// Package builtin registers abusegate's own misuse kinds. cmd calls
// Register on a fresh generators.Registry at start-up; nothing registers
// itself.
package builtin

import (
	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/bruteforce"
	"github.com/abusegate/abusegate/generators/consumption"
	"github.com/abusegate/abusegate/generators/couponstacking"
	"github.com/abusegate/abusegate/generators/cracking"
	"github.com/abusegate/abusegate/generators/enumeration"
	"github.com/abusegate/abusegate/generators/flowbypass"
	"github.com/abusegate/abusegate/generators/hoarding"
	"github.com/abusegate/abusegate/generators/replay"
	"github.com/abusegate/abusegate/generators/reuse"
	"github.com/abusegate/abusegate/generators/scraping"
	"github.com/abusegate/abusegate/generators/signup"
	"github.com/abusegate/abusegate/generators/stuffing"
)

// Register adds every built-in kind to r. Kinds that share state between
// the VUs of a run (credential reuse, what stuffing and cracking found)
// are fresh values per registry.
func Register(r *generators.Registry) {
	r.Register(
		enumeration.New(),
		couponstacking.New(),
		scraping.New(),
		stuffing.New(),
		reuse.New(),
		cracking.New(),
		hoarding.Kind{},
		signup.Kind{},
		flowbypass.Kind{},
		consumption.Kind{},
		replay.Kind{},
		bruteforce.Kind{},
		enumeration.NewGraphQL(),
		couponstacking.GraphQL{},
		consumption.GraphQL{},
		signup.GraphQL{},
		flowbypass.GraphQL{},
	)
}
