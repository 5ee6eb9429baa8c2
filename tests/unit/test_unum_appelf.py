#!/usr/bin/env python3
# tools/unum's verdict on an app FILE (DESIGN.md exit statuses): 126 with the
# file and the reason for empty, not an ELF, truncated, another architecture,
# not an executable, a shared library, an unknown dynamic linker; 127 when
# missing; runnable static, static-PIE and glibc/musl dynamic programs. Crafted
# headers, and real binaries built here with gcc and musl-gcc. No QEMU.
# Run: python3 tests/unit/test_unum_appelf.py (silent on success).

import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import common  # noqa: E402
from pyunum import elf as pyelf  # noqa: E402 (elf() is a helper here)

PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = 1, 2, 3, 4
ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4
DT_FLAGS_1, DF_1_NOW, DF_1_PIE = 0x6FFFFFFB, 1, 0x08000000


def dynamic(*pairs):
    """A dynamic section: (tag, value) pairs then DT_NULL."""
    return b"".join(struct.pack("<qQ", t, v) for t, v in pairs + ((0, 0),))


def elf(etype=ET_EXEC, segs=((PT_LOAD, b"\x90" * 16),), machine=62,
        phentsize=56, cut=None, fix=None, entry=None):
    """An x86-64 ELF64: the header, a program header per (type, bytes) in
    segs (R+X, at 0x400000 + offset), then the bytes. fix(i, (offset,
    filesz)) may change a segment's recorded place; cut keeps only the
    first `cut` bytes of the file; the entry point is the first segment's
    PT_LOAD's first byte unless given."""
    phoff = 64
    off = phoff + 56 * len(segs)
    table, body = b"", b""
    for i, (typ, data) in enumerate(segs):
        place = (off + len(body), len(data))
        if entry is None and typ == PT_LOAD:
            entry = 0x400000 + place[0]
        if fix:
            place = fix(i, place)
        vaddr = (0x400000 + place[0]) % (1 << 64)
        table += struct.pack("<IIQQQQQQ", typ, 5, place[0], vaddr, 0,
                             place[1], place[1], 1)
        body += data
    eh = (b"\x7fELF\x02\x01\x01" + b"\0" * 9 +
          struct.pack("<HHIQQQIHHHHHH", etype, machine, 1, entry or 0, phoff,
                      0, 0, 64, phentsize, len(segs), 64, 0, 0))
    data = eh + table + body
    return data[:cut] if cut is not None else data


def other_header(cls, data, machine):
    """Just an ELF header of the given class, byte order and machine."""
    e = "<" if data == 1 else ">"
    ident = b"\x7fELF" + bytes([cls, data, 1]) + b"\0" * 9
    if cls == 2:
        return ident + struct.pack(e + "HHIQQQIHHHHHH", 2, machine, 1, 0, 0,
                                   0, 0, 64, 56, 0, 64, 0, 0)
    return ident + struct.pack(e + "HHIIIIIHHHHHH", 2, machine, 1, 0, 0, 0,
                               0, 52, 32, 0, 40, 0, 0)


