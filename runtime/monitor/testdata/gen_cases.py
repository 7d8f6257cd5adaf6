import json, random, os, datetime
base = datetime.datetime(2025,1,1,12,0,0)
R = random.Random(6)
def ts(sec): return (base+datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
def ev(t, method, path, status=200, **kw):
    e={"Time":ts(t),"Method":method,"Path":path,"Status":status}; e.update(kw); return e
def write(name, events, expected):
    d=os.path.join('/work/main/runtime/monitor/testdata',name); os.makedirs(d,exist_ok=True)
    events.sort(key=lambda e:e['Time'])
    with open(os.path.join(d,'events.jsonl'),'w') as f:
        for e in events: f.write(json.dumps(e)+'\n')
    with open(os.path.join(d,'expected.json'),'w') as f: json.dump(expected,f,indent=2); f.write('\n')
def who(u, addr, fp): return dict(Identity=u, TokenID='tok-'+u, Addr=addr, Fingerprint=fp)

# rate: a script hammering /users/me
E=[ev(i*0.05,'GET','/users/me',**who('hammer','10.1.0.5','fp-curl')) for i in range(1000)]
write('rate-burst-identity',E,[{"subject":"identity:hammer","detector":"rate","action":"throttle","reason":"901 requests in 1m0s from one identity"},{"subject":"token:tok-hammer","detector":"rate","action":"throttle"}])
# benign power user: ~700 requests a minute for 2 minutes, few catalog pages
E=[];t=0
while t<120:
    p=R.choice(['/users/me','/users/me/orders','/products?page=%d'%R.randrange(4),'/products/%d'%R.randrange(1,8)])
    E.append(ev(t,'GET',p,**who('power','10.2.0.9','fp-chrome-a'))); t+=R.expovariate(11)
write('benign-power-user',E,[])
# anonymous flood from one address
E=[ev(i*0.05,'GET','/products?page=1',Addr='10.9.9.9',Fingerprint='fp-bot') for i in range(700)]
write('rate-burst-anonymous-address',E,[{"subject":"address:10.9.9.9","detector":"rate","action":"throttle"},{"subject":"fingerprint:fp-bot","detector":"rate","action":"throttle"}])

# shared office: 30 people behind one NAT and one browser build, logging in (a few typos) and reading popular items
E=[]
for k in range(30):
    u='staff%02d'%k; t0=R.uniform(0,300)
    if k%10==0: E.append(ev(t0-5,'POST','/login',401,Addr='198.51.100.7',Fingerprint='fp-corp',Username=u))
    E.append(ev(t0,'POST','/login',200,Addr='198.51.100.7',Fingerprint='fp-corp',Username=u))
    t=t0+1
    for j in range(40):
        item=min(int(R.paretovariate(1.2)),60)
        E.append(ev(t,'GET','/products/%d'%item,**who(u,'198.51.100.7','fp-corp'))); t+=R.expovariate(1/20)
write('benign-shared-office',E,[])

# credential stuffing from one address
E=[ev(i*0.7,'POST','/login',401 if i%25 else 200,Addr='203.0.113.50',Fingerprint='fp-stuff',Username='victim%03d'%i) for i in range(40)]
write('stuffing-one-address',E,[{"subject":"address:203.0.113.50","detector":"stuffing","action":"block","reason":"10 of 11 logins failed from address 203.0.113.50"},{"subject":"fingerprint:fp-stuff","detector":"stuffing","action":"block"},{"subject":"address:203.0.113.50","detector":"stuffing","action":"block","reason":"10 of 10 logins failed"},{"subject":"fingerprint:fp-stuff","detector":"stuffing","action":"block"},{"subject":"address:203.0.113.50","detector":"stuffing","action":"block"},{"subject":"fingerprint:fp-stuff","detector":"stuffing","action":"block"}])
# benign: a user who forgot the password
E=[ev(i*6,'POST','/login',401 if i<12 else 200,Addr='10.3.0.4',Fingerprint='fp-ff',Username='forgetful') for i in range(13)]
write('benign-forgetful-user',E,[])

# reuse: one token from three devices at once
E=[]
for i in range(30):
    fp=['fp-a','fp-b','fp-c'][i%3]; addr=['10.4.0.1','172.20.0.9','192.0.2.44'][i%3]
    E.append(ev(i*2,'GET','/users/me',**who('shared',addr,fp)))
write('reuse-token-many-devices',E,[{"subject":"token:tok-shared","detector":"reuse","action":"revoke","reason":"token tok-shared used from 3 devices"},{"subject":"token:tok-shared","detector":"reuse","action":"block","reason":"used from 3 devices"},{"subject":"token:tok-shared","detector":"reuse","action":"block","reason":"used from 3 devices"},{"subject":"token:tok-shared","detector":"reuse","action":"block","reason":"used from 3 devices"},{"subject":"token:tok-shared","detector":"reuse","action":"block","reason":"used from 3 devices"}])
# benign mobile user: Wi-Fi and two carrier addresses, one phone, one place
E=[]
addrs=['192.168.1.20','100.64.12.7','100.64.88.3']
for i in range(60):
    E.append(ev(i*10,'GET',R.choice(['/users/me','/products?page=1','/products/3']),Geo='FR',**who('commuter',addrs[(i//15)%3],'fp-phone')))
write('benign-mobile-switching-networks',E,[])
# impossible travel by coordinates
E=[ev(0,'GET','/users/me',Geo='48.85,2.35',**who('jetset','10.5.0.1','fp-j')),
   ev(300,'GET','/users/me',Geo='40.71,-74.00',**who('jetset','10.5.0.1','fp-j'))]
write('reuse-impossible-travel',E,[{"subject":"token:tok-jetset","detector":"reuse","action":"revoke","reason":"impossible travel: token tok-jetset moved 5837 km"}])

# coupon guessing on one cart
E=[ev(0,'POST','/cart/items',**who('cheap','10.6.0.2','fp-c1'))]
E+= [ev(1+i*3,'POST','/cart/coupon',404,Coupon='GUESS%02d'%i,Cart='c-1',**who('cheap','10.6.0.2','fp-c1')) for i in range(8)]
write('coupon-guessing',E,[{"subject":"identity:cheap","detector":"coupon","action":"block","reason":"4 of 4 coupon codes rejected on cart c-1"},{"subject":"token:tok-cheap","detector":"coupon","action":"block"},{"subject":"identity:cheap","detector":"coupon","action":"block","reason":"4 of 4 coupon codes rejected"},{"subject":"token:tok-cheap","detector":"coupon","action":"block"}])
# one code from three accounts on one device
E=[]
for k in range(3):
    u='alt%d'%k
    E.append(ev(k*60,'POST','/cart/items',**who(u,'10.7.0.%d'%(k+1),'fp-farm')))
    E.append(ev(k*60+5,'POST','/cart/coupon',200,Coupon='WELCOME50',Cart='c-%d'%k,**who(u,'10.7.0.%d'%(k+1),'fp-farm')))
write('coupon-multi-account',E,[{"subject":"identity:alt2","detector":"coupon","action":"block","reason":"coupon \"WELCOME50\" redeemed by 3 accounts from one fingerprint"},{"subject":"fingerprint:fp-farm","detector":"coupon","action":"block"}])
# benign public campaign code
E=[]
for k in range(25):
    u='fan%02d'%k; a='10.%d.%d.%d'%(8+k%3,k,k+1)
    E.append(ev(k*20,'POST','/cart/items',**who(u,a,'fp-%d'%k)))
    if k==4: E.append(ev(k*20+2,'POST','/cart/coupon',404,Coupon='SUMER10',Cart='c-%d'%k,**who(u,a,'fp-%d'%k)))
    E.append(ev(k*20+5,'POST','/cart/coupon',200,Coupon='SUMMER10',Cart='c-%d'%k,**who(u,a,'fp-%d'%k)))
write('benign-public-coupon',E,[])

# flow bypass: checkout without a cart
E=[ev(0,'GET','/users/me',**who('skipper','10.10.0.1','fp-s')),ev(2,'POST','/checkout',200,**who('skipper','10.10.0.1','fp-s'))]
write('flow-checkout-without-cart',E,[{"subject":"identity:skipper","detector":"flow","action":"challenge","reason":"calls POST /checkout without POST /cart/items first (refused before it is served)"},{"subject":"token:tok-skipper","detector":"flow","action":"challenge"}])
E=[ev(0,'GET','/products/3',**who('buyer','10.10.0.2','fp-b')),ev(5,'POST','/cart/items',**who('buyer','10.10.0.2','fp-b')),ev(40,'POST','/checkout',**who('buyer','10.10.0.2','fp-b'))]
write('benign-checkout',E,[])

# distributed slow scraping: five accounts, one device build, one /24, disjoint slices, human-ish gaps
E=[]
for k in range(5):
    u='crawler%d'%k; t=R.uniform(0,30)
    for j in range(70):
        E.append(ev(t,'GET','/products/%d'%(1000+k*70+j),**who(u,'203.0.113.%d'%(10+k),'fp-headless'))); t+=R.expovariate(1/40)
exp=[{"subject":"fingerprint:fp-headless","detector":"scraping","action":"block","reason":"5 accounts on one device from 203.0.113.* read ~301 distinct catalog items within 1h0m0s with 0% overlap"}]
exp+=[{"subject":"identity:crawler%d"%k,"detector":"scraping","action":"block"} for k in (0,3,2,1,4)]
write('scraping-distributed-cluster',E,exp)
