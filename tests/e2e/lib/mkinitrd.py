#!/usr/bin/env python3
# mkinitrd.py [--no-app] OUT APP [ARG...]: write the cpio initrd tools/unum
# would pack for APP (as /app/NAME, with /.unum/argv, env and seed; with
# --no-app, /app/NAME is left out and argv still names it), for any file
# at all: tools/unum refuses bad ELFs on the host before booting, so the
# tests of the kernel's own checks (tests/e2e/app-kernel-refuses.sh,
# initrd-broken.sh) boot the kernel with this archive (--qemu -initrd
# --qemu OUT).
# It reuses tools/unum's writer, so the layout is the real one.

import importlib.machinery
import importlib.util
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")


def load_unum():
    loader = importlib.machinery.SourceFileLoader(
        "unum_tool_cli", os.path.join(ROOT, "tools", "unum"))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def main(argv):
    no_app = argv[:1] == ["--no-app"]
    if no_app:
        argv = argv[1:]
    if len(argv) < 2:
        print("usage: mkinitrd.py [--no-app] OUT APP [ARG...]",
              file=sys.stderr)
        return 2
    out, app, args = argv[0], argv[1], argv[2:]
    unum = load_unum()
    cfg = unum.Config(file=app, args=args)
    tree = unum.initrd_tree(cfg, os.urandom(32), 1700000000)
    if no_app:
        del tree.by_name["app/" + os.path.basename(app)]
    with open(out, "wb") as f:
        unum.write_cpio(f, tree.members())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
