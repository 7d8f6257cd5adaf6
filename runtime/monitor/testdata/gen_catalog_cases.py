# Cases of catalog-relative scraping (catalog.go, scraping.go, sweep.go):
# a 30-page catalog (600 items, pages of 20) whose size the monitor learns
# from the pages it serves (their Bytes: a full page ~1,245 bytes, a page
# past the end 45). Run from anywhere: python3 gen_catalog_cases.py;
# expected.json of each attack case names only attackers (asserted here,
# against the decisions the monitor took when it was written).
import json, random, os, datetime
base = datetime.datetime(2025,1,1,9,0,0)
here = os.path.dirname(os.path.abspath(__file__))
PAGES = 30
def ts(sec): return (base+datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
def page(R, t, p, **kw):
    full = 1 <= p <= PAGES
    e = {"Time":ts(t),"Method":"GET","Path":"/products?page=%d&limit=20"%p,"Status":200,
         "Bytes": 45+20*60+R.randint(-30,30) if full else 45}
    e.update(kw); return e
def who(u, addr, fp): return dict(Identity=u, TokenID='tok-'+u, Addr=addr, Fingerprint=fp)
def write(name, events, expected):
    d=os.path.join(here,name); os.makedirs(d,exist_ok=True)
    events.sort(key=lambda e:e['Time'])
    with open(os.path.join(d,'events.jsonl'),'w') as f:
        for e in events: f.write(json.dumps(e)+'\n')
    with open(os.path.join(d,'expected.json'),'w') as f: json.dump(expected,f,indent=2); f.write('\n')

def shoppers(R, E, n, hours, prefix='10.40'):
    # People: sessions of 2-6 pages, mostly the first pages (popular), a
    # session every one to three hours; one in ten clicks "next" from page 26 or later to the end.
    for k in range(n):
        u='shopper%02d'%k; a='%s.%d.%d'%(prefix,k//200,k%200+1); fp='fp-browser-%d'%(k%5)
        t=R.uniform(0,1800)
        while t<hours*3600:
            if R.random()<0.1:
                start=R.randint(26,PAGES)
                for p in range(start,PAGES+2):
                    E.append(page(R,t,p,**who(u,a,fp))); t+=R.uniform(10,60)
            else:
                for _ in range(R.randint(2,6)):
                    p=min(1+int(R.expovariate(1/4)),PAGES)
                    E.append(page(R,t,p,**who(u,a,fp))); t+=R.uniform(10,90)
            t+=R.uniform(3600,10800)

# One identity pages through the whole catalog slowly, in order, a page
# every 2-5 minutes from one address and device, then one past the end;
# beside 40 shoppers. It is contained once its distinct pages within the
# window hold over 30% of the catalog (scraping.catalog_share): at its
# 10th page (197 items by the monitor's count from bytes, of ~600). The replay answers its later pages too (a passive monitor), so it
# is contained twice more, escalated.
R=random.Random(71); E=[]
shoppers(R,E,40,3)
t=900
for p in range(1,PAGES+2):
    E.append(page(R,t,p,**who('harvester','10.66.0.7','fp-harvest'))); t+=R.uniform(120,300)
write('scraping-small-catalog-one-identity',E,[
    {"subject":"identity:harvester","detector":"scraping","action":"block",
     "reason":"read ~10 distinct catalog items within 1h0m0s, pages holding 197 of the ~600-item catalog (33%)"},
    {"subject":"token:tok-harvester","detector":"scraping","action":"block"}]+
    [{"subject":s,"detector":"scraping","action":"block"} for _ in range(2) for s in ("identity:harvester","token:tok-harvester")])

# Ten anonymous addresses of one /24 share the catalog out (address i reads
# pages i, i+10, i+20, then one past the end), a page every 1-3 minutes
# each, every request from another device; beside 40 shoppers. The /24's
# clients are contained together once their pages hold over 30% of the
# catalog with no overlap (at least 8 clients, at most 10% overlap), at the
# 10th page: 196 of ~600 items.
R=random.Random(72); E=[]
shoppers(R,E,40,3)
for i in range(10):
    t=600+R.uniform(0,60)
    for p in range(i+1,PAGES+2,10):
        E.append(page(R,t,p,Addr='203.0.113.%d'%(10+i),Fingerprint='fp-rot-%08x'%R.getrandbits(32))); t+=R.uniform(60,180)
# The decisions as the monitor took them (its findings name the member
# that crossed the line first, then the rest): every one an attacker.
order=[13,10,18,14,16,19,17,15,11,12]
assert set(order)==set(range(10,20))
write('scraping-small-catalog-prefix-rotating',E,[dict(subject='address:203.0.113.%d'%a,detector='scraping',action='block',
    **({'reason':'10 clients from 203.0.113.* read ~10 distinct pages holding 196 of the ~600-item catalog (33%) within 1h0m0s with 0% overlap'} if i==0 else {})) for i,a in enumerate(order)])

# Benign look-alikes on the same catalog: 60 shoppers, 25 of them in one
# office /24 behind their own addresses (the same popular pages: their
# reads overlap), a power user who pages through 8 pages of a category and
# back, and shoppers who click "next" to the end of the catalog.
R=random.Random(73); E=[]
shoppers(R,E,35,4)
shoppers(R,E,25,4,prefix='198.51')
t=1200
for rnd in range(2):
    for p in list(range(1,9))+[1,2]:
        E.append(page(R,t,p,**who('poweruser','10.30.0.9','fp-power'))); t+=R.uniform(5,60)
    t+=1800
write('benign-small-catalog-browsing',E,[])
