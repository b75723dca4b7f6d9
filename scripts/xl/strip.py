import json,sys
DROP={"segments","took_ms","example_policy_id","policy_id","id","path","revision","blob","built_at","index_bytes","roots","git","index","files","bytes"}
def s(x):
    if isinstance(x,dict):
        d={k:s(v) for k,v in x.items() if k not in DROP}
        if isinstance(d.get("clusters"),list):  # equal sizes: tie order follows ids
            d["clusters"]=sorted(d["clusters"],key=lambda c:json.dumps(c,sort_keys=True))
        return d
    if isinstance(x,list): return [s(v) for v in x]
    return x
print(json.dumps(s(json.load(sys.stdin)),indent=0,sort_keys=True))