class Crafted(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "prog")

    def tearDown(self):
        self.dir.cleanup()

    def write(self, data):
        with open(self.path, "wb") as f:
            f.write(data)
        return self.path

    def kind(self, data):
        """-> app_elf_kind's words for a runnable app; fails otherwise."""
        self.assertEqual(pyelf.classify_file(self.write(data)), "app")
        with open(self.path, "rb") as f:
            return pyelf.app_elf_kind(f)

    def refused(self, data, status=126):
        """-> the reason after "PATH: " of a refused FILE."""
        with self.assertRaises(common.RunError) as cm:
            pyelf.classify_file(self.write(data))
        self.assertEqual(cm.exception.status, status)
        msg = str(cm.exception)
        self.assertTrue(msg.startswith(self.path + ": "), msg)
        self.assertNotIn("\n", msg)
        return msg[len(self.path) + 2:]

    def test_runnable(self):
        self.assertEqual(self.kind(elf()), "static")
        pie = dynamic((DT_FLAGS_1, DF_1_NOW | DF_1_PIE))
        self.assertEqual(self.kind(elf(ET_DYN, ((PT_LOAD, b"x" * 8),
                                                (PT_DYNAMIC, pie)))), "static-pie")
        # position-independent with nothing to link: execve runs it
        self.assertEqual(self.kind(elf(ET_DYN)), "static-pie")
        for interp, libc in (("/lib64/ld-linux-x86-64.so.2", "glibc"),
                             ("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "glibc"),
                             ("/nix/store/x-glibc/lib/ld-linux-x86-64.so.2", "glibc"),
                             ("/lib/ld-musl-x86_64.so.1", "musl")):
            segs = ((PT_INTERP, interp.encode() + b"\0"), (PT_LOAD, b"x"))
            for etype in (ET_EXEC, ET_DYN):
                self.assertEqual(self.kind(elf(etype, segs)), f"dynamic ({libc})")

    def test_shared_library(self):
        for flags in ((DT_FLAGS_1, DF_1_NOW),), ():
            so = elf(ET_DYN, ((PT_LOAD, b"x" * 8), (PT_DYNAMIC, dynamic(*flags))),
                     entry=0)
            self.assertIn("shared library", self.refused(so))
        # no DF_1_PIE (older linkers) but an entry point in its code: a PIE,
        # as the kernel's loader decides; a library's entry is 0
        so = elf(ET_DYN, ((PT_LOAD, b"x" * 8), (PT_DYNAMIC, dynamic())),
                 entry=0x400000 + 64 + 2 * 56 + 4)
        self.assertEqual(self.kind(so), "static-pie")
        so = elf(ET_DYN, ((PT_LOAD, b"x" * 8), (PT_DYNAMIC, dynamic())), entry=0)
        self.assertIn("shared library", self.refused(so))
        # DF_1_PIE after DT_NULL does not count
        late = dynamic() + dynamic((DT_FLAGS_1, DF_1_PIE))
        self.assertIn("shared library", self.refused(
            elf(ET_DYN, ((PT_LOAD, b"x"), (PT_DYNAMIC, late)), entry=0)))

    def test_unsupported_interpreter(self):
        for interp in ("/lib/ld-linux.so.2", "/system/bin/linker64",
                       "ld-linux-x86-64.so.2"):
            why = self.refused(elf(segs=((PT_INTERP, interp.encode() + b"\0"),
                                         (PT_LOAD, b"x"))))
            self.assertEqual(why, "dynamically linked with an unsupported "
                             f"interpreter {interp} (glibc's and musl's run)")
        why = self.refused(elf(segs=((PT_INTERP, b"/lib64/ld-linux-x86-64.so.2"),
                                     (PT_LOAD, b"x"))))
        self.assertIn("not a NUL-terminated path", why)

    def test_not_an_executable(self):
        self.assertEqual(self.refused(elf(ET_REL)),
                         "not an executable (a relocatable object file)")
        self.assertEqual(self.refused(elf(ET_CORE)), "not an executable (a core dump)")
        self.assertEqual(self.refused(elf(segs=())),
                         "not an executable (e_phnum 0: no program headers)")
        self.assertEqual(self.refused(elf(segs=((PT_NOTE, b"GNU\0"),))),
                         "not an executable (no PT_LOAD segment)")
        self.assertIn("bad ELF", self.refused(elf(phentsize=32)))

    def test_truncated(self):
        self.assertEqual(self.refused(elf(cut=64 + 20)),
                         "truncated ELF (program headers past the end of the file: "
                         "e_phoff + e_phnum * e_phentsize)")
        past = lambda i, place: (place[0], place[1] + 1)
        self.assertEqual(self.refused(elf(fix=past)),
                         "truncated ELF (PT_LOAD segment 0 past the end of the file: "
                         "p_offset + p_filesz)")
        far = lambda i, place: (1 << 40, place[1]) if i == 1 else place
        self.assertEqual(self.refused(elf(segs=((PT_LOAD, b"x"), (PT_LOAD, b"y")),
                                          fix=far)),
                         "truncated ELF (PT_LOAD segment 1 past the end of the file: "
                         "p_offset + p_filesz)")
        # offsets that wrap around 2**64 in C: out of the file all the same
        wrap = lambda i, place: ((1 << 64) - 1, place[1])
        self.assertIn("PT_LOAD segment 0 past the end of the file",
                      self.refused(elf(fix=wrap)))
        huge = bytearray(elf())
        struct.pack_into("<Q", huge, 32, (1 << 64) - 64)  # e_phoff
        self.assertEqual(self.refused(bytes(huge)),
                         "truncated ELF (program headers past the end of the file: "
                         "e_phoff + e_phnum * e_phentsize)")
        for typ in (PT_INTERP, PT_DYNAMIC):
            self.assertIn("past the end", self.refused(
                elf(ET_DYN, ((PT_LOAD, b"x"), (typ, b"abc\0")),
                    fix=lambda i, p: (p[0] + 100, p[1]) if i else p)))
        self.assertEqual(self.refused(b"\x7fELF\x02\x01\x01"), "truncated ELF (header)")
        self.assertIn("truncated ELF", self.refused(elf()[:40]))

    def test_another_architecture(self):
        for cls, data, machine, arch in (
                (2, 1, 183, "ARM aarch64"),
                (2, 1, 243, "RISC-V"),
                (1, 1, 3, "Intel 80386, 32-bit"),
                (1, 1, 40, "ARM, 32-bit"),
                (1, 1, 62, "x86-64, 32-bit"),  # the x32 ABI
                (2, 2, 21, "PowerPC64, big-endian"),
                (2, 2, 22, "IBM S/390, big-endian"),
                (2, 1, 999, "machine 999")):
            self.assertEqual(self.refused(other_header(cls, data, machine)),
                             f"ELF for another architecture ({arch})")
        # the architecture is what matters, even for a cut aarch64 binary
        self.assertEqual(self.refused(elf(machine=183, cut=100)),
                         "ELF for another architecture (ARM aarch64)")

    def test_not_an_elf(self):
        self.assertEqual(self.refused(b""), "empty file")
        self.assertEqual(self.refused(b"hello, world\n"), "not an ELF or a disk image")
        self.assertEqual(self.refused(b"#!/bin/sh\necho hi\n"),
                         "not an ELF or a disk image")
        self.assertIn("not a valid ELF", self.refused(b"\x7fELF\x03\x01" + b"\0" * 58))

    def test_missing_directory_unreadable(self):
        with self.assertRaises(common.RunError) as cm:
            pyelf.classify_file(self.path + ".missing")
        self.assertEqual((cm.exception.status, str(cm.exception)),
                         (127, self.path + ".missing: not found"))
        with self.assertRaises(common.RunError) as cm:
            pyelf.classify_file(self.dir.name)
        self.assertEqual((cm.exception.status, str(cm.exception)),
                         (126, self.dir.name + ": is a directory"))
        # root reads anything it can open: /proc/self/mem fails the read
        path = "/proc/self/mem"
        if os.geteuid():
            path = self.write(elf())
            os.chmod(path, 0)
        with self.assertRaises(common.RunError) as cm:
            pyelf.classify_file(path)
        self.assertEqual(cm.exception.status, 126)
        self.assertTrue(str(cm.exception).startswith(path + ": cannot read: "))

    def test_pvh_kernel_of_any_class_is_still_a_kernel(self):
        note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + b"\0" * 4
        k32 = (b"\x7fELF\x01\x01\x01" + b"\0" * 9 +
               struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x100000, 52, 0, 0, 52,
                           32, 1, 40, 0, 0) +
               struct.pack("<8I", 4, 84, 0, 0, len(note), len(note), 4, 4) + note)
        self.assertEqual(pyelf.classify_file(self.write(k32)), "kernel")
        self.assertEqual(pyelf.classify_file(self.write(
            elf(segs=((PT_NOTE, note),)))), "kernel")


