#!/usr/bin/env python3
"""Check that every system-call number in include/uapi/unistd.h is the
one Linux gives it in the installed asm/unistd_64.h (linux-libc-dev):
silent and 0 when they agree; otherwise one line per syscall that differs
or that the host header lacks, on stderr, and 1.
Usage: tools/check-unistd.py OURS_UNISTD_H HOST_UNISTD_64_H"""
import re
import sys

DEFINE = re.compile(r"#define __NR_(\w+)\s+(\d+)\s*$")


def numbers(path):
    nrs = {}
    with open(path) as f:
        for line in f:
            m = DEFINE.match(line)
            if m:
                nrs[m.group(1)] = int(m.group(2))
    return nrs


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    ours, host = numbers(sys.argv[1]), numbers(sys.argv[2])
    bad = []
    if not ours:
        bad.append(f"{sys.argv[1]}: no __NR_ definitions")
    for name, nr in sorted(ours.items(), key=lambda kv: kv[1]):
        if name not in host:
            bad.append(f"__NR_{name}: {nr} here, not in {sys.argv[2]}")
        elif host[name] != nr:
            bad.append(f"__NR_{name}: {nr} here, {host[name]} in {sys.argv[2]}")
    for line in bad:
        print(f"check-unistd: {line}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
