# Cases of the hoarding detector (hoarding.go). Run from anywhere:
# python3 gen_hoarding_cases.py. Units is the quantity the guard read from
# the add-to-cart body (POST /cart/items); POST /checkout pays the cart.
import json, os, datetime
base = datetime.datetime(2025,1,1,12,0,0)
here = os.path.dirname(os.path.abspath(__file__))
def ts(sec): return (base+datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
def who(u, addr, fp): return dict(Identity=u, TokenID='tok-'+u, Addr=addr, Fingerprint=fp)
def add(t, units, w, status=200):
    e={"Time":ts(t),"Method":"POST","Path":"/cart/items","Status":status,"Units":units}; e.update(w); return e
def pay(t, w, status=200):
    e={"Time":ts(t),"Method":"POST","Path":"/checkout","Status":status}; e.update(w); return e
def write(name, events, expected):
    d=os.path.join(here,name); os.makedirs(d,exist_ok=True)
    events.sort(key=lambda e:e['Time'])
    with open(os.path.join(d,'events.jsonl'),'w') as f:
        for e in events: f.write(json.dumps(e)+'\n')
    with open(os.path.join(d,'expected.json'),'w') as f: json.dump(expected,f,indent=2); f.write('\n')

# Two accounts put 100 units of one product in their carts every few
# seconds and never pay: the add that would take each to 200 units is
# scored before it is served (identity and token blocked; the guard
# refuses it); a third holds 190 (one add refused by the shop) and is left alone. A refused add holds
# nothing.
E=[]
for k,u in enumerate(['hoarder1','hoarder2']):
    w=who(u,'198.51.100.%d'%(k+1),'fp-h%d'%k)
    # the second add is refused by the guard, as it answers it
    E += [add(10*i+k, 100, w, status=200 if i == 0 else 403) for i in range(2)]
w=who('hoarder3','198.51.100.9','fp-h9')
E += [add(100+i, 50, w) for i in range(3)]
E += [add(200, 40, w, status=409), add(201, 40, w)]  # the refused add holds nothing: 190
X=[]
for k,u in enumerate(['hoarder1','hoarder2']):
    X.append({"subject":"identity:"+u,"detector":"hoarding","action":"block","reason":"would hold 200 units in 2 cart additions never checked out"})
    X.append({"subject":"token:tok-"+u,"detector":"hoarding","action":"block"})
write('hoarding-carts-never-paid', E, X)

# Benign look-alikes: a shopper filling a big cart (190 units over 19
# additions) who pays, then does it again the next day; a household
# buying in bulk every hour for a day, each cart paid; an abandoned cart
# of 150 units, then 150 more two days later (the first expired).
E=[]
w=who('bigshopper','10.40.0.7','fp-b1')
for day in range(2):
    E += [add(day*86400+30*i, 10, w) for i in range(19)]
    E.append(pay(day*86400+30*19+5, w))
w=who('household','10.40.0.8','fp-b2')
for h in range(24):
    E += [add(h*3600+60*i, 40, w) for i in range(4)]
    E.append(pay(h*3600+300, w))
w=who('abandoner','10.40.0.9','fp-b3')
E += [add(60*i, 50, w) for i in range(3)]
E += [add(2*86400+60*i, 50, w) for i in range(3)]
write('benign-big-cart-paid', E, [])
