# Cases of the sign-up detector (signup.go). Run: python3 gen_signup_cases.py
# (from this directory); check the expected decisions by hand before
# committing. POST /signup and the GraphQL MUTATION signup are the
# surface's sign-ups; a line that is a JSON array is one GraphQL request.
# Once a source is contained, its sign-ups carry the guard's 403: the
# guard refused them before serving.
import json, os, datetime
base = datetime.datetime(2025, 1, 1, 12, 0, 0)
HERE = os.path.dirname(os.path.abspath(__file__))
def ts(sec): return (base + datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
def ev(t, method, path, status=200, **kw):
    e = {"Time": ts(t), "Method": method, "Path": path, "Status": status}; e.update(kw); return e
def signup(t, addr, fp, status=200, user=None):
    return ev(t, 'POST', '/signup', status, Addr=addr, Fingerprint=fp, Username=user or 'u%d' % t)
def gql_signup(t, addr, fp, status=200, user=None):
    return ev(t, 'MUTATION', 'signup', status, Addr=addr, Fingerprint=fp, Username=user or 'u%d' % t)
def write(name, lines, expected):
    d = os.path.join(HERE, name); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'events.jsonl'), 'w') as fh:
        for l in lines: fh.write(json.dumps(l) + '\n')
    with open(os.path.join(d, 'expected.json'), 'w') as fh: json.dump(expected, fh, indent=2); fh.write('\n')

# One address creates accounts every 20 s: 10 over REST, then three
# aliased sign-ups a GraphQL request. The 30th account (the second field
# of the 7th request) reaches the limit: the address is blocked once that
# answer is observed. The 8th request and the REST sign-ups after it are
# refused before they are served; the address, going on while blocked,
# is blocked again, escalated, until the TTL reaches its maximum.
A = '203.0.113.77'
L = [signup(20 * i, A, 'fp-bot') for i in range(10)]
for r in range(7):
    t = 200 + 20 * r
    L.append([gql_signup(t, A, 'fp-bot', user='g%d.%d' % (r, k)) for k in range(3)])
L.append([gql_signup(400, A, 'fp-bot', 403, user='g7.%d' % k) for k in range(3)])
L += [signup(420 + 20 * i, A, 'fp-bot', 403) for i in range(5)]
write('signup-mass-one-address', L, [
    {"subject": "address:" + A, "detector": "signup", "action": "block",
     "reason": "address 203.0.113.77 created 30 accounts within 1h0m0s (limit 30)", "level": 0}] + [
    {"subject": "address:" + A, "detector": "signup", "action": "block", "level": lvl,
     "reason": "address 203.0.113.77 signs up again after 31 accounts within 1h0m0s (limit 30): refused before it is served"}
    for lvl in (1, 2, 3)])

# Rotating addresses in one /24 with one device: no address reaches its
# limit, the device in 198.51.100.0/24 does at the 30th account. Each
# further sign-up, from a new address, is refused before it is served and
# that address blocked.
L = [signup(30 * i, '198.51.100.%d' % (i + 1), 'fp-farm') for i in range(30)]
L += [signup(900 + 30 * i, '198.51.100.%d' % (31 + i), 'fp-farm', 403) for i in range(4)]
X = [{"subject": "address:198.51.100.30", "detector": "signup", "action": "block",
      "reason": "device fp-farm in 198.51.100.0/24 created 30 accounts within 1h0m0s (limit 30)"}]
X += [{"subject": "address:198.51.100.%d" % (31 + i), "detector": "signup", "action": "block",
       "reason": "device fp-farm in 198.51.100.0/24 signs up again after 30 accounts within 1h0m0s (limit 30): refused before it is served"} for i in range(4)]
write('signup-rotating-addresses-one-device', L, X)

# Rotating addresses and devices inside one IPv6 /64: no address or
# device reaches its limit, the network does at the 60th account; the
# next sign-up is refused before it is served.
def v6(i): return '2001:db8:7:9:%x::%x' % (i % 7, i + 1)
L = [signup(20 * i, v6(i), 'fp-%d' % (i % 9)) for i in range(60)]
L.append(signup(1300, v6(60), 'fp-x', 403))
write('signup-rotating-network-ipv6', L, [
    {"subject": "address:" + v6(59), "detector": "signup", "action": "block",
     "reason": "network 2001:db8:7:9::/64 created 60 accounts within 1h0m0s (limit 60)"},
    {"subject": "address:" + v6(60), "detector": "signup", "action": "block",
     "reason": "network 2001:db8:7:9::/64 signs up again after"}])

# Benign look-alikes. An office behind one address whose managed browsers
# share one fingerprint: 8 people sign up over a working day, 6 the next.
# A class told to sign up in one lesson: 24 people from the school's
# address within 40 minutes, then each logs in. A campus NAT pool
# (10.99.4.0/24 as the trusted proxy reports it): 40 sign-ups over a day
# from 12 addresses and many devices.
L = []
for day, n in ((0, 8), (1, 6)):
    L += [signup(day * 86400 + 3600 * k, '192.0.2.10', 'fp-corp', user='office%d.%d' % (day, k)) for k in range(n)]
L += [signup(7200 + 100 * k, '192.0.2.200', 'fp-school', user='pupil%d' % k) for k in range(24)]
L += [ev(7200 + 100 * k + 30, 'POST', '/login', 200, Addr='192.0.2.200', Fingerprint='fp-school', Username='pupil%d' % k) for k in range(24)]
L += [signup(2000 * k, '10.99.4.%d' % (1 + k % 12), 'fp-c%d' % (k % 17), user='student%d' % k) for k in range(40)]
L.sort(key=lambda e: e['Time'])
write('benign-signup-shared-office', L, [])
