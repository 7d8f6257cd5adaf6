package benign

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/scenarios"
)

// gqlStep is one thing a GraphQL shopper does.
type gqlStep int

const (
	stepNone gqlStep = iota
	stepList
	stepRead
	stepCart
	stepCoupon
	stepCheckout
)

// gqlArg is a declared argument: name and GraphQL type.
type gqlArg struct{ name, typ string }

func parseArg(param, v string) (gqlArg, error) {
	if v == "" {
		return gqlArg{}, nil
	}
	name, typ, ok := strings.Cut(v, ":")
	if !ok || name == "" || typ == "" {
		return gqlArg{}, fmt.Errorf("%s=%q: want \"argument:Type\", such as \"id:ID!\"", param, v)
	}
	return gqlArg{name, typ}, nil
}

// gqlJourney is the compiled params of the GraphQL journey.
type gqlJourney struct {
	endpoint                               string
	list, listSel, listIDs                 string
	listPage, listSize                     gqlArg
	read, readSel, readOf                  string
	readArg                                gqlArg
	cart, cartSel                          string
	cartProduct, cartQuantity              gqlArg
	coupon, couponSel, couponCode          string
	couponArg                              gqlArg
	checkout, checkoutSel                  string
	fields                                 map[gqlStep]string // the field of each step, for reading its answer
	hasList, hasRead, hasCart, hasCheckout bool
}

func compileJourney(p map[string]string) (gqlJourney, error) {
	j := gqlJourney{
		list: p[paramList], listSel: p[paramListSel], listIDs: p[paramListIDs],
		read: p[paramRead], readSel: p[paramReadSel], readOf: p[paramReadOf],
		cart: p[paramCart], cartSel: p[paramCartSel],
		coupon: p[paramCoupon], couponSel: p[paramCouponSel], couponCode: p[paramCouponCode],
		checkout: p[paramCheckout], checkoutSel: p[paramCheckoutSel],
	}
	var errs []error
	parse := func(dst *gqlArg, param string) {
		a, err := parseArg(param, p[param])
		errs = append(errs, err)
		*dst = a
	}
	parse(&j.listPage, paramListPage)
	parse(&j.listSize, paramListSize)
	parse(&j.readArg, paramReadArg)
	parse(&j.cartProduct, paramCartProduct)
	parse(&j.cartQuantity, paramCartQuantity)
	parse(&j.couponArg, paramCouponArg)
	if j.read != "" && j.readArg.name == "" {
		errs = append(errs, fmt.Errorf("%s=%q needs %s, the id argument", paramRead, j.read, paramReadArg))
	}
	if j.read != "" && j.readOf != readListed && j.readOf != readOwn {
		errs = append(errs, fmt.Errorf("%s=%q: want %q or %q", paramReadOf, j.readOf, readListed, readOwn))
	}
	if j.cart != "" && (j.cartProduct.name == "" || j.list == "") {
		errs = append(errs, fmt.Errorf("%s=%q needs %s, the product argument, and %s, the listing its ids come from", paramCart, j.cart, paramCartProduct, paramList))
	}
	if j.coupon != "" && (j.couponArg.name == "" || j.couponCode == "") {
		errs = append(errs, fmt.Errorf("%s=%q needs %s and %s", paramCoupon, j.coupon, paramCouponArg, paramCouponCode))
	}
	j.fields = map[gqlStep]string{stepList: j.list, stepRead: j.read, stepCart: j.cart, stepCoupon: j.coupon, stepCheckout: j.checkout}
	return j, errors.Join(errs...)
}

// gqlShopper is one GraphQL shopper: logged in through the login mutation,
// it makes trips of a listing or two, a few reads, one or two items into
// the cart, now and then the public coupon (once a session) and a
// checkout, one operation a request.
type gqlShopper struct {
	// session is nil for an anonymous visitor, whose one session visit
	// names.
	session    *generators.Session
	visit      string
	rng        *rand.Rand
	j          gqlJourney
	trip       []gqlStep
	last       gqlStep
	listed     []string
	inCart     bool
	couponUsed bool
}

