"""Writes N lines for `dropkit hash ndz|namevin` like bench/gen_lines.py, but with every first and
last name unique: the worst case for the name memo of `dropkit_hash::pipeline` (no lookup hits).
usage: gen_unique_names.py ndz|namevin N"""
import random, sys
kind, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(16)
vin = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def word(i, prefix):
    """prefix + i in base 26 (a-z): distinct i, distinct words."""
    s = prefix
    while True:
        s += chr(97 + i % 26)
        i //= 26
        if i == 0:
            return s


out = sys.stdout
for i in range(n):
    f, l = word(i * 7919 % 10**7, "Fn"), word(i, "Ln")
    if kind == "ndz":
        d = "19%02d-%02d-%02d" % (rng.randrange(30, 100), rng.randrange(1, 13), rng.randrange(1, 29))
        z = "%05d-%04d" % (rng.randrange(1000, 100000), rng.randrange(10000))
        out.write(f"{f},{l},{d},{z}\n")
    elif kind == "namevin":
        v = "".join(rng.choice(vin) for _ in range(17))
        out.write(f"{f},{l},{v[:3]}-{v[3:]}\n")
    else:
        sys.exit(__doc__)
