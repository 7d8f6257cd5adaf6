package monitor

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/abusegate/abusegate/scenarios"
)

func policyFileSchema() reflect.Type { return reflect.TypeFor[PolicyFile]() }

// walk records the position of every field path under n and reports keys
// that t has no field for.
func (f *PolicyFile) walk(n ast.Node, path string, t reflect.Type) []error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if tk := n.GetToken(); tk != nil && path != "" {
		f.pos[path] = fmt.Sprintf("%d:%d", tk.Position.Line, tk.Position.Column)
	}
	var errs []error
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			errs = append(errs, f.walkKey(mv, path, t)...)
		}
	case *ast.MappingValueNode:
		errs = append(errs, f.walkKey(n, path, t)...)
	case *ast.SequenceNode:
		if t.Kind() != reflect.Slice {
			return nil // a type error, which decoding reports
		}
		for i, v := range n.Values {
			errs = append(errs, f.walk(v, fmt.Sprintf("%s[%d]", path, i), t.Elem())...)
		}
	}
	return errs
}

func (f *PolicyFile) walkKey(mv *ast.MappingValueNode, path string, t reflect.Type) []error {
	key := mv.Key.String()
	sub := key
	if path != "" {
		sub = path + "." + key
	}
	switch t.Kind() {
	case reflect.Map:
		return f.walk(mv.Value, sub, t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			fld := t.Field(i)
			if name, _, _ := strings.Cut(fld.Tag.Get("yaml"), ","); name == key && fld.IsExported() {
				return f.walk(mv.Value, sub, fld.Type)
			}
		}
		tk := mv.Key.GetToken()
		return []error{fmt.Errorf("%s:%d:%d: unknown key %q in %s (want one of %s)",
			f.name, tk.Position.Line, tk.Position.Column, key, orTop(path), strings.Join(yamlKeys(t), ", "))}
	}
	return nil
}

func orTop(path string) string {
	if path == "" {
		return "the policy"
	}
	return path
}

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && t.Field(i).IsExported() {
			keys = append(keys, name)
		}
	}
	return keys
}

// problems collects validation errors, each prefixed with the position of
// its field path.
type problems struct {
	f    *PolicyFile
	errs []error
}

