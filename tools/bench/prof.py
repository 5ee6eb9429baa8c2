#!/usr/bin/env python3
"""Sum an icount profile (prof=FILE: "ADDR COUNT" lines) by function.
   tools/bench/prof.py PROFILE SYMFILE... [-n N]
SYMFILEs are `nm -n` listings (build/kernel.sym, an app's); an address
below every symbol of a listing, or in none, is "?". Prints the total,
then N lines (default 40): executions, distinct instructions, function.
A REP string instruction counts each of its TCG passes."""
import bisect
import sys


def load(paths):
    syms = []
    for path in paths:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) >= 3 and p[1] in "tTwW":
                    syms.append((int(p[0], 16), p[2]))
    syms.sort()
    return syms


def main(argv):
    n = 40
    if "-n" in argv:
        i = argv.index("-n")
        n = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    syms = load(argv[1:])
    addrs = [a for a, _ in syms]
    execs, distinct = {}, {}
    with open(argv[0]) as f:
        for line in f:
            a, c = line.split()
            a, c = int(a, 16), int(c)
            i = bisect.bisect_right(addrs, a) - 1
            name = syms[i][1] if i >= 0 and a < 0xffffffffffff0000 else "?"
            if a < 0x100000:
                name = "(firmware)"
            execs[name] = execs.get(name, 0) + c
            distinct[name] = distinct.get(name, 0) + 1
    print(f"total {sum(execs.values())} executions, {sum(distinct.values())} instructions")
    for name, c in sorted(execs.items(), key=lambda kv: -kv[1])[:n]:
        print(f"{c:9d} {distinct[name]:6d} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
