# GraphQL detector cases: a line that is a JSON array is one HTTP request
# carrying several fields (aliases, batch elements), which the guard
# inspects before serving and then observes field by field.
# Run: python3 gen_graphql_cases.py (from this directory); check the
# expected decisions by hand before committing.
import json, os, datetime, random
base = datetime.datetime(2025, 1, 1, 12, 0, 0)
R = random.Random(7)
HERE = os.path.dirname(os.path.abspath(__file__))
def ts(sec): return (base + datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
def f(t, method, field, status=200, **kw):
    e = {"Time": ts(t), "Method": method, "Path": field, "Status": status}; e.update(kw); return e
def write(name, lines, expected):
    d = os.path.join(HERE, name); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'events.jsonl'), 'w') as fh:
        for l in lines: fh.write(json.dumps(l) + '\n')
    with open(os.path.join(d, 'expected.json'), 'w') as fh: json.dump(expected, fh, indent=2); fh.write('\n')
def who(u, addr, fp): return dict(Identity=u, TokenID='tok-' + u, Addr=addr, Fingerprint=fp)
anon = dict(Addr='203.0.113.9', Fingerprint='fp-gql')

# 100 aliased guesses of one account's password a request: refused on its
# shape, before the first guess is tried; each further one while blocked
# escalates (the guard inspects refused requests too).
L = [[f(2 * r, 'MUTATION', 'login', 401, Username='victim', **anon) for _ in range(100)] for r in range(3)]
write('graphql-alias-cracking', L, [
    {"subject": "address:203.0.113.9", "detector": "amplification", "action": "block", "level": lvl,
     "reason": "one request carried 100 copies of the sensitive field MUTATION login"} for lvl in range(3)])

# Four aliased logins a request (under the amplification limit), each a
# different leaked username: the stuffing detector counts every alias, so
# three requests are ten failed logins across many usernames.
L = []; n = 0
for r in range(6):
    L.append([f(3 * r, 'MUTATION', 'login', 401, Username='leak%03d' % (n + i), **anon) for i in range(4)]); n += 4
write('graphql-alias-stuffing', L, [
    {"subject": "address:203.0.113.9", "detector": "stuffing", "action": "block", "reason": "10 of 10 logins failed from address 203.0.113.9"},
    {"subject": "fingerprint:fp-gql", "detector": "stuffing", "action": "block"},
    {"subject": "address:203.0.113.9", "detector": "stuffing", "action": "block"},
    {"subject": "fingerprint:fp-gql", "detector": "stuffing", "action": "block"}])

# user(id) four aliases a request: the enumeration detector counts every
# id, a counter walk after four requests.
L = []
for r in range(6):
    L.append([f(0.5 * r, 'QUERY', 'user', 200, ObjectID=str(1 + 4 * r + i), **who('mallory', '10.8.0.2', 'fp-m')) for i in range(4)])
write('graphql-alias-enumeration', L, [
    {"subject": "identity:mallory", "detector": "enumeration", "action": "block", "reason": "read 16 distinct QUERY user objects"},
    {"subject": "token:tok-mallory", "detector": "enumeration", "action": "block"}])

# Ten aliased user(id) reads in one request: refused on its shape.
L = [[f(0, 'QUERY', 'user', 200, ObjectID=str(1 + i), **who('eve', '10.8.0.3', 'fp-e')) for i in range(10)]]
write('graphql-alias-enumeration-amplified', L, [
    {"subject": "identity:eve", "detector": "amplification", "action": "block", "reason": "10 copies of the sensitive field QUERY user"},
    {"subject": "token:tok-eve", "detector": "amplification", "action": "block"}])

# A batch of coupon mutations on one cart: every code guessed at once,
# refused on its shape (the guard then observes its fields as refused,
# 403); their failures still read as guessing, and escalate.
codes = ['WELCOME10', 'SAVE10', 'SAVE20', 'FREESHIP', 'SPRING10', 'VIP30', 'WELCOME10', 'WELCOME10']
L = [[f(0, 'MUTATION', 'applyCoupon', 403, Coupon=c, **who('stacker', '10.8.0.4', 'fp-s')) for c in codes]]
write('graphql-coupon-batch', L, [
    {"subject": "identity:stacker", "detector": "amplification", "action": "block", "reason": "8 copies of the sensitive field MUTATION applyCoupon"},
    {"subject": "token:tok-stacker", "detector": "amplification", "action": "block"},
    {"subject": "identity:stacker", "detector": "coupon", "action": "block", "reason": "4 of 4 coupon codes rejected", "level": 1},
    {"subject": "token:tok-stacker", "detector": "coupon", "action": "block"},
    {"subject": "identity:stacker", "detector": "coupon", "action": "block", "reason": "4 of 4 coupon codes rejected", "level": 2},
    {"subject": "token:tok-stacker", "detector": "coupon", "action": "block"}])

# Benign: a dashboard of eight different aliased fields every 30 s for ten
# minutes, after a login; two product cards are one field twice.
u = who('dana', '10.8.0.5', 'fp-d')
L = [f(0, 'MUTATION', 'login', 200, Username='dana', Addr=u['Addr'], Fingerprint=u['Fingerprint'])]
for r in range(20):
    t = 1 + 30 * r + R.uniform(0, 3)
    L.append([f(t, 'QUERY', 'me', **u), f(t, 'QUERY', 'cart', **u), f(t, 'QUERY', 'orders', **u),
              f(t, 'QUERY', 'products', **u), f(t, 'QUERY', 'notifications', **u), f(t, 'QUERY', 'recommendations', **u),
              f(t, 'QUERY', 'product', ObjectID=str(R.randrange(1, 50)), **u), f(t, 'QUERY', 'product', ObjectID=str(R.randrange(1, 50)), **u)])
write('benign-graphql-dashboard', L, [])

# Rate counts resolver calls: seven-field requests, three a second, are
# 180 HTTP requests a minute but 1260 operations, past the identity's 900.
u = who('poller', '10.8.0.6', 'fp-p')
L = []
for r in range(140):
    t = r / 3
    L.append([f(t, 'QUERY', x, **u) for x in ['me', 'cart', 'orders', 'products', 'notifications', 'recommendations']] +
             [f(t, 'QUERY', 'product', ObjectID='3', **u)])
write('graphql-rate-counts-fields', L, [
    {"subject": "identity:poller", "detector": "rate", "action": "throttle", "reason": "901 requests in 1m0s from one identity"},
    {"subject": "token:tok-poller", "detector": "rate", "action": "throttle"}])
