#!/usr/bin/env python3
"""Each tests/guest-cmp program (its musl, glibc and static-PIE builds) run
as our app must print what the pinned Linux guest printed, line by line
(expected/NAME.linux, captured by tests/guest-cmp/linux-ref), except the
lines expected/NAME.differs lists with the reason. An entry there that no
longer differs fails too, so the list only shrinks."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
HERE = os.path.join(ROOT, "tests", "guest-cmp")


def differs(name):
    """{our line: reason} from expected/NAME.differs"""
    out = {}
    path = os.path.join(HERE, "expected", name + ".differs")
    if os.path.exists(path):
        for line in open(path):
            if line.strip() and not line.startswith("#"):
                ours, _, why = line.rstrip("\n").partition("  # ")
                out[ours] = why
    return out


def compare(name, variant, want, allowed):
    binary = os.path.join(BUILD, "tests", "guest-cmp", f"{name}-{variant}")
    if not os.access(binary, os.X_OK):
        return [f"{binary} missing (make guest-apps)"]
    r = subprocess.run([os.path.join(ROOT, "tools", "unum"), "run", binary, "--timeout", "120"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    got = r.stdout.decode(errors="replace").splitlines()
    problems = [] if r.returncode == 0 else [f"exit status {r.returncode}: "
                                              + r.stderr.decode(errors="replace")[-2000:]]
    if len(got) != len(want):
        problems.append(f"{len(got)} lines, Linux printed {len(want)}")
    used = set()
    for i, (w, g) in enumerate(zip(want, got)):
        if w == g:
            continue
        if g in allowed:
            used.add(g)
            continue
        problems.append(f"line {i + 1}: expected (Linux) '{w}', got '{g}'")
    for ours in sorted(set(allowed) - used):
        problems.append(f"'{ours}' is listed as a difference but no longer happens: "
                        "remove it from expected/" + name + ".differs")
    return [f"{name}-{variant}: {p}" for p in problems]


def main():
    problems = []
    for f in sorted(os.listdir(HERE)):
        if not f.endswith(".c"):
            continue
        name = f[:-2]
        with open(os.path.join(HERE, "expected", name + ".linux")) as w:
            want = w.read().splitlines()
        allowed = differs(name)
        for variant in ("musl", "glibc", "pie"):
            problems += compare(name, variant, want, allowed)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"FAIL: {len(problems)} differences from the Linux guest's answers", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
