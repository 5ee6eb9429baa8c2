#!/usr/bin/env python3
# tools/unum's option parsing: defaults, every usage error (status 2, one
# line on stderr, QEMU never started), and options refused per file kind.
# Run: python3 tests/unit/test_unum_args.py (silent on success).

import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import cli, common  # noqa: E402


def bad(*argv):
    with unittest.TestCase().assertRaises(common.UsageError) as cm:
        cli.parse_args(list(argv))
    return str(cm.exception)


class Parse(unittest.TestCase):
    def test_defaults(self):
        c = cli.parse_args(["k.elf"])
        self.assertEqual((c.file, c.mem_mib, c.cpus, c.accel, c.machine,
                          c.timeout, c.kernel_args, c.verbose, c.args),
                         ("k.elf", 128, 1, "auto", None, None, None, False, []))

    def test_values_in_both_forms_and_options_after_file(self):
        c = cli.parse_args(["--mem=1G", "k.elf", "--cpus", "4", "-v",
                             "--accel=tcg", "--machine", "q35",
                             "--timeout", "2.5", "--kernel-args", "a=1 b",
                             "--cpu", "qemu64"])
        self.assertEqual((c.mem_mib, c.cpus, c.accel, c.machine, c.timeout,
                          c.kernel_args, c.verbose, c.cpu_model),
                         (1024, 4, "tcg", "q35", 2.5, "a=1 b", True, "qemu64"))

    def test_app_args_after_double_dash(self):
        c = cli.parse_args(["app", "--", "-v", "--mem", "x"])
        self.assertEqual((c.args, c.verbose, c.mem_mib), (["-v", "--mem", "x"], False, 128))

    def test_stored_for_later(self):
        c = cli.parse_args(["app", "--add", "/etc/hosts", "--add", "d/:/data",
                             "--env", "A=1", "--net", "tap=tap0",
                             "--port", "8080:80", "--disk", "d.img"])
        self.assertEqual(c.adds, [("/etc/hosts", "/hosts"), ("d/", "/data")])
        self.assertEqual((c.envs, c.net, c.ports, c.disks),
                         (["A=1"], "tap=tap0", [(8080, 80, "tcp")], [("d.img", False)]))

    def test_port_protocols(self):
        c = cli.parse_args(["app", "--port", "53:5353/udp", "--port", "1:2/tcp",
                             "--port", "8080:80"])
        self.assertEqual(c.ports, [(53, 5353, "udp"), (1, 2, "tcp"), (8080, 80, "tcp")])

    def test_mem_sizes(self):
        for text, mib in (("3M", 3), ("512", 512), ("4096K", 4), ("1g", 1024),
                          ("64MiB", 64)):
            self.assertEqual(cli.parse_args(["k", "--mem", text]).mem_mib, mib, text)

    def test_usage_errors(self):
        cases = [
            (["k", "--mem", "2M"], "below the 3M minimum"),
            (["k", "--mem", "0"], "below"),
            (["k", "--mem", "lots"], "not a size"),
            (["k", "--mem", "4000K"], "whole number of MiB"),
            (["k", "--cpus", "0"], "1 to 64"),
            (["k", "--cpus", "65"], "1 to 64"),
            (["k", "--cpus", "two"], "1 to 64"),
            (["k", "--accel", "hvf"], "auto|kvm|tcg"),
            (["k", "--machine", "pc"], "microvm|q35|firecracker"),
            (["k", "--timeout", "0"], "positive"),
            (["k", "--timeout", "-1"], "positive"),
            (["k", "--timeout", "soon"], "positive"),
            (["k", "--net", "bridge"], "none|user|tap"),
            (["k", "--port", "80"], "HOST:GUEST"),
            (["k", "--port", "x:80"], "HOST:GUEST"),
            (["k", "--port", "80:80/sctp"], "/tcp or /udp"),
            (["k", "--port", "80:80/"], "/tcp or /udp"),
            (["k", "--port", "80:80/udp/udp"], "HOST:GUEST"),
            (["k", "--env", "NOEQUALS"], "K=V"),
            (["k", "--add", ":/x"], "HOST[:GUEST]"),
            (["k", "--bogus"], "unknown option"),
            (["k", "--mem"], "needs a value"),
            (["k", "extra"], "unexpected argument"),
            ([], "needs a FILE"),
            (["-v"], "needs a FILE"),
        ]
        for argv, want in cases:
            self.assertIn(want, bad(*argv), argv)

    def test_help(self):
        self.assertTrue(cli.parse_args(["--help"]).help)
        self.assertFalse(cli.parse_args(["app", "--", "--help"]).help)


