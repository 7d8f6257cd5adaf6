package scenarios

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PlanChecks is what a plan is validated against: the registered misuse
// kinds and the spec's operation keys. A nil Operations skips the
// operation check (no spec at hand).
type PlanChecks struct {
	Kinds      []string
	Operations []string
}

// compiler accumulates problems while it compiles.
type compiler struct {
	f    *PlanFile
	errs []error
}

func (c *compiler) bad(path, format string, args ...any) {
	c.errs = append(c.errs, &PlanError{Loc: c.f.Position(path), Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *compiler) duration(path, s string, required bool) time.Duration {
	if s == "" {
		if required {
			c.bad(path, "required: a duration such as 30s or 5m")
		}
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		c.bad(path, "%q is not a non-negative duration such as 30s or 5m", s)
		return 0
	}
	return d
}

// Validate reports every problem of the plan at once, each with its file
// position and field path; nil means Compile will succeed.
func (f *PlanFile) Validate(checks PlanChecks) error {
	_, err := f.Compile(checks)
	return err
}

// Compile checks the plan and turns its strings into durations, matchers
// and scenarios, once.
func (f *PlanFile) Compile(checks PlanChecks) (*Plan, error) {
	c := &compiler{f: f}
	p := &Plan{Spec: f.Spec, Pools: map[string]RawPool{}, Detection: f.Detection}
	if f.Version != PlanVersion {
		c.bad("version", "%q: this abusegate reads plan version %q", f.Version, PlanVersion)
	}
	c.target(p)
	c.auth(p, checks)
	for i, pool := range f.Identities {
		path := fmt.Sprintf("identities[%d]", i)
		switch {
		case pool.Name == "":
			c.bad(path+".name", "required: the name scenarios use to pick this pool")
		case p.Pools[pool.Name].Name != "":
			c.bad(path+".name", "duplicate pool %q", pool.Name)
		}
		switch {
		case (pool.File == "") == (pool.Generate == nil):
			c.bad(path, "give exactly one of file (username:password lines) or generate")
		case pool.Generate != nil && pool.Generate.Count < 1:
			c.bad(path+".generate.count", "%d: want at least 1 account", pool.Generate.Count)
		}
		c.credential(path, pool, p)
		p.Pools[pool.Name] = pool
	}
	c.benign(p)
	c.scenarios(p, checks)
	for i, d := range f.Detection {
		path := fmt.Sprintf("detection[%d]", i)
		switch d.Type {
		case "guard":
		case "webhook":
			if _, err := url.ParseRequestURI(d.URL); err != nil {
				c.bad(path+".url", "a webhook source needs the URL alerts are posted to")
			}
		case "response":
			if d.Header == "" {
				c.bad(path+".header", "a response source needs the header that signals detection")
			}
		default:
			c.bad(path+".type", "%q: want guard, webhook or response", d.Type)
		}
	}
	p.Containment.Status = c.statuses("containment.status", f.Containment.Status, "401", "403", "423", "429")
	p.Containment.MaxSuccess = c.rate("containment.max_success", f.Containment.MaxSuccess)
	p.SLA = c.sla("sla", &f.SLA, DefaultSLA())
	p.SLA.MaxSuccess = p.Containment.MaxSuccess
	for i := range p.Scenarios {
		s := &p.Scenarios[i]
		s.SLA = c.sla(fmt.Sprintf("scenarios[%d].sla", i), f.Scenarios[i].SLA, p.SLA)
		s.SLA.MaxSuccess = p.SLA.MaxSuccess
	}
	if err := errors.Join(c.errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func (c *compiler) target(p *Plan) {
	u, err := url.Parse(c.f.Target.BaseURL)
	switch {
	case c.f.Target.BaseURL == "":
		c.bad("target.base_url", "required: the staging API's base URL, such as http://127.0.0.1:8080")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		c.bad("target.base_url", "%q is not an absolute http(s) URL", c.f.Target.BaseURL)
	default:
		p.Target.BaseURL = u
		p.Target.Allow = append([]string{u.Host}, c.f.Target.Allow...)
	}
	for i, h := range c.f.Target.Allow {
		if h == "" || strings.Contains(h, "/") {
			c.bad(fmt.Sprintf("target.allow[%d]", i), "%q: want host or host:port", h)
		}
	}
}

func (c *compiler) auth(p *Plan, checks PlanChecks) {
	a := c.f.Auth
	if a.Login == "" {
		// A plan of public operations, or of static credentials, needs no
		// login; token_in still says where an api-key pool's keys go.
		if a.TokenIn != "" {
			p.TokenIn = c.tokenIn(a.TokenIn)
			p.Auth.TokenIn = p.TokenIn
		}
		return
	}
	c.operation("auth.login", a.Login, checks)
	_, path, _ := strings.Cut(a.Login, " ")
	p.Auth = Auth{Path: path, UsernameField: a.UsernameField, PasswordField: a.PasswordField, TokenField: a.TokenField, UserIDField: a.UserIDField}
	for field, v := range map[string]string{"auth.username_field": a.UsernameField, "auth.password_field": a.PasswordField, "auth.token_field": a.TokenField} {
		if v == "" {
			c.bad(field, "required with auth.login")
		}
	}
	p.TokenIn = c.tokenIn(a.TokenIn)
	p.Auth.TokenIn = p.TokenIn
}

func (c *compiler) tokenIn(t string) string {
	switch {
	case t == "" || t == "bearer":
		return "bearer"
	case strings.HasPrefix(t, "header:") && validToken(t[7:]), strings.HasPrefix(t, "cookie:") && validToken(t[7:]):
		return t
	}
	c.bad("auth.token_in", "%q: want bearer, header:NAME or cookie:NAME (NAME a header or cookie name such as X-Auth-Token)", t)
	return ""
}

// credential checks a pool of static credentials: it needs a file, and
// API keys need auth.token_in to say which header or cookie carries them.
// It runs after auth, so p.TokenIn is known.
func (c *compiler) credential(path string, pool RawPool, p *Plan) {
	switch pool.Credential {
	case "":
		return
	case "api-key", "bearer", "basic":
	default:
		c.bad(path+".credential", "%q: want api-key, bearer or basic (or no credential for username:password logins)", pool.Credential)
		return
	}
	if pool.File == "" {
		c.bad(path+".credential", "a %s pool needs file: the keys or tokens issued to your test accounts, one a line", pool.Credential)
	}
	if pool.Credential == "api-key" && !strings.HasPrefix(p.TokenIn, "header:") && !strings.HasPrefix(p.TokenIn, "cookie:") {
		c.bad(path+".credential", "api-key: set auth.token_in to the header or cookie that carries the key, such as header:X-API-Key")
	}
}

// validToken reports whether name can be a header or cookie name: an HTTP
// token (RFC 9110 section 5.6.2).
func validToken(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

func (c *compiler) operation(path, key string, checks PlanChecks) {
	m, pth, ok := strings.Cut(key, " ")
	switch {
	case !ok || m == "" || m != strings.ToUpper(m) || !strings.HasPrefix(pth, "/") && !graphQLKey(m, pth):
		c.bad(path, "%q is not an operation key such as \"GET /users/{id}\" or \"QUERY user\"", key)
	case checks.Operations != nil && !slices.Contains(checks.Operations, key):
		c.bad(path, "operation %q is not in the spec%s", key, suggest(key, checks.Operations))
	}
}

// suggest names the closest operation keys sharing the method or path.
func suggest(key string, ops []string) string {
	m, p, _ := strings.Cut(key, " ")
	var near []string
	for _, o := range ops {
		om, op, _ := strings.Cut(o, " ")
		if op == p || (om == m && strings.HasPrefix(op, strings.SplitN(strings.TrimPrefix(p, "/"), "/", 2)[0])) || strings.Contains(op, strings.Trim(p, "/")) {
			near = append(near, o)
		}
	}
	if len(near) == 0 || len(near) > 5 {
		return ""
	}
	return " (did you mean " + strings.Join(near, " or ") + "?)"
}

func (c *compiler) pool(path, name string, p *Plan) {
	if name != "" && p.Pools[name].Name == "" {
		known := make([]string, 0, len(p.Pools))
		for k := range p.Pools {
			known = append(known, k)
		}
		slices.Sort(known)
		c.bad(path, "no identity pool %q (pools: %s)", name, strings.Join(known, ", "))
	}
}

func (c *compiler) benign(p *Plan) {
	b := c.f.Benign
	if b == nil {
		return
	}
	c.pool("benign.identities", b.Identities, p)
	if b.VUs < 1 {
		c.bad("benign.vus", "%d: want at least 1 benign VU", b.VUs)
	}
	p.Benign = &PlannedBenign{Pool: b.Identities, VUs: b.VUs, Duration: c.duration("benign.duration", b.Duration, true), Think: c.think("benign.think", b.Think)}
}

func (c *compiler) think(path string, t RawThink) Think {
	var out Think
	switch t.Dist {
	case "", "constant":
		out.Dist = Constant
	case "uniform":
		out.Dist = Uniform
	case "exponential":
		out.Dist = Exponential
	case "log-normal":
		out.Dist = LogNormal
	default:
		c.bad(path+".dist", "%q: want constant, uniform, exponential or log-normal", t.Dist)
	}
	out.Mean = c.duration(path+".mean", t.Mean, false)
	out.Min = c.duration(path+".min", t.Min, false)
	out.Max = c.duration(path+".max", t.Max, false)
	out.Sigma = t.Sigma
	if out.Dist == Uniform && out.Max < out.Min {
		c.bad(path+".max", "%s is below min %s", out.Max, out.Min)
	}
	return out
}

func (c *compiler) statuses(path string, in []string, def ...string) StatusMatcher {
	if len(in) == 0 {
		in = def
	}
	var m StatusMatcher
	for i, s := range in {
		lo, hi, ok := parseStatus(s)
		if !ok {
			c.bad(fmt.Sprintf("%s[%d]", path, i), "%q: want a status (429), a class (4xx) or a range (400-499)", s)
			continue
		}
		m = append(m, [2]int{lo, hi})
	}
	return m
}

func parseStatus(s string) (int, int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 3 && strings.HasSuffix(s, "xx") && s[0] >= '1' && s[0] <= '5' {
		d := int(s[0]-'0') * 100
		return d, d + 99, true
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err1 := strconv.Atoi(lo)
	b := a
	var err2 error
	if isRange {
		b, err2 = strconv.Atoi(hi)
	}
	if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
		return 0, 0, false
	}
	return a, b, true
}

func (c *compiler) rate(path, s string) float64 {
	if s == "" {
		return DefaultSLA().MaxSuccess
	}
	v, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(v, 64)
	if pct {
		f /= 100
	}
	if err != nil || f < 0 || f > 1 {
		c.bad(path, "%q: want a rate such as 5%% or 0.05", s)
		return 0
	}
	return f
}

func (c *compiler) sla(path string, r *RawSLA, def SLA) SLA {
	if r == nil {
		return def
	}
	out := def
	if r.MTTD != "" {
		out.MTTD = c.duration(path+".mttd", r.MTTD, false)
	}
	if r.MTTC != "" {
		out.MTTC = c.duration(path+".mttc", r.MTTC, false)
	}
	if r.MaxLeak != nil {
		if *r.MaxLeak < 0 {
			c.bad(path+".max_leak", "%d: want 0 or more", *r.MaxLeak)
		}
		out.MaxLeak = *r.MaxLeak
	}
	if r.MaxBenign != nil {
		if *r.MaxBenign < 0 {
			c.bad(path+".max_benign", "%d: want 0 or more", *r.MaxBenign)
		}
		out.MaxBenign = *r.MaxBenign
	}
	return out
}

// graphQLKey reports whether METHOD name is a GraphQL operation key
// (Operation.Key of a field of Query, Mutation or Subscription).
func graphQLKey(method, name string) bool {
	switch method {
	case "QUERY", "MUTATION", "SUBSCRIPTION":
	default:
		return false
	}
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return name != ""
}
