#!/usr/bin/env python3
# tools/unum's app initrd (docs/host-guest.md, "The app and its initrd"): the
# cpio newc writer (read back by a strict reader here and by the cpio tool),
# the layout (/app/NAME, /.unum/argv, env, seed, stdin), --add of files and
# folders, stdin capture, and a whole `tools/unum run APP` with a stand-in
# QEMU that keeps the initrd it is given. No real QEMU.
# Run: python3 tests/unit/test_unum_initrd.py (silent on success).

import contextlib
import io
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import cli, common, initrd  # noqa: E402

FIELDS = ("ino", "mode", "uid", "gid", "nlink", "mtime", "size", "devmajor",
          "devminor", "rdevmajor", "rdevminor", "namesize", "check")


def read_newc(blob):
    """Parse a newc archive strictly: headers on 4-byte boundaries, hex
    fields, NUL-terminated names, NUL padding, a final TRAILER!!! and
    nothing after it. -> list of dicts (name, data and the header fields),
    trailer excluded. AssertionError on any deviation."""
    out, pos = [], 0
    while True:
        assert pos % 4 == 0, f"header at {pos} not 4-aligned"
        hdr = blob[pos:pos + 110]
        assert len(hdr) == 110, f"header cut short at {pos}"
        assert hdr[:6] == b"070701", f"bad magic {hdr[:6]!r} at {pos}"
        m = {}
        for i, f in enumerate(FIELDS):
            text = hdr[6 + 8 * i:14 + 8 * i]
            assert all(c in b"0123456789ABCDEF" for c in text), (f, text)
            m[f] = int(text, 16)
        pos += 110
        raw = blob[pos:pos + m["namesize"]]
        assert len(raw) == m["namesize"] and raw.endswith(b"\0"), raw
        assert b"\0" not in raw[:-1], raw
        m["name"] = raw[:-1].decode()
        pos += m["namesize"]
        pad = -pos % 4
        assert blob[pos:pos + pad] == b"\0" * pad, "name padding not NULs"
        pos += pad
        m["data"] = blob[pos:pos + m["size"]]
        assert len(m["data"]) == m["size"], f"{m['name']}: data cut short"
        pos += m["size"]
        pad = -pos % 4
        assert blob[pos:pos + pad] == b"\0" * pad, "data padding not NULs"
        pos += pad
        if m["name"] == "TRAILER!!!":
            assert pos == len(blob), f"{len(blob) - pos} bytes after trailer"
            return out
        out.append(m)


def pack(members):
    buf = io.BytesIO()
    n = initrd.write_cpio(buf, members)
    assert n == len(buf.getvalue())
    return buf.getvalue()


def by_name(members):
    return {m["name"]: m for m in members}


def check_parents_first(test, members):
    seen = set()
    for m in members:
        parent = m["name"].rpartition("/")[0]
        if parent:
            test.assertIn(parent, seen, f"{m['name']} before its folder")
        seen.add(m["name"])
    test.assertEqual(len(seen), len(members), "a name appears twice")


class Newc(unittest.TestCase):
    def test_header(self):
        h = initrd.cpio_header(1, 0o100644, 1, 0x5F5E100, 5, 6)
        self.assertEqual(len(h), 110)
        self.assertEqual(h, b"070701" + b"00000001" + b"000081A4" +
                         b"00000000" * 2 + b"00000001" + b"05F5E100" +
                         b"00000005" + b"00000000" * 4 + b"00000006" +
                         b"00000000")

    def test_padding_every_length(self):
        # names and data of every length mod 4 keep the next header aligned
        members = [initrd.Entry("d", stat.S_IFDIR | 0o755, 7)]
        for n in range(1, 9):
            members.append(initrd.Entry("d/" + "n" * n, stat.S_IFREG | 0o644,
                                      n, data=bytes(range(n)) * n))
        got = read_newc(pack(members))
        self.assertEqual([(m["name"], m["data"], m["mtime"]) for m in got],
                         [(e.name, e.data, e.mtime) for e in members])
        self.assertEqual(len({m["ino"] for m in got}), len(got))
        self.assertTrue(all(m["uid"] == m["gid"] == 0 for m in got))
        self.assertEqual([m["nlink"] for m in got], [2] + [1] * 8)

    def test_empty_archive_is_a_trailer(self):
        blob = pack([])
        self.assertEqual(read_newc(blob), [])
        self.assertEqual(blob[:6], b"070701")
        self.assertEqual(len(blob) % 4, 0)

    def test_host_file_is_copied_at_write_time(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"x" * 70000)
            f.flush()
            e = initrd.Entry("big", stat.S_IFREG | 0o644, 0, src=f.name,
                           size=70000)
            self.assertEqual(read_newc(pack([e]))[0]["data"], b"x" * 70000)
            f.write(b"more")  # the header already said 70000
            f.flush()
            with self.assertRaises(common.UsageError) as cm:
                pack([e])
            self.assertIn("changed size", str(cm.exception))


