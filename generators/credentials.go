package generators

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/abusegate/abusegate/scenarios"
)

// ParseCredentials reads a leaked-credentials list: one "username:password"
// a line, "#" comments and blank lines ignored (the combo-list format
// stuffing tools share). Every malformed line is reported, with name:line.
func ParseCredentials(name string, r io.Reader) ([]scenarios.Identity, error) {
	var out []scenarios.Identity
	var errs []error
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		if !ok || user == "" || pass == "" {
			errs = append(errs, fmt.Errorf("%s:%d: want \"username:password\", got %d characters without both", name, n, len(line)))
			continue
		}
		out = append(out, scenarios.Identity{Username: user, Password: pass})
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", name, err))
	}
	return out, errors.Join(errs...)
}

// FormatCredentials writes identities in the format ParseCredentials reads.
func FormatCredentials(w io.Writer, header string, ids []scenarios.Identity) error {
	bw := bufio.NewWriter(w)
	for _, l := range strings.Split(strings.TrimSpace(header), "\n") {
		fmt.Fprintf(bw, "# %s\n", l)
	}
	for _, id := range ids {
		fmt.Fprintf(bw, "%s:%s\n", id.Username, id.Password)
	}
	return bw.Flush()
}
