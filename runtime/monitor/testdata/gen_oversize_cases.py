# Cases of the oversized-page detector (oversize.go). Run from anywhere:
# python3 gen_oversize_cases.py. The test surface's /products documents
# limit <= 100; /reviews documents no maximum (the policy's cap, 1000).
import json, os, datetime
base = datetime.datetime(2025,1,1,12,0,0)
here = os.path.dirname(os.path.abspath(__file__))
def ts(sec): return (base+datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
def ev(t, path, **kw):
    e={"Time":ts(t),"Method":"GET","Path":path,"Status":200}; e.update(kw); return e
def write(name, events, expected):
    d=os.path.join(here,name); os.makedirs(d,exist_ok=True)
    with open(os.path.join(d,'events.jsonl'),'w') as f:
        for e in events: f.write(json.dumps(e)+'\n')
    with open(os.path.join(d,'expected.json'),'w') as f: json.dump(expected,f,indent=2); f.write('\n')

# An anonymous client asks for a million products per page, six times:
# the first request is refused (blocked for 1m), each repeat while
# contained escalates the block (5m, 25m, ...), up to 24h.
E=[ev(2*i,'/products?page=1&limit=1000000',Addr='203.0.113.50',Fingerprint='fp-script') for i in range(6)]
X=[{"subject":"address:203.0.113.50","detector":"oversize","action":"block","level":i} for i in range(6)]
X[0]["reason"]="limit=1000000, over the spec's maximum of 100"
write('oversize-page-refused', E, X)

# Just over the documented maximum, by a signed-in identity: its token too.
E=[ev(0,'/products?limit=101',Identity='mallory',TokenID='tok-mallory',Addr='10.9.0.7')]
X=[{"subject":"identity:mallory","detector":"oversize","action":"block","reason":"limit=101, over the spec's maximum of 100"},
   {"subject":"token:tok-mallory","detector":"oversize","action":"block"}]
write('oversize-page-just-over', E, X)

# No documented maximum: the policy's cap (1000) bounds per_page.
E=[ev(0,'/reviews?per_page=1001',Addr='203.0.113.51'), ev(1,'/reviews?per_page=1000',Addr='203.0.113.52')]
X=[{"subject":"address:203.0.113.51","detector":"oversize","action":"block","reason":"per_page=1001, over the policy's cap"}]
write('oversize-page-undocumented-cap', E, X)

# Benign look-alike: a client paging the catalog at exactly the maximum
# (limit=100), 40 pages over 20 minutes, and an export of reviews at the
# cap: within the contract, never flagged.
E=[ev(30*i,'/products?page=%d&limit=100'%(i+1),Identity='integrator',TokenID='tok-integrator',Addr='10.30.0.5',Fingerprint='fp-erp') for i in range(40)]
E+=[ev(30*i+5,'/reviews?page=%d&per_page=1000'%(i+1),Identity='integrator',TokenID='tok-integrator',Addr='10.30.0.5',Fingerprint='fp-erp') for i in range(5)]
E.sort(key=lambda e:e['Time'])
write('benign-page-at-maximum', E, [])