class Tree(unittest.TestCase):
    """A host folder tree, packed the way --add packs it."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = os.path.join(self.tmp.name, "d")
        d = self.d
        os.makedirs(os.path.join(d, "sub", "deeper"))
        os.makedirs(os.path.join(d, "empty"))
        self.write("a.txt", b"alpha\n", 0o644, 1_000_000_000)
        self.write("bin/run.sh", b"#!/bin/sh\n", 0o755, 1_100_000_000)
        self.write("sub/deeper/x", b"x" * 5, 0o600, 1_200_000_000)
        os.symlink("a.txt", os.path.join(d, "link"))
        os.symlink("../nowhere", os.path.join(d, "sub", "dangling"))
        os.symlink("/etc/hosts", os.path.join(d, "abs"))
        os.symlink(".", os.path.join(d, "loop"))  # never followed
        os.chmod(os.path.join(d, "sub"), 0o750)
        os.utime(os.path.join(d, "sub"), (1_300_000_000, 1_300_000_000))
        self.app = self.write_file("hello", b"\x7fELF fake app")
        # netbase's files from a folder of the test's (none: see Netbase)
        self.netbase = os.path.join(self.tmp.name, "netbase")
        self._netbase_dir = initrd.netbase_dir
        initrd.netbase_dir = lambda: self.netbase

    def tearDown(self):
        initrd.netbase_dir = self._netbase_dir
        self.tmp.cleanup()

    def write(self, rel, data, mode, mtime):
        path = os.path.join(self.d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode)
        os.utime(path, (mtime, mtime))
        return path

    def write_file(self, name, data):
        path = os.path.join(self.tmp.name, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def members(self, *argv, seed=b"s" * 32, now=1_700_000_000):
        cfg = cli.parse_args([self.app] + list(argv))
        tree = initrd.initrd_tree(cfg, seed, now)
        got = read_newc(pack(tree.members()))
        check_parents_first(self, got)
        return got

    def refused(self, *argv):
        with self.assertRaises(common.UsageError) as cm:
            self.members(*argv)
        return str(cm.exception)


class Layout(Tree):
    def test_app_argv_env_seed(self):
        got = self.members("--env", "A=1", "--env", "B=x=y", "--env", "E=",
                           "--env", "A=2", "--", "two words", "", "-v")
        self.assertEqual([m["name"] for m in got],
                         ["app", "app/hello", ".unum", ".unum/argv",
                          ".unum/env", ".unum/seed"])
        m = by_name(got)
        self.assertEqual(m["app"]["mode"], 0o040755)
        self.assertEqual(m["app/hello"]["mode"], 0o100755)
        self.assertEqual(m["app/hello"]["data"], b"\x7fELF fake app")
        self.assertEqual(m["app/hello"]["mtime"], int(os.stat(self.app).st_mtime))
        self.assertEqual(m[".unum/argv"]["data"],
                         b"/app/hello\0two words\0\0-v\0")
        # a repeated key keeps its place and takes the last value
        self.assertEqual(m[".unum/env"]["data"], b"A=2\0B=x=y\0E=\0")
        self.assertEqual(m[".unum/seed"]["data"], b"s" * 32)
        self.assertEqual(m[".unum"]["mtime"], 1_700_000_000)
        for n in (".unum/argv", ".unum/env", ".unum/seed"):
            self.assertEqual(m[n]["mode"], 0o100600, n)

    def test_no_args_no_env(self):
        m = by_name(self.members())
        self.assertEqual(m[".unum/argv"]["data"], b"/app/hello\0")
        self.assertEqual(m[".unum/env"]["data"], b"")

    def test_app_name_is_the_base_name(self):
        cfg = cli.parse_args(["./" + os.path.relpath(self.app)])
        names = [e.name for e in initrd.initrd_tree(cfg, b"", 0).members()]
        self.assertEqual(names[:2], ["app", "app/hello"])

    def test_env_usage_errors_are_status_2(self):
        for env in ("NOEQUALS", "=v", "="):
            err = io.StringIO()
            with contextlib.redirect_stderr(err):
                st = cli.main(["run", self.app, "--env", env])
            self.assertEqual(st, 2, env)
            self.assertIn("expected K=V", err.getvalue())


class Netbase(Tree):
    """/etc/services and /etc/protocols from the build's netbase, unless
    the app brings its own."""

    def setUp(self):
        super().setUp()
        os.makedirs(self.netbase)
        for f in ("services", "protocols"):
            with open(os.path.join(self.netbase, f), "wb") as out:
                out.write(f"netbase {f}\n".encode())

    def test_added_when_the_app_brings_none(self):
        m = by_name(self.members())
        self.assertEqual(m["etc"]["mode"], 0o040755)
        self.assertEqual(m["etc/services"]["data"], b"netbase services\n")
        self.assertEqual(m["etc/protocols"]["data"], b"netbase protocols\n")
        self.assertEqual(m["etc/services"]["mode"], 0o100644)

    def test_the_apps_own_wins(self):
        self.write("etc/services", b"mine 1/tcp\n", 0o644, 1_000_000_000)
        m = by_name(self.members("--add", os.path.join(self.d, "etc") + ":/etc"))
        self.assertEqual(m["etc/services"]["data"], b"mine 1/tcp\n")
        self.assertEqual(m["etc/protocols"]["data"], b"netbase protocols\n")

    def test_etc_not_a_folder(self):
        m = by_name(self.members("--add", os.path.join(self.d, "a.txt") + ":/etc"))
        self.assertEqual(m["etc"]["data"], b"alpha\n")
        self.assertNotIn("etc/services", m)

    def test_none_without_the_build_s(self):
        shutil.rmtree(self.netbase)
        self.assertNotIn("etc", by_name(self.members()))


class Add(Tree):
    def test_folder_with_nested_dirs_and_symlinks(self):
        got = self.members("--add", self.d + ":/data/in")
        names = [m["name"] for m in got]
        tree = ["data", "data/in", "data/in/a.txt", "data/in/abs",
                "data/in/bin", "data/in/bin/run.sh", "data/in/empty",
                "data/in/link", "data/in/loop", "data/in/sub",
                "data/in/sub/dangling", "data/in/sub/deeper",
                "data/in/sub/deeper/x",
                "etc", "etc/hosts"]  # abs points outside: brings its target
        self.assertEqual(names, ["app", "app/hello"] + tree +
                         [".unum", ".unum/argv", ".unum/env", ".unum/seed"])
        m = by_name(got)
        with open("/etc/hosts", "rb") as f:
            self.assertEqual(m["etc/hosts"]["data"], f.read())
        self.assertEqual((m["data"]["mode"], m["data"]["mtime"]),
                         (0o040755, 1_700_000_000))  # made, not given
        self.assertEqual(m["data/in/a.txt"]["data"], b"alpha\n")
        self.assertEqual((m["data/in/a.txt"]["mode"], m["data/in/a.txt"]["mtime"]),
                         (0o100644, 1_000_000_000))
        self.assertEqual(m["data/in/bin/run.sh"]["mode"], 0o100755)
        self.assertEqual((m["data/in/sub/deeper/x"]["mode"],
                          m["data/in/sub/deeper/x"]["data"]), (0o100600, b"xxxxx"))
        self.assertEqual((m["data/in/sub"]["mode"], m["data/in/sub"]["mtime"]),
                         (0o040750, 1_300_000_000))
        for name, target in (("link", b"a.txt"), ("sub/dangling", b"../nowhere"),
                             ("abs", b"/etc/hosts"), ("loop", b".")):
            e = m["data/in/" + name]
            self.assertTrue(stat.S_ISLNK(e["mode"]), name)
            self.assertEqual(e["data"], target, name)
        self.assertEqual(m["data/in/empty"]["size"], 0)

    def test_default_guest_is_the_base_name(self):
        got = [m["name"] for m in self.members("--add", self.d + "/",
                                               "--add", self.d + "/a.txt")]
        self.assertIn("d/sub/deeper/x", got)
        self.assertIn("a.txt", got)
        cwd = os.getcwd()
        os.chdir(self.d)
        try:
            c = cli.parse_args(["app", "--add", "."])
        finally:
            os.chdir(cwd)
        self.assertEqual(c.adds, [(".", "/d")])

    def test_guest_paths_are_normalized(self):
        c = cli.parse_args(["app", "--add", "f://x/../y/", "--add", "f:/"])
        self.assertEqual(c.adds, [("f", "/y"), ("f", "/")])
        self.assertIn("absolute", unum_args_error(["app", "--add", "f:rel"]))

    def test_folder_into_the_root(self):
        got = [m["name"] for m in self.members("--add", self.d + ":/")]
        self.assertEqual(got[2:5], ["a.txt", "abs", "bin"])
        self.assertIn("sub/deeper/x", got)

    def test_top_symlink_is_followed(self):
        link = os.path.join(self.tmp.name, "tolink")
        os.symlink(self.d, link)
        m = by_name(self.members("--add", link + ":/t"))
        self.assertTrue(stat.S_ISDIR(m["t"]["mode"]))
        self.assertEqual(m["t/a.txt"]["data"], b"alpha\n")

    def test_folders_merge_and_app_folder_can_hold_more(self):
        m = by_name(self.members("--add", self.d + "/sub:/app",
                                 "--add", self.d + "/bin:/app"))
        self.assertEqual(m["app"]["mode"], 0o040755)  # bin's: the last given
        self.assertIn("app/deeper/x", m)
        self.assertIn("app/run.sh", m)
        self.assertIn("app/hello", m)

    def test_special_files_are_skipped_with_a_warning(self):
        os.mkfifo(os.path.join(self.d, "fifo"))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            names = [m["name"] for m in self.members("--add", self.d)]
        self.assertNotIn("d/fifo", names)
        self.assertIn("skipping", err.getvalue())
        self.assertIn("fifo", err.getvalue())

    def test_usage_errors(self):
        a = os.path.join(self.d, "a.txt")
        cases = [
            (["--add", self.d + "/missing"], "not found"),
            (["--add", a + ":/.unum/argv"], "tools/unum's own"),
            (["--add", self.d + ":/.unum"], "tools/unum's own"),
            (["--add", a + ":/app/hello"], "already in the initrd"),
            (["--add", a + ":/x", "--add", a + ":/x"], "already in the initrd"),
            (["--add", a + ":/x", "--add", self.d + ":/x/y"], "not as a folder"),
            (["--add", a + ":/"], "only a folder"),
            (["--add", "/dev/null:/n"], "not a file or a folder"),
        ]
        for argv, want in cases:
            self.assertIn(want, self.refused(*argv), argv)

    def test_missing_add_through_main_is_status_2_and_no_qemu(self):
        started = []
        real = cli.run_vm
        cli.run_vm = lambda *a, **k: started.append(a) or 0
        err = io.StringIO()
        os.environ["UNUM_KERNEL"] = write_pvh_kernel(self.tmp.name)
        try:
            with contextlib.redirect_stderr(err):
                st = cli.main(["run", "/bin/true", "--add", self.d + "/nope"])
        finally:
            cli.run_vm = real
            del os.environ["UNUM_KERNEL"]
        self.assertEqual((st, started), (2, []))
        self.assertEqual(err.getvalue(), f"unum: --add {self.d}/nope: not found\n")

    def test_cpio_tool_agrees(self):
        cpio = shutil.which("cpio")
        if not cpio:
            self.skipTest("cpio not installed")
        cfg = cli.parse_args([self.app, "--add", self.d + ":/data", "--", "x"])
        blob = pack(initrd.initrd_tree(cfg, b"s" * 32, 1_700_000_000).members())
        out = os.path.join(self.tmp.name, "out")
        os.mkdir(out)
        p = subprocess.run([cpio, "-idm", "--quiet", "--no-preserve-owner"],
                           input=blob, cwd=out, capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        j = lambda *p: os.path.join(out, *p)
        with open(j("app", "hello"), "rb") as f:
            self.assertEqual(f.read(), b"\x7fELF fake app")
        self.assertEqual(stat.S_IMODE(os.stat(j("app", "hello")).st_mode), 0o755)
        with open(j(".unum", "argv"), "rb") as f:
            self.assertEqual(f.read(), b"/app/hello\0x\0")
        self.assertEqual(os.readlink(j("data", "link")), "a.txt")
        self.assertEqual(os.readlink(j("data", "sub", "dangling")), "../nowhere")
        st = os.stat(j("data", "sub", "deeper", "x"))
        self.assertEqual((stat.S_IMODE(st.st_mode), int(st.st_mtime)),
                         (0o600, 1_200_000_000))
        self.assertTrue(os.path.isdir(j("data", "empty")))


def unum_args_error(argv):
    with unittest.TestCase().assertRaises(common.UsageError) as cm:
        cli.parse_args(argv)
    return str(cm.exception)


def write_pvh_kernel(folder):
    """A minimal ELF64 with a PVH note: what app_kernel() accepts."""
    note = struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", 0x100000)
    eh = (b"\x7fELF\x02\x01\x01" + b"\0" * 9 +
          struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x100000, 64, 0, 0, 64,
                      56, 1, 64, 0, 0))
    ph = struct.pack("<IIQQQQQQ", 4, 4, 120, 0, 0, len(note), len(note), 4)
    path = os.path.join(folder, "kernel.elf")
    with open(path, "wb") as f:
        f.write(eh + ph + note)
    return path


class Stdin(unittest.TestCase):
    def test_pipe(self):
        r, w = os.pipe()
        os.write(w, b"line 1\nline 2\n")
        os.close(w)
        try:
            self.assertEqual(initrd.read_stdin(1 << 20, fd=r), b"line 1\nline 2\n")
        finally:
            os.close(r)

    def test_file_and_dev_null(self):
        with tempfile.TemporaryFile() as f:
            f.write(b"\0\1\2" * 100000)
            f.seek(0)
            self.assertEqual(initrd.read_stdin(1 << 20, timeout=5, fd=f.fileno()),
                             b"\0\1\2" * 100000)
        with open(os.devnull, "rb") as f:
            self.assertEqual(initrd.read_stdin(1 << 20, fd=f.fileno()), b"")

    def test_terminal_is_left_alone(self):
        master, slave = os.openpty()
        try:
            self.assertIsNone(initrd.read_stdin(1 << 20, fd=slave))
        finally:
            os.close(master)
            os.close(slave)

    def test_closed_is_empty(self):
        r, w = os.pipe()
        os.close(r)
        os.close(w)
        self.assertEqual(initrd.read_stdin(1 << 20, fd=r), b"")

    def test_too_big_for_the_guest(self):
        with tempfile.TemporaryFile() as f:
            f.write(b"x" * 5000)
            f.seek(0)
            with self.assertRaises(common.UsageError) as cm:
                initrd.read_stdin(4096, fd=f.fileno())
            self.assertIn("stdin", str(cm.exception))

    def test_timeout_on_a_pipe_never_closed(self):
        r, w = os.pipe()
        os.write(w, b"partial")
        try:
            t0 = time.monotonic()
            with self.assertRaises(common.RunError) as cm:
                initrd.read_stdin(1 << 20, timeout=0.3, fd=r)
            self.assertEqual(cm.exception.status, 124)
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            os.close(r)
            os.close(w)


# A stand-in for qemu-system-x86_64: keeps its argv and the -initrd file
# (given as /dev/fd/N), then writes an exit record on COM2 as the kernel
# would. $KEEP is the folder to keep them in.
FAKE_QEMU = r"""#!/bin/sh
printf '%s\n' "$@" >"$KEEP/argv"
prev= com2=
for a in "$@"; do
	[ "$prev" = -initrd ] && cat "$a" >"$KEEP/initrd"
	case $a in file,id=com2,path=*) com2=${a#*path=} ;; esac
	prev=$a
done
printf 'out\n' >&2
printf '\036unum: exit 7\n' >"$com2"
"""


class Run(unittest.TestCase):
    """tools/unum run APP as a user runs it, QEMU replaced by FAKE_QEMU."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        t = self.tmp.name
        self.keep = os.path.join(t, "keep")
        self.tmpdir = os.path.join(t, "tmpdir")
        os.mkdir(self.keep)
        os.mkdir(self.tmpdir)
        self.qemu = os.path.join(t, "qemu")
        with open(self.qemu, "w") as f:
            f.write(FAKE_QEMU)
        os.chmod(self.qemu, 0o755)
        self.kernel = write_pvh_kernel(t)

    def tearDown(self):
        self.tmp.cleanup()

    def run_unum(self, *argv, stdin=subprocess.DEVNULL, kernel=None):
        env = dict(os.environ, UNUM_QEMU=self.qemu, KEEP=self.keep,
                   UNUM_KERNEL=kernel or self.kernel, TMPDIR=self.tmpdir)
        p = subprocess.run([sys.executable, unum_tool.PATH, "run"] + list(argv),
                           stdin=stdin, capture_output=True, env=env,
                           timeout=60)
        return p.returncode, p.stdout, p.stderr.decode()

    def kept(self):
        with open(os.path.join(self.keep, "argv")) as f:
            argv = f.read().splitlines()
        path = os.path.join(self.keep, "initrd")
        with open(path, "rb") as f:
            return argv, by_name(read_newc(f.read()))

    def test_app_gets_initrd_args_env_and_piped_stdin(self):
        p = subprocess.Popen(["printf", "piped\\0bytes"], stdout=subprocess.PIPE)
        st, out, err = self.run_unum("/bin/true", "--env", "HOME=/",
                                     "--kernel-args", "strace", "--",
                                     "arg one", "--mem", stdin=p.stdout)
        p.wait()
        p.stdout.close()
        self.assertEqual(st, 7, err)
        argv, m = self.kept()
        # a dynamic program keeps its path; /app/NAME links to it
        self.assertEqual(m["app/true"]["data"], b"/bin/true")
        with open("/bin/true", "rb") as f:
            real = os.path.realpath("/bin/true").lstrip("/")
            self.assertEqual(m[real]["data"], f.read())
        self.assertEqual(m[".unum/argv"]["data"], b"/app/true\0arg one\0--mem\0")
        self.assertEqual(m[".unum/env"]["data"], b"HOME=/\0")
        self.assertEqual(len(m[".unum/seed"]["data"]), 32)
        self.assertEqual(m[".unum/stdin"]["data"], b"piped\0bytes")
        self.assertEqual(argv[argv.index("-kernel") + 1], self.kernel)
        self.assertTrue(argv[argv.index("-initrd") + 1].startswith("/dev/fd/"))
        # argv and env never on the kernel command line
        self.assertEqual(argv[argv.index("-append") + 1], "strace")
        self.assertEqual(os.listdir(self.tmpdir), [], "initrd left behind")

    def test_dev_null_stdin_is_an_empty_stdin(self):
        st, _, err = self.run_unum("/bin/true", "--machine", "q35")
        self.assertEqual(st, 7, err)
        argv, m = self.kept()
        self.assertEqual(m[".unum/stdin"]["data"], b"")
        self.assertEqual(argv[argv.index("-M") + 1], "q35")
        self.assertNotIn("-append", argv)

    def test_terminal_stdin_is_not_packed(self):
        master, slave = os.openpty()
        try:
            st, _, err = self.run_unum("/bin/true", stdin=slave)
        finally:
            os.close(master)
            os.close(slave)
        self.assertEqual(st, 7, err)
        self.assertNotIn(".unum/stdin", self.kept()[1])

    def test_seed_differs_between_runs(self):
        seeds = []
        for _ in range(2):
            self.assertEqual(self.run_unum("/bin/true")[0], 7)
            seeds.append(self.kept()[1][".unum/seed"]["data"])
        self.assertNotEqual(seeds[0], seeds[1])

    def test_missing_kernel_is_125_before_qemu(self):
        st, _, err = self.run_unum("/bin/true", kernel=self.tmp.name + "/none.elf")
        self.assertEqual(st, 125)
        self.assertRegex(err, r"^unum: panic: no kernel to run the app: .*"
                              r"none\.elf: not found \(run make, or set UNUM_KERNEL\)\n$")
        self.assertFalse(os.path.exists(os.path.join(self.keep, "argv")))

    def test_no_room_for_the_initrd_is_125(self):
        real = initrd.tempfile.mkstemp

        def full(*a, **k):
            raise OSError(28, "No space left on device")
        initrd.tempfile.mkstemp = full
        try:
            with self.assertRaises(common.RunError) as cm:
                initrd.pack_initrd([])
        finally:
            initrd.tempfile.mkstemp = real
        self.assertEqual(cm.exception.status, 125)
        self.assertIn("panic: cannot write the initrd in ", str(cm.exception))
        fd, size = initrd.pack_initrd([initrd.Entry("f", 0o100644, 0, data=b"abc")])
        try:
            self.assertEqual(os.fstat(fd).st_nlink, 0)  # unlinked already
            self.assertEqual(os.pread(fd, size, 0), pack([initrd.Entry(
                "f", 0o100644, 0, data=b"abc")]))
        finally:
            os.close(fd)

    def test_kernel_is_not_given_add_or_env(self):
        for opt in (["--add", "/etc/hosts"], ["--env", "A=1"]):
            st, _, err = self.run_unum(self.kernel, *opt)
            self.assertEqual(st, 2, opt)
            self.assertIn("for an app only", err)


if __name__ == "__main__":
    unittest.main()
