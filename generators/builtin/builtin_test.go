package builtin_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/builtin"
)

// Every kind is catalogued completely, with well-formed OWASP and OAT ids.
func TestCatalogIsComplete(t *testing.T) {
	r := generators.NewRegistry()
	builtin.Register(r)
	owasp := regexp.MustCompile(`^API([1-9]|10):2023$`)
	oat := regexp.MustCompile(`^OAT-0\d\d$`)
	id := regexp.MustCompile(`^(rest|graphql)\.[a-z]+(-[a-z]+)*$`)
	assert.GreaterOrEqual(t, len(r.All()), 11)
	for _, k := range r.All() {
		info := k.Info()
		t.Run(info.ID, func(t *testing.T) {
			assert.Regexp(t, id, info.ID)
			assert.NotEmpty(t, info.Title)
			assert.NotEmpty(t, info.Needs)
			assert.NotEmpty(t, info.LeakUnit)
			assert.NotEmpty(t, info.OWASP)
			for _, o := range info.OWASP {
				assert.Regexp(t, owasp, o)
			}
			for _, o := range info.OAT {
				assert.Regexp(t, oat, o)
			}
		})
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	r := generators.NewRegistry()
	builtin.Register(r)
	assert.Panics(t, func() { builtin.Register(r) })
}
