#!/usr/bin/env python3
# craft_elf.py SRC OUTDIR: from SRC, a valid static x86-64 ELF (ET_EXEC,
# at least two PT_LOAD segments, one executable, and one program header
# that is not PT_LOAD: GNU_STACK will do), write one file per defect into
# OUTDIR, each with one field of the ELF or program headers made wrong,
# and print one line per file: NAME, a tab, and the reason the kernel's
# loader (loader/elf.c) and tools/unum (tools/pyunum/elf.py) both give,
# word for word. tests/e2e/elf-crafted.sh boots each and runs each
# through tools/unum.
# craft_elf.py --shared-page OUT: a small valid program whose two segments
# share a page (it exits with 10 when loaded right).

import os
import struct
import sys

PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
PHDR = "<IIQQQQQQ"  # type flags offset vaddr paddr filesz memsz align
KERNEL_HALF = 0xFFFF800000000000


def phdrs(data):
    phoff, = struct.unpack_from("<Q", data, 32)
    phnum, = struct.unpack_from("<H", data, 56)
    return phoff, [list(struct.unpack_from(PHDR, data, phoff + 56 * i))
                   for i in range(phnum)]


def defects(data):
    """-> [(name, bytes, reason)]"""
    size = len(data)
    phoff, ph = phdrs(data)
    loads = [i for i, p in enumerate(ph) if p[0] == PT_LOAD]
    text = next(i for i in loads if ph[i][1] & 1)
    other = next(i for i, p in enumerate(ph) if p[0] != PT_LOAD)
    last = loads[-1]
    # a spot in the file with no NUL: the first bytes of the text segment
    nonul = ph[text][2]
    while b"\0" in data[nonul:nonul + 8]:
        nonul += 1
    out = []

    def header(name, fmt, off, value, reason):
        b = bytearray(data)
        struct.pack_into(fmt, b, off, value)
        out.append((name, bytes(b), reason))

    def seg(name, i, reason, **fields):
        b = bytearray(data)
        p = list(ph[i])
        for k, v in fields.items():
            p[("type flags offset vaddr paddr filesz memsz align"
               .split().index(k))] = v
        struct.pack_into(PHDR, b, phoff + 56 * i, *p)
        out.append((name, bytes(b), reason))

    trunc = ("truncated ELF (program headers past the end of the file: "
             "e_phoff + e_phnum * e_phentsize)")
    header("phnum-zero", "<H", 56, 0,
           "not an executable (e_phnum 0: no program headers)")
    header("phentsize", "<H", 54, 32, "bad ELF (e_phentsize 32, not 56)")
    header("phnum-huge", "<H", 56, 0xFFFF,
           "bad ELF (e_phnum 65535: over 64 KiB of program headers)")
    header("phoff-wraps", "<Q", 32, (1 << 64) - 64, trunc)
    header("phoff-past-end", "<Q", 32, size - 56, trunc)

    past = f"past the end of the file: p_offset + p_filesz)"
    seg("offset-wraps", text, f"truncated ELF (PT_LOAD segment {text} {past}",
        offset=(1 << 64) - 0x1000 + (ph[text][3] & 0xFFF))
    seg("offset-past-end", text,
        f"truncated ELF (PT_LOAD segment {text} {past}",
        offset=(size + 0x1000) & ~0xFFF | (ph[text][3] & 0xFFF))
    seg("filesz-past-end", text,
        f"truncated ELF (PT_LOAD segment {text} {past}",
        filesz=size, memsz=size)
    seg("filesz-over-memsz", last,
        f"bad ELF (PT_LOAD segment {last}: p_filesz > p_memsz)",
        memsz=ph[last][5] - 1)
    seg("align-not-power-of-2", text,
        f"bad ELF (PT_LOAD segment {text}: p_align not a power of two)",
        align=0x3000)
    seg("vaddr-offset-apart", last,
        f"bad ELF (PT_LOAD segment {last}: p_vaddr and p_offset differ "
        "modulo the page size)", vaddr=ph[last][3] + 8)
    half = "outside the app's half: p_vaddr + p_memsz)"
    seg("vaddr-wraps", last, f"bad ELF (PT_LOAD segment {last} {half}",
        vaddr=(1 << 64) - 0x1000 + (ph[last][2] & 0xFFF),
        memsz=0x2000)
    seg("vaddr-in-kernel", last, f"bad ELF (PT_LOAD segment {last} {half}",
        vaddr=KERNEL_HALF + (ph[last][2] & 0xFFF))
    seg("vaddr-under-mmap-min", loads[0],
        f"bad ELF (PT_LOAD segment {loads[0]} {half}",
        vaddr=ph[loads[0]][2] & 0xFFF)
    seg("memsz-huge", last, f"bad ELF (PT_LOAD segment {last} {half}",
        memsz=1 << 47)
    # the last segment moved to just below the executable one, and made
    # long enough to reach into it
    low = (ph[text][3] & ~0xFFF) - 0x1000 + (ph[last][2] & 0xFFF)
    high = low + max(ph[last][6], 0x1100)
    first = next(i for i in loads if ph[i][3] < high and
                 low < ph[i][3] + ph[i][6])
    seg("segments-overlap", last,
        f"bad ELF (PT_LOAD segments {first} and {last} overlap: p_vaddr, "
        "p_memsz)", vaddr=low, memsz=high - low)
    seg("no-load", text, "not an executable (no PT_LOAD segment)")
    out[-1] = ("no-load", _no_load(data, phoff, ph), out[-1][2])
    seg("interp-past-end", other,
        f"truncated ELF (PT_INTERP segment {other} {past}",
        type=PT_INTERP, offset=(1 << 64) - 8, filesz=16)
    seg("interp-no-nul", other,
        "bad ELF (PT_INTERP is not a NUL-terminated path)",
        type=PT_INTERP, offset=nonul, filesz=8)
    seg("interp-huge", other,
        "bad ELF (PT_INTERP is not a NUL-terminated path)",
        type=PT_INTERP, offset=0, filesz=min(size, 8192) & ~7)
    seg("dynamic-past-end", other,
        f"truncated ELF (PT_DYNAMIC segment {other} {past}",
        type=PT_DYNAMIC, offset=size - 8, filesz=16)
    return out


