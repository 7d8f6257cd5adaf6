package couponstacking

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// GraphQLID is the GraphQL variant's stable id.
const GraphQLID = "graphql.coupon-stacking"

// GraphQL generates and runs coupon stacking through GraphQL mutations:
// after filling the cart, one request applies every code and the first
// code again and again, as a batch of coupon mutations run one after the
// other, then the checkout mutation says the discount obtained.
type GraphQL struct{}

var _ generators.Kind = GraphQL{}

// Info implements generators.Kind.
func (GraphQL) Info() generators.Info {
	return generators.Info{
		ID:       GraphQLID,
		Title:    "Coupon stacking in one GraphQL request",
		OWASP:    []string{"API6:2023"},
		OAT:      []string{"OAT-002"},
		Needs:    "GraphQL mutations redeeming a code, adding a product to the cart and checking out",
		LeakUnit: "discount cents",
	}
}

// Generate targets every coupon mutation whose only required argument is
// the code, with an add-to-cart mutation taking a product id and a
// checkout mutation taking nothing.
func (k GraphQL) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	add, product, okAdd := gqlCart(s)
	pay, okPay := gqlMutation(s, scenarios.RoleCheckout, func(op scenarios.Operation) bool { return required(op) == 0 })
	if !okAdd || !okPay {
		return nil
	}
	login, loginErr := generators.GraphQLLoginFrom(s)
	codes := opts.Coupons
	if len(codes) == 0 {
		codes = GuessedCodes
	}
	var out []scenarios.Scenario
	for _, op := range s.Operations {
		if op.Protocol != scenarios.GraphQL || op.Method != "MUTATION" || !op.Has(scenarios.RoleCoupon) {
			continue
		}
		code, ok := couponArg(op)
		if !ok || required(op) != 1 {
			continue
		}
		p := map[string]string{
			"endpoint": op.Endpoint, "coupon": op.Path, "code_arg": code.Name + ":" + code.DeclaredType,
			"cart": add.Path, "product_arg": product.Name + ":" + product.DeclaredType, "product": "1", "quantity": "1",
			"checkout": pay.Path, "discount_field": discountField(pay.ResponseFields),
			"codes": strings.Join(codes, ","), "repeat": "5",
		}
		if q, ok := quantityArg(add); ok {
			p["quantity_arg"] = q.Name + ":" + q.DeclaredType
		}
		if loginErr == nil {
			login.Params(p)
		}
		out = append(out, scenarios.Scenario{
			ID:       "graphql-coupon-stack-" + generators.Slug(op.Key()),
			Kind:     GraphQLID,
			Title:    "Coupon stacking through " + op.Key(),
			Question: "What if one request applies every promotion code we know, and the first one five times more, as a batch of mutations on one cart: how much comes off at checkout?",
			Operations: []scenarios.Target{
				{Operation: op.Key(), Why: fmt.Sprintf("redeems a code in argument %s; a batch repeats it in one request", code.Name)},
				{Operation: add.Key(), Why: "fills the cart the codes discount"},
				{Operation: pay.Key(), Why: "checks out: its answer says the discount obtained"},
			},
			LeakUnit:   k.Info().LeakUnit,
			Identities: opts.Attackers,
			Schedule:   scenarios.Schedule{Executor: scenarios.PerVUIterations, VUs: 1, Iterations: 1, Duration: time.Minute},
			Think:      scenarios.ConstantThink(50 * time.Millisecond),
			Params:     p,
			SLA:        opts.SLA,
		})
	}
	return out
}

func gqlMutation(s scenarios.Surface, r scenarios.Role, ok func(scenarios.Operation) bool) (scenarios.Operation, bool) {
	for _, op := range s.Operations {
		if op.Protocol == scenarios.GraphQL && op.Method == "MUTATION" && op.Has(r) && ok(op) {
			return op, true
		}
	}
	return scenarios.Operation{}, false
}

// gqlCart finds an add-to-cart mutation whose only required argument is
// a product id.
func gqlCart(s scenarios.Surface) (scenarios.Operation, scenarios.Param, bool) {
	var id scenarios.Param
	op, ok := gqlMutation(s, scenarios.RoleCart, func(op scenarios.Operation) bool {
		for _, p := range op.Params {
			if p.In == scenarios.InArgument && p.Required && !strings.Contains(p.Name, ".") {
				id = p
			}
		}
		return required(op) == 1 && id.Role == scenarios.ParamObjectID
	})
	return op, id, ok
}

func required(op scenarios.Operation) int {
	n := 0
	for _, p := range op.Params {
		if p.In == scenarios.InArgument && p.Required && !strings.Contains(p.Name, ".") {
			n++
		}
	}
	return n
}

func couponArg(op scenarios.Operation) (scenarios.Param, bool) {
	for _, p := range op.Params {
		if p.In == scenarios.InArgument && p.Role == scenarios.ParamCoupon && !strings.Contains(p.Name, ".") && strings.HasPrefix(p.DeclaredType, "String") {
			return p, true
		}
	}
	return scenarios.Param{}, false
}

func quantityArg(op scenarios.Operation) (scenarios.Param, bool) {
	for _, p := range op.Params {
		if p.In == scenarios.InArgument && strings.Contains(strings.ToLower(p.Name), "quant") && strings.HasPrefix(p.DeclaredType, "Int") {
			return p, true
		}
	}
	return scenarios.Param{}, false
}

