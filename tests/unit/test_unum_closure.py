#!/usr/bin/env python3
# tools/pyunum/closure.py: the library closure of a dynamic app as the
# guest's ld.so will look for it. Shared objects built here with gcc
# (-nostdlib: no libc in the way) in a temporary folder: DT_RUNPATH and
# DT_RPATH with $ORIGIN, their order against LD_LIBRARY_PATH (glibc's and
# musl's), DT_RPATH inherited from the loader and DT_RUNPATH not, symlinks
# kept, a file of another class skipped, musl's libc.so as its
# interpreter, a missing library (127 with its name and its needer). No
# QEMU. Run: python3 tests/unit/test_unum_closure.py (silent on success).

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import closure, common, initrd  # noqa: E402


@unittest.skipUnless(shutil.which("gcc"), "gcc missing")
class Closure(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = os.path.realpath(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def so(self, rel, needs=(), rpath=None, runpath=None, soname=None):
        """A shared object at d/rel needing the libNAME.so files `needs`
        (given as -l names, found in their folders under d)."""
        path = os.path.join(self.d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        src = os.path.join(self.d, "f.c")
        with open(src, "w") as f:
            f.write(f"int f_{abs(hash(rel))}(void) {{ return 1; }}\n")
        cmd = ["gcc", "-shared", "-fPIC", "-nostdlib", "-Wl,--no-as-needed",
               "-o", path, src]
        for n in needs:  # -l:FILE from its folder
            cmd += [f"-L{os.path.join(self.d, os.path.dirname(n))}",
                    f"-l:{os.path.basename(n)}"]
        if rpath:
            cmd += ["-Wl,--disable-new-dtags", f"-Wl,-rpath,{rpath}"]
        if runpath:
            cmd += ["-Wl,--enable-new-dtags", f"-Wl,-rpath,{runpath}"]
        if soname:
            cmd += [f"-Wl,-soname,{soname}"]
        subprocess.run(cmd, check=True, capture_output=True)
        return path

    def close(self, top, libc="glibc", env_path=None, guest=None):
        """The closure of the object top (at guest, default its own path)
        -> {guest name: entry} of the tree and the Closure."""
        tree = initrd.InitrdTree(0)
        c = closure.Closure(tree, libc, env_path)
        g = guest or top
        st = os.stat(top)
        tree.put(initrd.Entry(g.lstrip("/"), st.st_mode, 0, src=top,
                              size=st.st_size), "test")
        c.add(closure.image_objects(tree))
        return tree.by_name, c

    def test_runpath_origin(self):
        self.so("sub/libutb.so")
        top = self.so("liba.so", needs=["sub/libutb.so"], runpath="$ORIGIN/sub")
        info = closure.dyn_info(top)
        self.assertEqual((info.needed, info.runpath, info.rpath),
                         (["libutb.so"], "$ORIGIN/sub", None))
        m, c = self.close(top)
        self.assertIn(self.d.lstrip("/") + "/sub/libutb.so", m)
        self.assertEqual(c.added, [(self.d + "/sub/libutb.so", top)])

    def test_origin_is_the_guest_folder(self):
        # the object at /app/liba.so in the guest: $ORIGIN is /app there,
        # and the library comes from beside the host file
        self.so("sub/libutb.so")
        top = self.so("liba.so", needs=["sub/libutb.so"], runpath="${ORIGIN}/sub")
        m, c = self.close(top, guest="/app/liba.so")
        self.assertEqual(m["app/sub/libutb.so"].src, self.d + "/sub/libutb.so")
        self.assertEqual(c.added, [("/app/sub/libutb.so", "/app/liba.so")])

    def test_rpath_before_ld_library_path_runpath_after(self):
        self.so("r/libutx.so")
        self.so("e/libutx.so")
        for tag, want in (("rpath", "r"), ("runpath", "e")):
            top = self.so(f"top-{tag}.so", needs=["r/libutx.so"],
                          **{tag: self.d + "/r"})
            _, c = self.close(top, env_path=self.d + "/e")
            self.assertEqual(c.added, [(f"{self.d}/{want}/libutx.so", top)], tag)
        # musl: LD_LIBRARY_PATH first, whichever tag
        top = self.so("top-musl.so", needs=["r/libutx.so"], rpath=self.d + "/r")
        _, c = self.close(top, libc="musl", env_path=self.d + "/e")
        self.assertEqual(c.added, [(self.d + "/e/libutx.so", top)])

    def test_rpath_inherited_runpath_not(self):
        self.so("deps/libutz.so")
        self.so("deps/libuty.so", needs=["deps/libutz.so"])  # no path of its own
        top = self.so("top.so", needs=["deps/libuty.so"], rpath=self.d + "/deps")
        _, c = self.close(top)
        self.assertEqual([g for g, _ in c.added],
                         [self.d + "/deps/libuty.so", self.d + "/deps/libutz.so"])
        top = self.so("top2.so", needs=["deps/libuty.so"],
                      runpath=self.d + "/deps")
        with self.assertRaises(common.RunError) as e:
            self.close(top)
        self.assertEqual(e.exception.status, common.EXIT_NOTFOUND)
        self.assertEqual(str(e.exception), "library libutz.so not found "
                         f"(needed by {self.d}/deps/libuty.so)")

    def test_symlinks_kept(self):
        self.so("lib/libutq.so.1.2", soname="libutq.so.1")
        os.symlink("libutq.so.1.2", os.path.join(self.d, "lib", "libutq.so.1"))
        os.symlink("lib", os.path.join(self.d, "alias"))
        top = self.so("top.so", needs=["lib/libutq.so.1.2"],
                      runpath=self.d + "/alias")
        self.assertEqual(closure.dyn_info(top).needed, ["libutq.so.1"])
        m, c = self.close(top)
        base = self.d.lstrip("/")
        self.assertTrue(stat.S_ISLNK(m[base + "/alias"].mode))
        self.assertEqual(m[base + "/alias"].data, b"lib")
        self.assertEqual(m[base + "/lib/libutq.so.1"].data, b"libutq.so.1.2")
        self.assertEqual(m[base + "/lib/libutq.so.1.2"].src,
                         self.d + "/lib/libutq.so.1.2")
        self.assertEqual(c.added, [(self.d + "/alias/libutq.so.1", top)])
        # and the guest's view follows the tree's links
        cl = closure.Closure(initrd.InitrdTree(0), "glibc", None)
        cl.tree.by_name = m
        self.assertEqual(cl.guest_resolve(self.d + "/alias/libutq.so.1"),
                         base + "/lib/libutq.so.1.2")

    def test_other_class_skipped(self):
        self.so("good/libutw.so")
        os.makedirs(os.path.join(self.d, "bad"))
        with open(os.path.join(self.d, "bad", "libutw.so"), "wb") as f:
            f.write(b"\x7fELF\x01\x01\x01" + b"\0" * 60)  # ELF32
        top = self.so("top.so", needs=["good/libutw.so"],
                      runpath=f"{self.d}/bad:{self.d}/good")
        _, c = self.close(top)
        self.assertEqual(c.added, [(self.d + "/good/libutw.so", top)])

    def test_musl_libc_is_the_interpreter(self):
        top = self.so("top.so")
        tree = initrd.InitrdTree(0)
        c = closure.Closure(tree, "musl", None)
        info = closure.DynInfo()
        info.needed = ["libc.so", "libpthread.so.0", "libm.so"]
        c.add([closure.Obj("/top.so", top, info)])
        self.assertEqual(c.added, [])
        info.interp = "/lib/ld-musl-x86_64.so.1"  # the kernel's own: not copied
        c.add([closure.Obj("/top.so", top, info)])
        self.assertEqual(c.added, [])
        info.needed = ["libnotmusl.so"]
        with self.assertRaises(common.RunError) as e:
            c.add([closure.Obj("/top.so", top, info)])
        self.assertEqual(str(e.exception),
                         "library libnotmusl.so not found (needed by /top.so)")

    def test_what_the_image_holds_is_used(self):
        self.so("here/libuth.so")
        top = self.so("top.so", needs=["here/libuth.so"], runpath="/opt/x")
        tree = initrd.InitrdTree(0)
        st = os.stat(top)
        tree.put(initrd.Entry("top.so", st.st_mode, 0, src=top,
                              size=st.st_size), "test")
        lib = os.path.join(self.d, "here", "libuth.so")
        tree.put(initrd.Entry("opt/x/libuth.so", 0o100644, 0, src=lib,
                              size=os.path.getsize(lib)), "test")
        c = closure.Closure(tree, "glibc", None)
        c.add(closure.image_objects(tree))
        self.assertEqual(c.added, [])  # /opt/x/libuth.so was --add'ed

    def test_soname_of_an_image_object(self):
        # libutj.so is on no search path of top.so, but the image holds an
        # object of that soname (as java's libjava.so needs libjvm.so, which
        # the launcher dlopens by path from lib/server first): satisfied,
        # nothing copied; without it, 127
        lib = self.so("server/libutj-real.so", soname="libutj.so")
        os.symlink("libutj-real.so", os.path.join(self.d, "server", "libutj.so"))
        top = self.so("top.so", needs=["server/libutj.so"])
        self.assertEqual(closure.dyn_info(lib).soname, "libutj.so")
        self.assertEqual(closure.dyn_info(top).needed, ["libutj.so"])
        for with_lib in (True, False):
            tree = initrd.InitrdTree(0)
            files = [("top.so", top)] + ([("srv/libutj-real.so", lib)]
                                         if with_lib else [])
            for name, src in files:
                tree.put(initrd.Entry(name, 0o100755, 0, src=src,
                                      size=os.path.getsize(src)), "test")
            c = closure.Closure(tree, "glibc", None)
            if with_lib:
                c.add(closure.image_objects(tree))
                self.assertEqual(c.added, [])
                continue
            with self.assertRaises(common.RunError) as e:
                c.add(closure.image_objects(tree))
            self.assertEqual(str(e.exception), "library libutj.so not found "
                             "(needed by /top.so)")


if __name__ == "__main__":
    unittest.main(verbosity=0, buffer=True)
