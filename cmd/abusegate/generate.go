package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/graphql"
	"github.com/abusegate/abusegate/scenarios"
)

// generateOptions are generate's flags.
type generateOptions struct {
	spec        string
	kinds       []string
	out         string
	baseURL     string
	credentials string
	specFlags   specFlags
}

func newGenerate(std stdio) *cobra.Command {
	var o generateOptions
	cmd := &cobra.Command{
		Use:   "generate --spec SPEC [--kinds ID,...] [-o abusegate.yaml]",
		Short: "Write an editable misuse plan (abusegate.yaml) from an OpenAPI or GraphQL spec",
		Long: `generate reads a spec, asks every misuse kind (or those of --kinds) what it can
abuse, and writes a commented plan: for each scenario, the operations chosen and
why, and the misuse question it answers. The plan validates as written; edit it
as code. -o - writes it to stdout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.spec == "" {
				return errors.New("--spec is required: the OpenAPI or GraphQL spec to build the plan from")
			}
			s, err := readSurface(cmd, std, o)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := writePlan(&buf, s, o); err != nil {
				return err
			}
			if o.out == "-" {
				_, err := std.out.Write(buf.Bytes())
				return err
			}
			if err := os.WriteFile(o.out, buf.Bytes(), 0o644); err != nil {
				return incomplete(err)
			}
			fmt.Fprintln(std.err, "wrote", o.out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.spec, "spec", "", "OpenAPI (2.0, 3.x) or GraphQL (SDL, introspection JSON) spec")
	f.StringSliceVar(&o.kinds, "kinds", nil, "misuse kinds to generate (default: every kind; see abusegate scenarios list)")
	f.StringVarP(&o.out, "output", "o", "abusegate.yaml", "where to write the plan; - for stdout")
	f.StringVar(&o.baseURL, "base-url", "http://127.0.0.1:8080", "the staging target's base URL written into the plan")
	f.StringVar(&o.credentials, "credentials", "testdata/credentials/leaked.txt", "leaked username:password list for credential stuffing, written into the plan")
	o.specFlags.register(f)
	return cmd
}

func readSurface(cmd *cobra.Command, std stdio, o generateOptions) (scenarios.Surface, error) {
	if data, err := os.ReadFile(o.spec); err == nil && graphql.Detect(o.spec, data) {
		s, _, err := graphql.Load(graphql.Options{}, graphql.Source{Name: o.spec, Data: data})
		return s, err
	}
	l, err := loadSpec(cmd.Context(), std, o.spec, o.specFlags)
	return l.surface, err
}

// Pools every generated plan declares; each attack scenario that logs in
// has a pool of its own besides, named after it (scenarioPool).
const (
	poolLeaked   = "leaked"
	poolShoppers = "shoppers"
	// poolKeys holds the user's own static credentials (API keys, tokens)
	// when the spec takes those instead of offering a login.
	poolKeys = "attackers"
)

// scenarioPool names the identities sc runs as: the leaked list for
// stuffing, the user's keys when the API takes static credentials (keyed),
// a pool of its own for an attacker who logs in, "" for none.
func scenarioPool(sc scenarios.Scenario, keyed bool) string {
	switch {
	case sc.Kind == "rest.credential-stuffing" || sc.Params["source"] == "leaked":
		return poolLeaked
	case len(sc.Identities) > 0 && keyed:
		return poolKeys
	case len(sc.Identities) > 0:
		return sc.ID
	}
	return ""
}

// generated runs the chosen kinds over s.
func generated(s scenarios.Surface, kinds []string) ([]scenarios.Scenario, []string, error) {
	reg := catalog()
	ids := kinds
	if len(ids) == 0 {
		ids = reg.IDs()
	}
	var errs []error
	var out []scenarios.Scenario
	// Placeholder identities stand for the pools: generators only count
	// them and copy their usernames into params.
	opts := generators.Options{
		Attackers:   []scenarios.Identity{{Username: "attacker1"}, {Username: "attacker2"}},
		Credentials: []scenarios.Identity{{Username: "leaked"}},
	}
	for _, id := range ids {
		k, err := reg.Lookup(id)
		if err != nil {
			errs = append(errs, fmt.Errorf("--kinds: %w", err))
			continue
		}
		out = append(out, k.Generate(s, opts)...)
	}
	return out, reg.IDs(), errors.Join(errs...)
}

func writePlan(w io.Writer, s scenarios.Surface, o generateOptions) error {
	scs, known, err := generated(s, o.kinds)
	if err != nil {
		return err
	}
	if len(scs) == 0 {
		return fmt.Errorf("%s: no misuse kind found anything to abuse in %d operations (try abusegate inspect %s)", o.spec, len(s.Operations), o.spec)
	}
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# abusegate misuse plan, generated from %s (%s%s).\n", filepath.Base(o.spec), s.Format, titled(s.Title))
	p("# Edit it as code: every field is checked by `abusegate run`; `abusegate schema` gives editors its schema.\n")
	p("version: %q\ntarget:\n  base_url: %s\n  allow: []\nspec: %s\n", scenarios.PlanVersion, o.baseURL, q(o.spec))
	auth, authErr := generators.AuthFrom(s)
	static, keyed := generators.StaticAuth{}, false
	if authErr == nil {
		p("auth:\n  login: %s\n  username_field: %s\n  password_field: %s\n  token_field: %s\n", q("POST "+auth.Path), q(auth.UsernameField), q(auth.PasswordField), q(auth.TokenField))
		if auth.UserIDField != "" {
			p("  user_id_field: %s\n", q(auth.UserIDField))
		}
		p("  token_in: %s # where requests carry the token: bearer, header:NAME or cookie:NAME\n", q(auth.TokenIn))
	} else if gl, err := generators.GraphQLLoginFrom(s); err == nil {
		p("# auth: no REST login; GraphQL scenarios log in through MUTATION %s on %s (their params login_*, token_field).\n", gl.Field, gl.Endpoint)
	} else if static, keyed = generators.StaticAuthFrom(s); keyed {
		p("# auth: no login operation; the spec's security scheme %q takes %s credentials issued elsewhere,\n", static.Scheme.Name, static.Credential)
		p("# so attack scenarios send your test accounts' credentials from the %q pool, never logging in.\n", poolKeys)
		if static.TokenIn != "" {
			p("auth:\n  token_in: %s # where requests carry the key: header:NAME or cookie:NAME\n", q(static.TokenIn))
		}
	} else {
		p("# auth: no login found (%s); scenarios run unauthenticated.\n", strings.ReplaceAll(authErr.Error(), "\n", "; "))
	}
	if !keyed {
		p("# Each attack scenario logs in with accounts of its own, as distinct attackers would, so the\n")
		p("# containment of one never stops another: create them on staging (or name a file: of yours).\n")
	}
	p("identities:\n")
	attackers, leaked := 0, false
	for _, sc := range scs {
		switch pool := scenarioPool(sc, keyed); pool {
		case sc.ID:
			attackers++
			p("  - name: %s\n    generate: {count: %d, prefix: attacker%d-, password: CHANGE-ME}\n", pool, len(sc.Identities), attackers)
		case poolKeys:
			attackers++
		case poolLeaked:
			leaked = true
		}
	}
	if keyed && attackers > 0 {
		format := map[string]string{"api-key": "one key a line", "bearer": "one token a line", "basic": "username:password lines, sent as HTTP basic auth"}[static.Credential]
		p("  # Put two or more of YOUR test accounts' %s credentials in this file (%s; # comments):\n", static.Credential, format)
		p("  # the second account replays what the first one read. Staging keys only; reports never show them.\n")
		p("  - name: %s\n    file: %s\n    credential: %s\n", poolKeys, q(poolKeys+".keys"), static.Credential)
	}
	if leaked {
		// Only a plan that stuffs names the list: a missing file stops a run.
		p("  - name: %s\n    file: %s\n", poolLeaked, q(o.credentials))
	}
	if keyed {
		// The API's own clients hold keys too: benign traffic signs in as
		// they do, or it is refused before the guard can hurt it.
		p("  # Benign clients: put YOUR test accounts' %s credentials for ordinary use in this file\n", static.Credential)
		p("  # (other accounts than the attackers'; one a line, # comments). `simulate` stands keys in for it.\n")
		p("  - name: %s\n    file: %s\n    credential: %s\n", poolShoppers, q(poolShoppers+".keys"), static.Credential)
	} else {
		p("  - name: %s\n    generate: {count: 20, prefix: shopper, password: CHANGE-ME}\n", poolShoppers)
	}
	p("benign:\n  identities: %s\n  vus: 20\n  duration: 5m\n  think: {dist: uniform, min: 1s, max: 5s}\n", poolShoppers)
	p("scenarios:\n")
	for _, sc := range scs {
		writeScenario(&b, sc, keyed)
	}
	p("detection:\n  - type: guard\ncontainment:\n  status: [\"401\", \"403\", \"423\", \"429\"]\n  max_success: 5%%\n")
	sla := scenarios.DefaultSLA()
	p("sla:\n  mttd: %s\n  mttc: %s\n  max_leak: %d\n  max_benign: %d\n", sla.MTTD, sla.MTTC, sla.MaxLeak, sla.MaxBenign)

	// The plan must validate as written: a generator bug is caught here,
	// not in the user's pipeline.
	f, err := scenarios.LoadPlan("generated plan", b.Bytes())
	if err == nil {
		ops := make([]string, 0, len(s.Operations))
		for _, op := range s.Operations {
			ops = append(ops, op.Key())
		}
		err = f.Validate(scenarios.PlanChecks{Kinds: known, Operations: ops})
	}
	if err != nil {
		return fmt.Errorf("generated plan does not validate (a bug in abusegate): %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

func writeScenario(b *bytes.Buffer, sc scenarios.Scenario, keyed bool) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("\n  # %s\n", sc.Title)
	p("  # Question: %s\n", sc.Question)
	p("  # Leak counted in: %s.\n", sc.LeakUnit)
	p("  - id: %s\n    kind: %s\n    title: %s\n    question: %s\n    operations:\n", sc.ID, sc.Kind, q(sc.Title), q(sc.Question))
	for _, t := range sc.Operations {
		p("      - operation: %s\n        why: %s\n", q(t.Operation), q(t.Why))
	}
	s := sc.Schedule
	p("    executor: %s\n    vus: %d\n", s.Executor, s.VUs)
	if s.Iterations > 0 {
		p("    iterations: %d\n", s.Iterations)
	}
	p("    duration: %s\n", s.Duration)
	t := sc.Think
	switch t.Dist {
	case scenarios.Uniform:
		p("    think: {dist: uniform, min: %s, max: %s}\n", t.Min, t.Max)
	default:
		p("    think: {dist: %s, mean: %s}\n", t.Dist, t.Mean)
	}
	if pool := scenarioPool(sc, keyed); pool != "" {
		p("    identities: %s\n", pool)
	}
	if r := sc.Params["rotate"]; r != "" {
		p("    rotate: %s\n", r)
	}
	p("    budget: {requests: 20000}\n")
	if len(sc.Params) > 0 {
		p("    params:\n")
		keys := make([]string, 0, len(sc.Params))
		for k := range sc.Params {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p("      %s: %s\n", k, q(sc.Params[k]))
		}
	}
}

// q quotes a YAML scalar.
func q(s string) string { return strconv.Quote(s) }

func titled(t string) string {
	if t == "" {
		return ""
	}
	return ", " + t
}