func (p *problems) add(path, format string, args ...any) {
	at := p.f.name
	if pos, ok := p.f.pos[path]; ok {
		at += ":" + pos
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s: %s", at, path, fmt.Sprintf(format, args...)))
}

func (p *problems) duration(path, s string, required bool) {
	if s == "" {
		if required {
			p.add(path, "required (a duration such as 10s or 5m)")
		}
		return
	}
	if d, err := time.ParseDuration(s); err != nil || d <= 0 {
		p.add(path, "%q is not a positive duration (write 10s, 5m, 1h)", s)
	}
}

func (p *problems) positive(path string, v float64) {
	if v < 0 {
		p.add(path, "must not be negative, got %v", v)
	}
}

func (p *problems) ratio(path string, v float64) {
	if v < 0 || v > 1 {
		p.add(path, "must be a ratio between 0 and 1, got %v", v)
	}
}

// Validate reports every problem of the policy at once, each with the
// file:line:col of the field and what to write instead.
func (f *PolicyFile) Validate() error {
	p := &problems{f: f}
	if f.Version != 1 {
		p.add("version", "want 1, got %d", f.Version)
	}
	d := f.Detectors
	p.duration("detectors.rate.window", d.Rate.Window, false)
	p.duration("detectors.enumeration.window", d.Enumeration.Window, false)
	p.ratio("detectors.enumeration.denied_ratio", d.Enumeration.DeniedRatio)
	p.duration("detectors.scraping.window", d.Scraping.Window, false)
	p.ratio("detectors.scraping.cluster_overlap", d.Scraping.ClusterOverlap)
	p.positive("detectors.scraping.regularity_cv", d.Scraping.RegularityCV)
	p.ratio("detectors.scraping.catalog_share", d.Scraping.CatalogShare)
	p.ratio("detectors.sweep.catalog_share", d.Sweep.CatalogShare)
	p.duration("detectors.sweep.window", d.Sweep.Window, false)
	p.duration("detectors.hoarding.window", d.Hoarding.Window, false)
	p.duration("detectors.signup.window", d.Signup.Window, false)
	p.duration("detectors.stuffing.window", d.Stuffing.Window, false)
	p.ratio("detectors.stuffing.failure_ratio", d.Stuffing.FailureRatio)
	p.duration("detectors.reuse.window", d.Reuse.Window, false)
	p.duration("detectors.reuse.travel_window", d.Reuse.TravelWindow, false)
	p.positive("detectors.reuse.travel_kmh", d.Reuse.TravelKMH)
	p.duration("detectors.coupon.window", d.Coupon.Window, false)
	p.ratio("detectors.coupon.failure_ratio", d.Coupon.FailureRatio)
	for _, n := range []struct {
		path string
		v    int
	}{
		{"detectors.rate.identity", d.Rate.Identity}, {"detectors.rate.address", d.Rate.Address},
		{"detectors.rate.fingerprint", d.Rate.Fingerprint}, {"detectors.enumeration.distinct", d.Enumeration.Distinct},
		{"detectors.enumeration.suspicious", d.Enumeration.Suspicious},
		{"detectors.enumeration.sequential", d.Enumeration.Sequential}, {"detectors.scraping.distinct", d.Scraping.Distinct},
		{"detectors.scraping.regular", d.Scraping.Regular}, {"detectors.scraping.catalog_min_pages", d.Scraping.CatalogMinPages}, {"detectors.stuffing.failures", d.Stuffing.Failures},
		{"detectors.stuffing.usernames", d.Stuffing.Usernames}, {"detectors.reuse.fingerprints", d.Reuse.Fingerprints},
		{"detectors.reuse.addresses", d.Reuse.Addresses}, {"detectors.coupon.attempts", d.Coupon.Attempts},
		{"detectors.coupon.failures", d.Coupon.Failures}, {"detectors.coupon.repeats", d.Coupon.Repeats},
		{"detectors.flow.min_sessions", d.Flow.MinSessions}, {"detectors.amplification.copies", d.Amplification.Copies},
		{"detectors.amplification.sensitive_copies", d.Amplification.SensitiveCopies},
		{"detectors.amplification.fields", d.Amplification.Fields},
		{"detectors.sweep.run", d.Sweep.Run}, {"detectors.sweep.subjects", d.Sweep.Subjects},
		{"detectors.sweep.max_subjects", d.Sweep.MaxSubjects}, {"detectors.oversize.cap", d.Oversize.Cap},
		{"detectors.hoarding.units", d.Hoarding.Units},
		{"detectors.signup.address", d.Signup.Address}, {"detectors.signup.network", d.Signup.Network},
		{"detectors.signup.device", d.Signup.Device},
	} {
		p.positive(n.path, float64(n.v))
	}
	if r := d.Sweep.Run; r == 1 || r > sweepSlots {
		p.add("detectors.sweep.run", "want between 2 and %d consecutive pages, got %d", sweepSlots, r)
	}
	if m := d.Sweep.MaxSubjects; m > maxSweepSubjects {
		p.add("detectors.sweep.max_subjects", "want at most %d subjects per finding, got %d", maxSweepSubjects, m)
	}
	if s, m := d.Sweep.Subjects, d.Sweep.MaxSubjects; s > 0 && m > 0 && s > m {
		p.add("detectors.sweep.subjects", "%d is more than max_subjects (%d): raise max_subjects or lower subjects", s, m)
	}
	f.validateRisk(p)
	if len(f.Rules) == 0 {
		p.add("rules", "at least one rule is needed (end with `- {name: alert, action: alert, ttl: 5m}`)")
	}
	names := map[string]bool{}
	for i, r := range f.Rules {
		f.validateRule(p, fmt.Sprintf("rules[%d]", i), r, names)
	}
	return errors.Join(p.errs...)
}

func (f *PolicyFile) validateRisk(p *problems) {
	r := f.Risk
	p.duration("risk.half_life", r.HalfLife, false)
	p.duration("risk.young_account_age", r.YoungAccountAge, false)
	for name, v := range r.Points {
		if !knownDetector(name) {
			p.add("risk.points."+name, "unknown detector (want one of %s)", strings.Join(detectorNames(), ", "))
		}
		p.positive("risk.points."+name, v)
	}
	for name, v := range r.Sensitivity {
		if name != "low" && name != "medium" && name != "high" {
			p.add("risk.sensitivity."+name, "unknown level (want low, medium or high)")
		}
		p.positive("risk.sensitivity."+name, v)
	}
	p.positive("risk.new_device", r.NewDevice)
	p.positive("risk.new_geo", r.NewGeo)
	p.positive("risk.young_account", r.YoungAccount)
}

func (f *PolicyFile) validateRule(p *problems, at string, r RuleFile, names map[string]bool) {
	switch {
	case r.Name == "":
		p.add(at+".name", "required: name the rule, decisions carry it")
	case names[r.Name]:
		p.add(at+".name", "duplicate rule name %q", r.Name)
	}
	names[r.Name] = true
	for i, d := range r.Detectors {
		if !knownDetector(d) {
			p.add(fmt.Sprintf("%s.detectors[%d]", at, i), "unknown detector %q (want one of %s)", d, strings.Join(detectorNames(), ", "))
		}
	}
	p.positive(at+".min_score", r.MinScore)
	a, ok := scenarios.ParseAction(r.Action)
	if !ok {
		p.add(at+".action", "%q: want alert, throttle, challenge, revoke or block", r.Action)
	}
	for i, s := range r.Subjects {
		if _, ok := scenarios.ParseSubjectKind(s); !ok {
			p.add(fmt.Sprintf("%s.subjects[%d]", at, i), "%q: want identity, token, address or fingerprint", s)
		}
	}
	p.duration(at+".ttl", r.TTL, true)
	if a == scenarios.ActionThrottle && r.Throttle == nil {
		p.add(at+".action", "a throttle needs `throttle: {rate: 2/s, burst: 10}`")
	}
	if r.Throttle != nil {
		if _, err := parseRate(r.Throttle.Rate); err != nil {
			p.add(at+".throttle.rate", "%v", err)
		}
		if r.Throttle.Burst < 1 {
			p.add(at+".throttle.burst", "must be at least 1, got %d", r.Throttle.Burst)
		}
	}
	if e := r.Escalate; e != nil {
		if _, ok := scenarios.ParseAction(e.Action); !ok && e.Action != "" {
			p.add(at+".escalate.action", "%q: want alert, throttle, challenge, revoke or block", e.Action)
		}
		if e.Action == "throttle" && r.Throttle == nil {
			p.add(at+".escalate.action", "escalating to throttle needs the rule's throttle bucket")
		}
		if e.After < 1 {
			p.add(at+".escalate.after", "must be at least 1 (earlier decisions on the subject), got %d", e.After)
		}
		if e.TTLFactor != 0 && e.TTLFactor < 1 {
			p.add(at+".escalate.ttl_factor", "must be at least 1, got %v", e.TTLFactor)
		}
		p.duration(at+".escalate.max_ttl", e.MaxTTL, false)
		p.duration(at+".escalate.window", e.Window, false)
	}
}
