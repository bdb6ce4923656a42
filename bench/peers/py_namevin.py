"""The plain Python loop for `dropkit hash namevin` (lines `first,last,vin`, ASCII, no quotes):
names keep [a-z0-9] after lowercasing, the VIN keeps [a-z0-9] (17 of them); print
`first|last|vin<TAB>composite hash`, the composite being SHA-256 over the three Base64 hashes."""
import base64, hashlib, re, sys
def b64sha(s): return base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
nm = re.compile(r'[^a-z0-9]')
out = sys.stdout
for line in sys.stdin:
    f, l, v = line.rstrip('\n').split(',')
    f = nm.sub('', f.lower()); l = nm.sub('', l.lower()); v = nm.sub('', v.lower())
    out.write(f"{f}|{l}|{v}\t" + b64sha(b64sha(f) + b64sha(l) + b64sha(v)) + "\n")
