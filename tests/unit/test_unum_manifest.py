#!/usr/bin/env python3
# tools/unum --manifest (docs/apps.md): every apps/*/manifest loads; the
# keys and their types, host paths ($BUILD and relative to the manifest),
# ports with /udp, and how the manifest and the command line combine (the
# command line wins); each mistake one UsageError naming file and key.
# Run: python3 tests/unit/test_unum_manifest.py (silent on success).

import glob
import os
import re
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import cli, common, manifest  # noqa: E402


class Manifests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.d = self.dir.name
        os.mkdir(os.path.join(self.d, "site"))

    def tearDown(self):
        self.dir.cleanup()

    def write(self, text):
        path = os.path.join(self.d, "manifest")
        with open(path, "w") as f:
            f.write(text)
        return path

    def bad(self, text, *argv, command="run"):
        path = self.write(text)
        parse = cli.parse_args if command == "run" else cli.parse_image_args
        with self.assertRaises(common.UsageError) as cm:
            parse(["--manifest", path, *argv])
        msg = str(cm.exception)
        self.assertNotIn("\n", msg)
        return msg

    def test_every_app_manifest_loads(self):
        root = common.ROOT
        found = glob.glob(os.path.join(root, "apps", "*", "manifest"))
        self.assertIn(os.path.join(root, "apps", "hello", "manifest"), found)
        build = os.path.join(root, os.environ.get("BUILD") or "build")
        for path in found:
            name = os.path.basename(os.path.dirname(path))
            try:
                m = manifest.load(path)
            except common.UsageError as e:
                # a file the recipe makes may not be built here
                self.assertIn("$BUILD/", str(e), path)
                continue
            # the recipe's product, or the host binary its APP_BIN_NAME names
            # (an app that runs a Debian binary unmodified)
            with open(os.path.join(os.path.dirname(path), "app.mk")) as f:
                host = re.search(rf"^APP_BIN_{re.escape(name)}\s*:?=\s*(\S+)",
                                 f.read(), re.M)
            want = host.group(1) if host else f"{build}/apps/{name}/{name}"
            self.assertEqual(m.program, want, path)
            self.assertIsNotNone(m.min_mem_mib, f"{path}: no min_mem")

    def test_full(self):
        p = self.write('program = "$BUILD/apps/x/x"\nargs = ["-a", ""]\n'
                       'env = { A = "1", B = "x=y" }\n'
                       'files = ["site:/srv/www"]\n'
                       'ports = ["8080:80", "5201:5201/udp"]\n'
                       'mem = "64M"\nmin_mem = "8M"\nnotes = "n"\n'
                       'kernel_args = "quiet"\n')
        c = cli.parse_args(["--manifest", p])
        self.assertEqual(c.file, manifest.build_dir() + "/apps/x/x")
        self.assertEqual(c.args, ["-a", ""])
        self.assertEqual(c.envs, ["A=1", "B=x=y"])
        self.assertEqual(c.adds, [(os.path.join(self.d, "site"), "/srv/www")])
        self.assertEqual(c.ports, [(8080, 80, "tcp"), (5201, 5201, "udp")])
        self.assertEqual((c.net, c.mem_mib, c.min_mem_mib, c.kernel_args),
                         ("user", 64, 8, "quiet"))

    def test_command_line_wins(self):
        p = self.write('program = "a"\nargs = ["x"]\nenv = { A = "1" }\n'
                       'ports = ["80:80"]\nmem = "64M"\nkernel_args = "k"\n')
        c = cli.parse_args(["--manifest", p, "prog", "--env", "A=2",
                            "--mem", "256M", "--port", "81:81", "--net",
                            "user", "--kernel-args", "quiet", "--", "y"])
        self.assertEqual((c.file, c.args, c.envs, c.mem_mib), ("prog", ["y"],
                         ["A=1", "A=2"], 256))
        self.assertEqual(c.ports, [(80, 80, "tcp"), (81, 81, "tcp")])
        self.assertEqual((c.net, c.kernel_args), ("user", "k quiet"))
        # --net none: no network, so none of the manifest's forwards
        c = cli.parse_args(["--manifest", p, "--net", "none"])
        self.assertEqual((c.net, c.ports), ("none", []))
        out, c = cli.parse_image_args(["--manifest", p, "-o", "a.img"])
        self.assertEqual((out, c.file, c.args, c.ports), ("a.img",
                         os.path.join(self.d, "a"), ["x"], []))
        self.assertEqual(c.manifest_ports, [(80, 80, "tcp")])

    def test_stop_grace(self):
        # a kernel argument before the manifest's own and the command
        # line's (the kernel takes the last of a key)
        p = self.write('program = "a"\nstop_grace = "2s"\n'
                       'kernel_args = "quiet"\n')
        c = cli.parse_args(["--manifest", p, "--kernel-args",
                            "stop_grace=500ms"])
        self.assertEqual(c.kernel_args, "stop_grace=2s quiet stop_grace=500ms")
        out, c = cli.parse_image_args(["--manifest", p, "-o", "a.img"])
        self.assertEqual(c.kernel_args, "stop_grace=2s quiet")
        p = self.write('program = "a"\nstop_grace = "0ms"\n')
        self.assertEqual(cli.parse_args(["--manifest", p]).kernel_args,
                         "stop_grace=0ms")
        for bad in ("10", "1m", "-1s", "1.5s", "3601s", "", " 1s"):
            self.assertIn("stop_grace: ", self.bad(f'stop_grace = "{bad}"\n'),
                          bad)
        self.assertIn("stop_grace: must be a duration",
                      self.bad('stop_grace = 10\n'))

    def test_host_port(self):
        # --host-port moves the manifest's first forward (make run PORT=N)
        p = self.write('program = "a"\nports = ["8080:80", "53:53/udp"]\n')
        c = cli.parse_args(["--manifest", p, "--host-port", "18080"])
        self.assertEqual(c.ports, [(18080, 80, "tcp"), (53, 53, "udp")])
        self.assertIn("--host-port 0: not a port",
                      self.bad('program = "a"\nports = ["80:80"]\n',
                               "--host-port", "0"))
        self.assertIn("forwards no port",
                      self.bad('program = "a"\n', "--host-port", "80"))
        with self.assertRaises(common.UsageError) as cm:
            cli.parse_args(["a", "--host-port", "80"])
        self.assertIn("needs --manifest", str(cm.exception))
        self.assertIn("a run option",
                      self.bad('program = "a"\nports = ["80:80"]\n',
                               "-o", "x.img", "--host-port", "81",
                               command="image"))

    def test_mistakes(self):
        self.assertIn("bogus: unknown key", self.bad('bogus = 1\n'))
        self.assertIn("args: must be a list of strings",
                      self.bad('args = "x"\n'))
        self.assertIn("env: must be a table", self.bad('env = { A = 1 }\n'))
        self.assertIn("no such file or folder",
                      self.bad('files = ["nothere:/x"]\n'))
        self.assertIn("expected HOST:GUEST", self.bad('files = ["site"]\n'))
        self.assertIn("forwarded twice",
                      self.bad('ports = ["80:80", "80:81"]\n'))
        self.assertIn("forwarded twice",
                      self.bad('ports = ["80:80"]\n', "--port", "80:82"))
        self.assertIn("HOST:GUEST[/udp]", self.bad('ports = ["80:0"]\n'))
        self.assertIn("below", self.bad('min_mem = "64M"\n', "x",
                                        "--mem", "32M"))
        self.assertIn("mem: 16M is below min_mem 32M",
                      self.bad('mem = "16M"\nmin_mem = "32M"\n'))
        self.assertIn("not TOML", self.bad('args = [\n'))
        self.assertIn("no program", self.bad('args = []\n'))
        with self.assertRaises(common.UsageError) as cm:
            cli.parse_args(["--manifest", "/nonexistent/manifest"])
        self.assertIn("/nonexistent/manifest: no such file", str(cm.exception))
        # udp and tcp on one host port are two forwards, not a clash
        p = self.write('program = "a"\nports = ["53:53", "53:53/udp"]\n')
        self.assertEqual(len(cli.parse_args(["--manifest", p]).ports), 2)


if __name__ == "__main__":
    unittest.main(verbosity=0, buffer=True)