func graphQLProgram(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	j, err := compileJourney(sc.Params)
	if err != nil {
		return nil, fmt.Errorf("benign: scenario %s: %w", sc.ID, err)
	}
	prefix := fmt.Sprintf("%s/vu%d", sc.ID, env.VU)
	s := &gqlShopper{rng: rand.New(rand.NewPCG(env.Seed, uint64(env.VU))), j: j, visit: prefix + "/1"}
	if sc.Params[paramAnonymous] == "true" {
		if s.j.endpoint = sc.Params[paramEndpoint]; s.j.endpoint == "" || s.j.readOf == readOwn || s.j.cart != "" || s.j.checkout != "" {
			return nil, fmt.Errorf("benign: scenario %s: an anonymous journey needs %s and only lists and reads what they show", sc.ID, paramEndpoint)
		}
		return s, nil
	}
	l, ok, err := generators.GraphQLLoginFromParams(sc.Params)
	if err == nil && !ok {
		err = errors.New("no login_field: the journey logs in through a GraphQL login mutation (or set anonymous: \"true\" for a public API)")
	}
	if err != nil {
		return nil, fmt.Errorf("benign: scenario %s: %w", sc.ID, err)
	}
	s.j.endpoint = l.Endpoint
	s.session = generators.NewGraphQLSession(l, env.Identity, prefix)
	return s, nil
}

// Session implements scenarios.SessionReporter.
func (s *gqlShopper) Session() scenarios.Session {
	if s.session == nil {
		return scenarios.Session{ID: s.visit}
	}
	return s.session.Session()
}

// Next implements scenarios.Program: trip after trip, for as long as the
// executor lets the VU run.
func (s *gqlShopper) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	switch {
	case prev == nil && s.session != nil:
		return scenarios.Step{Request: s.session.LoginRequest()}, true
	case prev == nil:
	case s.session != nil && s.session.IsLogin(prev.Request):
		if !s.session.Accept(prev) {
			return scenarios.Step{}, false // a shopper whose login fails gives up
		}
	default:
		s.read(prev)
	}
	// Two trips' worth of steps, none possible: the journey cannot go on.
	for range 2 * 16 {
		if len(s.trip) == 0 {
			s.trip = s.plan()
		}
		step := s.trip[0]
		s.trip = s.trip[1:]
		if req, ok := s.request(step); ok {
			s.last = step
			return scenarios.Step{Request: req}, true
		}
	}
	return scenarios.Step{}, false
}

// plan lays out one shopping trip.
func (s *gqlShopper) plan() []gqlStep {
	var trip []gqlStep
	repeat := func(step gqlStep, n int) {
		for range n {
			trip = append(trip, step)
		}
	}
	if s.j.list != "" {
		repeat(stepList, 1+s.rng.IntN(2))
	}
	switch s.j.readOf {
	case readListed:
		repeat(stepRead, 1+s.rng.IntN(3))
	case readOwn:
		repeat(stepRead, s.rng.IntN(2))
	}
	if s.j.cart != "" {
		repeat(stepCart, 1+s.rng.IntN(2))
	}
	if s.j.coupon != "" && !s.couponUsed && s.rng.IntN(3) == 0 {
		trip = append(trip, stepCoupon)
	}
	if s.j.checkout != "" {
		trip = append(trip, stepCheckout)
	}
	if len(trip) == 0 {
		trip = append(trip, stepNone)
	}
	return trip
}

