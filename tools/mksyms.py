#!/usr/bin/env python3
"""Write the kernel's embedded symbol table (include/ksym.h layout) as an
assembly file, from `nm -n` output of the first link.
Usage: tools/mksyms.py NM_OUTPUT OUT.S  (an empty NM_OUTPUT gives an empty table)"""
import struct
import sys

BASE = 0xffffffff80000000
MAGIC = 0x6d79736b


def text_symbols(lines):
    syms = []
    end = None
    for line in lines:
        parts = line.split()
        if len(parts) != 3:
            continue
        addr, kind, name = int(parts[0], 16), parts[1], parts[2]
        if name == "_text_end":
            end = addr
        if kind not in "tTwW" or addr < BASE:
            continue
        syms.append((addr, name))
    syms.sort()
    if end is not None:
        syms = [s for s in syms if s[0] < end]
        syms.append((end, "_text_end"))
    return syms


def table(syms):
    if not syms:
        return struct.pack("<IIQII", 0, 0, 0, 0, 0)
    names = bytearray()
    ents = bytearray()
    for addr, name in syms:
        ents += struct.pack("<II", addr - BASE, len(names))
        names += name.encode() + b"\0"
    head = 24
    names_off = head + len(ents)
    return struct.pack("<IIQII", MAGIC, len(syms), BASE, names_off, len(names)) + ents + names


def main():
    with open(sys.argv[1]) as f:
        blob = table(text_symbols(f.readlines()))
    with open(sys.argv[2], "w") as out:
        out.write('\t.section .ksyms, "a"\n\t.balign 8\n')
        for i in range(0, len(blob), 16):
            out.write("\t.byte " + ",".join(str(b) for b in blob[i:i + 16]) + "\n")


if __name__ == "__main__":
    main()
