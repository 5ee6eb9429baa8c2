#!/usr/bin/env python3
# tools/check-arch-line (style/arch-line): passes on this tree; fails,
# naming the file and line, on inline assembly or an assembly file in
# core/ mm/ loader/ libc/ drivers/ and on a uapi/ header that includes a
# kernel header; ignores "asm" in comments and strings.
# Run: python3 tests/unit/test_check_arch_line.py (silent on success).

import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "check-arch-line")


def check(root=None):
    argv = [sys.executable, CHECK] + ([root] if root else [])
    return subprocess.run(argv, capture_output=True, text=True)


class ArchLine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def put(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def test_this_tree(self):
        r = check()
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_clean(self):
        self.put("core/a.c", '/* asm("nop") in a comment */\nconst char *s = "asm(";\n'
                 "// __asm__ volatile(\nint asm_count(void);\n")
        self.put("arch/x86_64/b.c", 'void f(void) { __asm__ volatile("pause"); }\n')
        self.put("include/uapi/x.h", '#include "types.h"\n#include "y.h"\n')
        self.put("include/uapi/y.h", "\n")
        r = check(self.root)
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def expect_fail(self, rel, text, want):
        self.put(rel, text)
        r = check(self.root)
        self.assertNotEqual(r.returncode, 0, f"{rel} passed")
        self.assertIn(want, r.stderr)

    def test_inline_asm(self):
        for kind in ('__asm__ volatile("pause");', 'asm("hlt");', '__asm__("cli" ::: "memory");',
                     'asm volatile("sti");'):
            with self.subTest(kind=kind):
                self.expect_fail("mm/x.c", f"void f(void)\n{{\n\t{kind}\n}}\n", "mm/x.c:3:")

    def test_every_portable_folder(self):
        for top in ("core/sched", "loader", "libc", "drivers"):
            with self.subTest(top=top):
                self.tmp.cleanup()
                os.makedirs(self.root)
                self.expect_fail(f"{top}/y.h", 'static inline void g(void) { asm("nop"); }\n',
                                 f"{top}/y.h:1:")

    def test_assembly_file(self):
        self.expect_fail("drivers/z.S", "nop\n", "drivers/z.S: an assembly file")

    def test_uapi_includes_kernel_header(self):
        self.expect_fail("include/uapi/bad.h", '#include "types.h"\n#include "vfs.h"\n',
                         "include/uapi/bad.h:2: includes vfs.h")
        self.tmp.cleanup()
        os.makedirs(self.root)
        self.expect_fail("include/uapi/bad.h", '#include "../sched.h"\n', "includes ../sched.h")


if __name__ == "__main__":
    unittest.main()
