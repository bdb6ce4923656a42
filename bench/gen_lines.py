"""Writes N input lines for `dropkit hash KIND` to standard output, the same for the same N.
usage: gen_lines.py email|ndz|namevin N"""
import random, sys
kind, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(16)
out = sys.stdout
first = ["Danielle", "anna", "  Mary-Jane", "O'Brien", "JOSE", "Li", "Zoe ", "Jean-Luc", "eve"]
last = ["Johnson", "Smith-Jones", " o'neil", "GARCIA", "Nguyen", "van Dyke", "Lee"]
vin = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
for i in range(n):
    if kind == "email":
        out.write(f" User.{i % 100}.Name{i}@Example{i % 50}.COM\n")
    elif kind == "ndz":
        f = rng.choice(first) + str(i % 97)
        l = rng.choice(last) + str(i % 89)
        d = "19%02d-%02d-%02d" % (rng.randrange(30, 100), rng.randrange(1, 13), rng.randrange(1, 29))
        z = "%05d-%04d" % (rng.randrange(1000, 100000), rng.randrange(10000))
        out.write(f"{f},{l},{d},{z}\n")
    elif kind == "namevin":
        f = rng.choice(first) + str(i % 97)
        l = rng.choice(last) + str(i % 89)
        v = "".join(rng.choice(vin) for _ in range(17))
        out.write(f"{f},{l},{v[:3]}-{v[3:]}\n")
    else:
        sys.exit(__doc__)
