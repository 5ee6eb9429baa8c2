#!/usr/bin/env python3
# tools/check-unistd.py, which the build runs before compiling: silent and 0
# on the committed include/uapi/unistd.h; non-zero, naming the syscall, when
# one number is altered or a name is unknown to the host header.
# Run: python3 tests/unit/test_check_unistd.py (silent on success).

import os
import re
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "tools", "check-unistd.py")
OURS = os.path.join(ROOT, "include", "uapi", "unistd.h")
HOST = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"


def check(ours):
    return subprocess.run([sys.executable, CHECK, ours, HOST], capture_output=True, text=True)


def altered(old, new):
    with open(OURS) as f:
        text = f.read()
    changed = text.replace(old, new, 1)
    assert changed != text, f"{old!r} not in {OURS}"
    fd, path = tempfile.mkstemp(suffix=".h")
    with os.fdopen(fd, "w") as f:
        f.write(changed)
    return path


class CheckUnistd(unittest.TestCase):
    def test_committed_agrees(self):
        r = check(OURS)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def test_covers_what_the_kernel_registers(self):
        with open(OURS) as f:
            nrs = dict(re.findall(r"#define __NR_(\w+) (\d+)", f.read()))
        for name in ("read", "getpid", "exit_group", "epoll_create1", "statx"):
            self.assertIn(name, nrs)

    def run_altered(self, old, new, name):
        path = altered(old, new)
        try:
            r = check(path)
        finally:
            os.unlink(path)
        self.assertNotEqual(r.returncode, 0, "an altered header passed")
        self.assertIn(f"__NR_{name}", r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)

    def test_number_changed(self):
        self.run_altered("#define __NR_getpid 39\n", "#define __NR_getpid 40\n", "getpid")

    def test_unknown_name(self):
        self.run_altered("#define __NR_getpid 39\n", "#define __NR_getpid 39\n"
                         "#define __NR_no_such_call 39\n", "no_such_call")

    def test_empty(self):
        fd, path = tempfile.mkstemp(suffix=".h")
        os.close(fd)
        try:
            r = check(path)
        finally:
            os.unlink(path)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
