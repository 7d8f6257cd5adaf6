# Flow cases checked before serving (flow.go: InspectRequest, InspectFlow).
# A line that is a JSON array is one GraphQL request, its fields in
# document order. Run: python3 gen_flow_cases.py (from this directory);
# check the expected decisions by hand before committing.
import json, os, datetime
base = datetime.datetime(2025, 1, 1, 12, 0, 0)
HERE = os.path.dirname(os.path.abspath(__file__))
def ts(sec): return (base + datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
def ev(t, method, path, status=200, **kw):
    e = {"Time": ts(t), "Method": method, "Path": path, "Status": status}; e.update(kw); return e
def who(u, addr, fp): return dict(Identity=u, TokenID='tok-' + u, Addr=addr, Fingerprint=fp)
def write(name, lines, expected):
    d = os.path.join(HERE, name); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'events.jsonl'), 'w') as fh:
        for l in lines: fh.write(json.dumps(l) + '\n')
    with open(os.path.join(d, 'expected.json'), 'w') as fh: json.dump(expected, fh, indent=2); fh.write('\n')

# A GraphQL checkout sent alone, its cart never filled: refused before it
# is served (the identity and its token challenged); the guard's 401 is
# observed and scores nothing new. Five minutes on (half the challenge's
# TTL), still challenged, the client tries again: escalated to a block.
w = who('gqlskipper', '10.20.0.1', 'fp-g')
L = [[ev(0, 'QUERY', 'me', **w)],
     [ev(2, 'MUTATION', 'checkout', 401, **w)],
     [ev(300, 'MUTATION', 'checkout', 401, **w)]]
write('flow-graphql-checkout-refused-before-serving', L, [
    {"subject": "identity:gqlskipper", "detector": "flow", "action": "challenge",
     "reason": "calls MUTATION checkout without MUTATION addCartItem first (refused before it is served)"},
    {"subject": "token:tok-gqlskipper", "detector": "flow", "action": "challenge"},
    {"subject": "identity:gqlskipper", "detector": "flow", "action": "block", "level": 1},
    {"subject": "token:tok-gqlskipper", "detector": "flow", "action": "block", "level": 1}])

# Benign look-alikes: a client that adds to its cart and checks out in one
# document (mutations run in order), one that does it in two requests, and
# one that pays again within the session (its cart was filled earlier);
# a REST shopper whose cart add came through another token of the same
# identity.
a = who('onedoc', '10.20.0.2', 'fp-a')
b = who('tworeq', '10.20.0.3', 'fp-b')
c = who('again', '10.20.0.4', 'fp-c')
d1 = dict(Identity='phone', TokenID='tok-phone-1', Addr='10.20.0.5', Fingerprint='fp-p')
d2 = dict(Identity='phone', TokenID='tok-phone-2', Addr='10.20.0.5', Fingerprint='fp-p')
L = [[ev(0, 'MUTATION', 'addCartItem', **a), ev(0, 'MUTATION', 'checkout', **a)],
     [ev(1, 'MUTATION', 'addCartItem', **b)],
     [ev(20, 'MUTATION', 'checkout', **b)],
     [ev(30, 'MUTATION', 'addCartItem', **c)],
     [ev(40, 'MUTATION', 'checkout', **c)],
     [ev(600, 'MUTATION', 'checkout', **c)],
     ev(50, 'POST', '/cart/items', **d1),
     ev(70, 'POST', '/checkout', **d2)]
write('benign-graphql-checkout-in-order', L, [])