class KindOptions(unittest.TestCase):
    def check(self, argv, kind):
        cfg = cli.parse_args(argv)
        cfg.kind = kind
        cli.check_kind_options(cfg)

    def refused(self, argv, kind):
        with self.assertRaises(common.UsageError) as cm:
            self.check(argv, kind)
        return str(cm.exception)

    def test_image_refuses_pvh_only_options(self):
        self.assertIn("not for a disk image", self.refused(["i", "--kernel-args", "x"], "image"))
        self.assertIn("q35 only", self.refused(["i", "--machine", "microvm"], "image"))
        self.check(["i", "--machine", "q35", "--mem", "64M"], "image")

    def test_kernel_takes_no_app_args(self):
        self.assertIn("--kernel-args", self.refused(["k", "--", "a"], "kernel"))

    def test_net_none(self):
        self.check(["k", "--net", "none"], "kernel")

    def test_net_and_port_forwards(self):
        for kind in ("kernel", "app", "image"):
            self.check(["k", "--net", "user", "--port", "8080:80"], kind)
            self.check(["k", "--net", "tap=tap0"], kind)
        for net in ([], ["--net", "none"], ["--net", "tap=tap0"]):
            self.assertIn("needs --net user",
                          self.refused(["k", "--port", "1:2"] + net, "kernel"), net)

    def test_disks(self):
        with tempfile.TemporaryDirectory() as d:
            img = os.path.join(d, "d.img")
            open(img, "w").close()
            self.assertEqual(cli.parse_args(["k", "--disk", img, "--disk", img + ",ro"]).disks,
                             [(img, False), (img, True)])
            for kind in ("kernel", "app", "image"):
                self.check(["k", "--disk", img, "--disk", img + ",ro"], kind)
            self.assertIn("no such file", self.refused(["k", "--disk", img + "x"], "app"))
            self.assertIn("a directory", self.refused(["k", "--disk", d], "app"))
            os.chmod(img, 0o444)
            if not os.access(img, os.W_OK):  # root writes anyway
                self.assertIn("not readable and writable",
                              self.refused(["k", "--disk", img], "app"))
                self.check(["k", "--disk", img + ",ro"], "app")
            with self.assertRaises(common.UsageError):
                cli.parse_args(["k", "--disk", ",ro"])

    def test_add_and_env_are_for_apps(self):
        for opt in (["--env", "A=B"], ["--add", "x"]):
            self.assertIn("for an app only", self.refused(["k"] + opt, "kernel"), opt)
            self.check(["a"] + opt, "app")
        self.assertIn("not for a disk image", self.refused(["i", "--add", "x"], "image"))
        # an image's app takes --env and -- args through fw_cfg
        self.check(["i", "--env", "A=B", "--", "x"], "image")

    def test_firecracker_not_installed(self):
        path = os.environ.get("PATH", "")
        os.environ["PATH"] = tempfile.gettempdir() + "/no-such-dir"
        try:
            self.assertEqual(self.refused(["k", "--machine", "firecracker"], "kernel"),
                             "firecracker not installed")
        finally:
            os.environ["PATH"] = path


class Main(unittest.TestCase):
    """Through main(): status 2, exactly one stderr line, QEMU not started."""

    def main(self, *argv):
        started = []
        real = cli.run_vm
        cli.run_vm = lambda *a, **k: started.append(a) or 0
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), \
                    contextlib.redirect_stdout(io.StringIO()):
                st = cli.main(list(argv))
        finally:
            cli.run_vm = real
        return st, err.getvalue(), started

    def test_usage_errors_are_one_line_and_start_nothing(self):
        for argv in ([], ["boot"], ["run"], ["run", "x", "--mem", "1M"],
                     ["run", "x", "--wat"], ["run", unum_tool.PATH, "--cpus", "99"]):
            st, err, started = self.main(*argv)
            self.assertEqual(st, 2, argv)
            self.assertEqual(err.count("\n"), 1, (argv, err))
            self.assertTrue(err.startswith("unum: "), err)
            self.assertEqual(started, [], argv)

    def test_missing_file_is_127(self):
        st, err, started = self.main("run", "/no/such/kernel")
        self.assertEqual((st, err, started), (127, "unum: /no/such/kernel: not found\n", []))

    def test_help_is_status_0(self):
        self.assertEqual(self.main("--help")[0], 0)
        self.assertEqual(self.main("run", "--help")[0], 0)


if __name__ == "__main__":
    unittest.main()