HELLO = b'#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n'
LIB = b"int f(int x) { return x + 1; }\n"


class RealBinaries(unittest.TestCase):
    """Built here with the host's compilers (gcc, musl-gcc: tools/deps.sh)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        for name, text in (("hello.c", HELLO), ("lib.c", LIB)):
            with open(os.path.join(d, name), "wb") as f:
                f.write(text)
        cls.built, cls.missing = {}, {}
        for name, cc, flags, src in (
                ("gcc-static", "gcc", ["-static"], "hello.c"),
                ("gcc-static-pie", "gcc", ["-static-pie"], "hello.c"),
                ("gcc-dynamic", "gcc", [], "hello.c"),
                ("musl-static", "musl-gcc", ["-static"], "hello.c"),
                ("musl-dynamic", "musl-gcc", [], "hello.c"),
                ("lib.so", "gcc", ["-shared", "-fPIC"], "lib.c")):
            if not shutil.which(cc):
                cls.missing[name] = f"{cc} not installed"
                continue
            out = os.path.join(d, name)
            p = subprocess.run([cc, "-O1", *flags, "-o", out, src], cwd=d,
                               capture_output=True, text=True)
            if p.returncode:
                cls.missing[name] = f"{cc} {' '.join(flags)} failed: {p.stderr}"
            else:
                cls.built[name] = out

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def binary(self, name):
        if name not in self.built:
            self.fail(self.missing[name])  # deps.sh installs both compilers
        return self.built[name]

    def kind(self, path):
        self.assertEqual(pyelf.classify_file(path), "app", path)
        with open(path, "rb") as f:
            return pyelf.app_elf_kind(f)

    def refused(self, path):
        with self.assertRaises(common.RunError) as cm:
            pyelf.classify_file(path)
        self.assertEqual(cm.exception.status, 126)
        return str(cm.exception)

    def test_runnable(self):
        for name, want in (("gcc-static", "static"),
                           ("gcc-static-pie", "static-pie"),
                           ("gcc-dynamic", "dynamic (glibc)"),
                           ("musl-static", "static"),
                           ("musl-dynamic", "dynamic (musl)")):
            self.assertEqual(self.kind(self.binary(name)), want, name)
        self.assertEqual(self.kind("/bin/ls"), "dynamic (glibc)")

    def test_shared_library(self):
        so = self.binary("lib.so")
        self.assertEqual(self.refused(so), f"{so}: a shared library, not a "
                         "program (no PT_INTERP, no DF_1_PIE, no entry point in its code)")

    def test_truncated_copies(self):
        with open(self.binary("gcc-static"), "rb") as f:
            data = f.read()
        path = os.path.join(self.dir.name, "cut")
        for size, why in ((len(data) // 2, "PT_LOAD segment"),
                          (100, "program headers past the end")):
            with open(path, "wb") as f:
                f.write(data[:size])
            msg = self.refused(path)
            self.assertTrue(msg.startswith(f"{path}: truncated ELF ("), msg)
            self.assertIn(why, msg)

    def test_patched_architecture(self):
        with open(self.binary("gcc-static"), "rb") as f:
            data = bytearray(f.read())
        data[18:20] = struct.pack("<H", 183)
        path = os.path.join(self.dir.name, "arm")
        with open(path, "wb") as f:
            f.write(data)
        self.assertEqual(self.refused(path),
                         f"{path}: ELF for another architecture (ARM aarch64)")


if __name__ == "__main__":
    unittest.main()