// read takes from the answer to the previous step what the next ones use:
// the listed ids, whether the cart holds something. One decoding pass:
// the listing is most of what a shopper reads.
func (s *gqlShopper) read(prev *scenarios.Result) {
	step := s.last
	s.last = stepNone
	if step != stepList && step != stepCart && step != stepCheckout || prev.Status/100 != 2 {
		return
	}
	var a struct {
		Data   map[string]any    `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(prev.Body, &a) != nil || len(a.Errors) > 0 || a.Data[s.j.fields[step]] == nil {
		return
	}
	switch step {
	case stepList:
		if ids := collect(a.Data[s.j.list], strings.Split(s.j.listIDs, "."), nil); len(ids) > 0 {
			s.listed = ids
		}
	case stepCart:
		s.inCart = true
	case stepCheckout:
		s.inCart = false
	}
}

// collect follows a dotted path ("items[].id") through decoded JSON and
// returns the ids at its end, numbers written as integers.
func collect(v any, path []string, out []string) []string {
	if len(path) == 0 {
		switch id := v.(type) {
		case string:
			return append(out, id)
		case float64:
			return append(out, strconv.FormatInt(int64(id), 10))
		}
		return out
	}
	name, list := strings.CutSuffix(path[0], "[]")
	if name != "" {
		m, ok := v.(map[string]any)
		if !ok {
			return out
		}
		v = m[name]
	}
	if !list {
		return collect(v, path[1:], out)
	}
	items, _ := v.([]any)
	for _, it := range items {
		out = collect(it, path[1:], out)
	}
	return out
}

func (s *gqlShopper) request(step gqlStep) (scenarios.Request, bool) {
	j := s.j
	var d *generators.Doc
	switch step {
	case stepList:
		d = generators.NewDoc("query", "Browse")
		args := map[string]string{}
		if j.listPage.name != "" {
			// People look at the first pages most.
			args[j.listPage.name] = d.Var("page", j.listPage.typ, 1+s.rng.IntN(1+s.rng.IntN(50)))
		}
		if j.listSize.name != "" {
			args[j.listSize.name] = d.Var("size", j.listSize.typ, []int{10, 20}[s.rng.IntN(2)])
		}
		d.Field("", j.list, args, j.listSel)
	case stepRead:
		var id string
		if s.session != nil {
			id = s.session.UserID()
		}
		if j.readOf == readListed {
			if len(s.listed) == 0 {
				return scenarios.Request{}, false
			}
			id = s.listed[s.rng.IntN(len(s.listed))]
		}
		if id == "" {
			return scenarios.Request{}, false
		}
		d = generators.NewDoc("query", "Details")
		d.Field("", j.read, map[string]string{j.readArg.name: d.Var("id", j.readArg.typ, id)}, j.readSel)
	case stepCart:
		if len(s.listed) == 0 {
			return scenarios.Request{}, false
		}
		d = generators.NewDoc("mutation", "AddToCart")
		args := map[string]string{j.cartProduct.name: d.Var("product", j.cartProduct.typ, s.listed[s.rng.IntN(len(s.listed))])}
		if j.cartQuantity.name != "" {
			args[j.cartQuantity.name] = d.Var("quantity", j.cartQuantity.typ, 1+s.rng.IntN(2))
		}
		d.Field("", j.cart, args, j.cartSel)
	case stepCoupon:
		if !s.inCart || s.couponUsed {
			return scenarios.Request{}, false
		}
		d = generators.NewDoc("mutation", "ApplyCoupon")
		d.Field("", j.coupon, map[string]string{j.couponArg.name: d.Var("code", j.couponArg.typ, j.couponCode)}, j.couponSel)
		// Typed once: accepted or not, the shopper does not try again.
		s.couponUsed = true
	case stepCheckout:
		if !s.inCart {
			return scenarios.Request{}, false
		}
		d = generators.NewDoc("mutation", "Checkout")
		d.Field("", j.checkout, nil, j.checkoutSel)
	default:
		return scenarios.Request{}, false
	}
	var h http.Header
	if s.session != nil {
		h = s.session.Header()
	}
	req := generators.GraphQLRequest(j.endpoint, h, d)
	req.Judge = judgeAnswer
	return req, true
}

// judgeAnswer classifies a shopper's GraphQL answer: a containment status
// is a denial, and so is a refusal in-band (an error saying forbidden,
// throttled or locked, with HTTP 200); any other error a failure.
func judgeAnswer(r scenarios.Result) (scenarios.Outcome, int) {
	if o := scenarios.Classify(r.Status); o != scenarios.OutcomeSuccess {
		return o, 0
	}
	answers, err := generators.ParseAnswers(r.Body)
	if err != nil || len(answers) == 0 {
		return scenarios.OutcomeFailed, 0
	}
	for _, a := range answers {
		switch {
		case a.Denied():
			return scenarios.OutcomeDenied, 0
		case len(a.Errors) > 0:
			return scenarios.OutcomeFailed, 0
		}
	}
	return scenarios.OutcomeSuccess, 0
}
