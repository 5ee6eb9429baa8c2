#!/usr/bin/env python3
"""The calls between the kernel's subsystems, measured from the code.

A subsystem is a source folder (arch/x86_64, core, core/fs, mm, ...). A
public header in include/ belongs to the folder that defines most of the
functions it declares (STYLE.md puts a definition's name at the start of
its line, so `^name(` finds it); a header with no such function (types,
lists, spinlocks, the Linux ABI) belongs to nobody. Folder A calls folder
B when a file of A includes a header B owns.

  tools/archmap.py                 print the map
  tools/archmap.py --check DOC     exit 1 when DOC's map (between the lines
                                   '<!-- archmap -->' and '<!-- /archmap -->')
                                   differs from the code's
  tools/archmap.py --write DOC     rewrite that block
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the kernel's folders, most specific first (a file belongs to the first
# that is a prefix of its path)
FOLDERS = ["arch/x86_64", "core/sched", "core/time", "core/proc", "core/fs",
           "core/event", "core", "mm", "drivers", "loader", "libc", "net"]
BEGIN, END = "<!-- archmap -->", "<!-- /archmap -->"

DECL = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\([^;{]*\)\s*(?:__\w+\s*)*;", re.S)
DEF = re.compile(r"^([a-z_][a-z0-9_]*)\(", re.M)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def folder_of(path):
    for f in FOLDERS:
        if path.startswith(f + "/") and (f != "core" or path.count("/") == 1):
            return f
    return None


def sources():
    """{path relative to ROOT: text} of the kernel's .c and .h files."""
    out = {}
    for f in FOLDERS:
        d = os.path.join(ROOT, f)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                p = os.path.join(f, name)
                with open(os.path.join(ROOT, p), errors="replace") as fh:
                    out[p] = fh.read()
    return out


def header_owners(srcs):
    """{header file name: owning folder} for include/*.h."""
    defined = {}  # function name -> set of folders defining it
    for p, text in srcs.items():
        if p.endswith(".c"):
            for name in DEF.findall(COMMENT.sub("", text)):
                defined.setdefault(name, set()).add(folder_of(p))
    owners = {}
    inc = os.path.join(ROOT, "include")
    for root, _, files in os.walk(inc):
        for name in sorted(files):
            if not name.endswith(".h"):
                continue
            rel = os.path.relpath(os.path.join(root, name), inc)
            with open(os.path.join(root, name), errors="replace") as fh:
                text = COMMENT.sub("", fh.read())
            votes = {}
            for fn in DECL.findall(text):
                for folder in defined.get(fn, ()):
                    votes[folder] = votes.get(folder, 0) + 1
            if votes:
                owners[rel] = max(sorted(votes), key=lambda f: votes[f])
    return owners


def calls(srcs, owners):
    """{folder: set of folders it calls}."""
    edges = {f: set() for f in FOLDERS if any(folder_of(p) == f for p in srcs)}
    for p, text in srcs.items():
        a = folder_of(p)
        for h in INCLUDE.findall(text):
            b = owners.get(h)
            if b and b != a:
                edges[a].add(b)
    return edges


def render(edges, owners):
    """A matrix, callers down the side and callees across (x: calls), then
    each folder's headers."""
    rows = [f for f in FOLDERS if f in edges]
    width = max(len(f) for f in rows)
    tags = {f: chr(ord("a") + i) for i, f in enumerate(rows)}
    lines = ["```", f"  {'':<{width}}  " + " ".join(tags[f] for f in rows)
             + "   (x: the row's code includes a header the column owns)"]
    for f in rows:
        marks = " ".join("x" if g in edges[f] else ("\\" if g == f else ".")
                         for g in rows)
        lines.append(f"{tags[f]} {f:<{width}}  {marks}")
    lines.append("")
    lines.append("headers, by owner:")
    for f in rows:
        hs = sorted(h for h, o in owners.items() if o == f)
        if hs:
            lines.append(f"{f:<{width}}  {' '.join(hs)}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def block(doc):
    with open(doc) as fh:
        text = fh.read()
    try:
        a = text.index(BEGIN) + len(BEGIN) + 1
        b = text.index(END)
    except ValueError:
        sys.exit(f"archmap: {doc} has no {BEGIN} ... {END} block")
    return text, a, b


def main(argv):
    srcs = sources()
    owners = header_owners(srcs)
    want = render(calls(srcs, owners), owners)
    if len(argv) == 2 and argv[0] in ("--check", "--write"):
        text, a, b = block(argv[1])
        if argv[0] == "--write":
            with open(argv[1], "w") as fh:
                fh.write(text[:a] + want + text[b:])
            return 0
        if text[a:b] != want:
            sys.stderr.write(f"FAIL: {argv[1]}: the subsystem map is stale; "
                             f"run tools/archmap.py --write {argv[1]}\n")
            return 1
        return 0
    if argv:
        sys.exit(__doc__)
    sys.stdout.write(want)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