func discountField(fields []string) string {
	for _, f := range fields {
		if !strings.Contains(f, ".") && strings.Contains(strings.ToLower(f), "discount") {
			return f
		}
	}
	return "discountCents"
}

// Program implements generators.Kind: log in, add the product, send the
// stacking document, check out.
func (GraphQL) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	p := sc.Params
	var errs []string
	arg := func(key string) (name, typ string) {
		name, typ, ok := strings.Cut(p[key], ":")
		if !ok || name == "" {
			errs = append(errs, fmt.Sprintf("%s=%q: want \"argument:Type\"", key, p[key]))
		}
		return name, typ
	}
	st := &gqlStacker{endpoint: p["endpoint"], coupon: p["coupon"], cart: p["cart"], checkout: p["checkout"], product: p["product"], discount: p["discount_field"]}
	st.codeArg, st.codeType = arg("code_arg")
	st.productArg, st.productType = arg("product_arg")
	if p["quantity_arg"] != "" {
		st.quantityArg, st.quantityType = arg("quantity_arg")
	}
	st.codes = strings.FieldsFunc(p["codes"], func(r rune) bool { return r == ',' || r == ' ' })
	repeat, err := generators.Intn(p, "repeat", 0)
	st.quantity, _ = generators.Intn(p, "quantity", 1)
	switch {
	case err != nil || repeat < 0:
		errs = append(errs, fmt.Sprintf("repeat=%q: want a count", p["repeat"]))
	case len(st.codes) == 0:
		errs = append(errs, "codes is empty")
	case len(st.codes)+repeat > 1000:
		errs = append(errs, "codes and repeat make more than 1000 aliases")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("graphql-coupon-stacking %s: %s", sc.ID, strings.Join(errs, "; "))
	}
	for range repeat {
		st.codes = append(st.codes, st.codes[0])
	}
	st.session, err = generators.SessionFor(p, env, fmt.Sprintf("%s/vu%d", sc.ID, env.VU))
	if err != nil {
		return nil, fmt.Errorf("graphql-coupon-stacking %s: %w", sc.ID, err)
	}
	return st, nil
}

type gqlStacker struct {
	session                                    *generators.Session
	endpoint, coupon, cart, checkout, discount string
	codeArg, codeType, productArg, productType string
	quantityArg, quantityType, product         string
	quantity                                   int
	codes                                      []string
	step                                       int
}

// Session implements scenarios.SessionReporter.
func (s *gqlStacker) Session() scenarios.Session { return s.session.Session() }

// Next implements scenarios.Program.
func (s *gqlStacker) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	req, login, stop := s.session.Drive(prev)
	switch {
	case stop:
		return scenarios.Step{}, false
	case login:
		return scenarios.Step{Request: req}, true
	}
	h := s.session.Header()
	s.step++
	switch s.step {
	case 1:
		d := generators.NewDoc("mutation", "Fill")
		args := map[string]string{s.productArg: d.Var("product", s.productType, s.product)}
		if s.quantityArg != "" {
			args[s.quantityArg] = d.Var("quantity", s.quantityType, s.quantity)
		}
		d.Field("", s.cart, args, "__typename")
		return scenarios.Step{Request: generators.GraphQLRequest(s.endpoint, h, d)}, true
	case 2:
		// One operation a code, batched in one request: a coupon mutation
		// that returns a non-null cart would null a whole aliased
		// document on the first unknown code; separate operations keep
		// each answer.
		docs := make([]*generators.Doc, len(s.codes))
		for i, c := range s.codes {
			docs[i] = generators.NewDoc("mutation", "Stack")
			docs[i].Field("", s.coupon, map[string]string{s.codeArg: docs[i].Var("code", s.codeType, c)}, "__typename")
		}
		r := generators.GraphQLBatch(s.endpoint, h, docs)
		// Accepted codes are counted once, at checkout, where the shop
		// states what it actually took off.
		r.Abusive, r.Judge = true, judgeAccepted
		return scenarios.Step{Request: r}, true
	case 3:
		d := generators.NewDoc("mutation", "Pay")
		d.Field("", s.checkout, nil, s.discount)
		r := generators.GraphQLRequest(s.endpoint, h, d)
		r.Abusive, r.Judge = true, generators.JudgeGraphQL(s.discountObtained)
		return scenarios.Step{Request: r}, true
	}
	return scenarios.Step{}, false
}

// discountObtained reads the checkout's discount field.
func (s *gqlStacker) discountObtained(answers []generators.Answer) int {
	order, ok := answers[0].Object(s.checkout)
	if !ok {
		return 0
	}
	switch v := order[s.discount].(type) {
	case float64:
		return int(v)
	case string: // money as a decimal string
		var f json.Number = json.Number(v)
		if x, err := f.Float64(); err == nil {
			return int(x * 100)
		}
	}
	return 0
}

// judgeAccepted: a stacking request succeeds when any code was accepted;
// its value is counted at checkout.
func judgeAccepted(r scenarios.Result) (scenarios.Outcome, int) {
	o, _ := generators.JudgeGraphQL(func(answers []generators.Answer) int {
		for _, a := range answers {
			for alias := range a.Data {
				if _, ok := a.Object(alias); ok {
					return 1
				}
			}
		}
		return 0
	})(r)
	return o, 0
}