def _no_load(data, phoff, ph):
    b = bytearray(data)
    for i, p in enumerate(ph):
        if p[0] == PT_LOAD:
            struct.pack_into("<I", b, phoff + 56 * i, 0)  # PT_NULL
    return bytes(b)


def shared_page():
    """A whole program of two PT_LOAD segments whose bytes are apart but
    share their one page, as the gABI allows: two data bytes 7 and 3 (R)
    at 0x400100, then the code (R+X) at 0x400000, whose protection the
    page takes, as on Linux (the later segment's). It exits with the sum
    of the two bytes: 10 when both segments' bytes are there."""
    code = bytes.fromhex(
        "0fb63c2500014000"  # movzx edi, byte [0x400100]
        "0fb6042501014000"  # movzx eax, byte [0x400101]
        "01c7"  # add edi, eax
        "b8e7000000"  # mov eax, 231 (exit_group)
        "0f05")  # syscall
    entry = 64 + 2 * 56
    eh = (b"\x7fELF\x02\x01\x01" + b"\0" * 9 +
          struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x400000 + entry, 64, 0,
                      0, 64, 56, 2, 64, 0, 0))
    data = struct.pack(PHDR, PT_LOAD, 4, 0x100, 0x400100, 0x400100, 2, 2,
                       0x1000)
    text = struct.pack(PHDR, PT_LOAD, 5, 0, 0x400000, 0x400000,
                       entry + len(code), entry + len(code), 0x1000)
    body = eh + data + text + code
    return body + b"\0" * (0x100 - len(body)) + bytes([7, 3])


def main(argv):
    if len(argv) == 2 and argv[0] == "--shared-page":
        with open(argv[1], "wb") as f:
            f.write(shared_page())
        os.chmod(argv[1], 0o755)
        return 0
    if len(argv) != 2:
        print("usage: craft_elf.py SRC OUTDIR | --shared-page OUT",
              file=sys.stderr)
        return 2
    with open(argv[0], "rb") as f:
        data = f.read()
    for name, body, reason in defects(data):
        with open(os.path.join(argv[1], name), "wb") as f:
            f.write(body)
        print(f"{name}\t{reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
