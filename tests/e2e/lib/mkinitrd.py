#!/usr/bin/env python3
# mkinitrd.py [--no-app] [--no-closure] OUT APP [ARG...]: write the cpio
# initrd tools/unum would pack for APP (as /app/NAME, with /.unum/argv, env
# and seed; with --no-app, /app/NAME is left out and argv still names it;
# with --no-closure, a dynamic program's libraries and interpreter are
# left out, so the kernel's own "not found" is seen), for any file
# at all: tools/unum refuses bad ELFs on the host before booting, so the
# tests of the kernel's own checks (tests/e2e/app-kernel-refuses.sh,
# initrd-broken.sh) boot the kernel with this archive (--qemu -initrd
# --qemu OUT).
# It imports tools/unum's writer (tools/pyunum/initrd.py), so the layout
# is the real one.

import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.join(ROOT, "tools"))
from pyunum import common, initrd  # noqa: E402


def main(argv):
    flags = set()
    while argv[:1] in (["--no-app"], ["--no-closure"]):
        flags.add(argv.pop(0))
    no_app = "--no-app" in flags
    if len(argv) < 2:
        print("usage: mkinitrd.py [--no-app] [--no-closure] OUT APP [ARG...]",
              file=sys.stderr)
        return 2
    out, app, args = argv[0], argv[1], argv[2:]
    cfg = common.Config(file=app, args=args)
    tree = initrd.initrd_tree(cfg, os.urandom(32), 1700000000,
                              closure="--no-closure" not in flags)
    if no_app:
        del tree.by_name["app/" + os.path.basename(app)]
    with open(out, "wb") as f:
        initrd.write_cpio(f, tree.members())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
