#!/usr/bin/env python3
# tools/unum image, the parts that are pure logic: its command line (-o,
# the options it shares with run, the run options it refuses), the words
# GRUB passes to the kernel unchanged, the generated grub.cfg, and the xz
# dictionary size. Run: python3 tests/unit/test_unum_image.py (silent on
# success). Whole images are built and booted by tests/e2e/image-*.sh.

import os
import sys
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import cli, common, image  # noqa: E402


def bad(*argv):
    with unittest.TestCase().assertRaises(common.UsageError) as cm:
        cli.parse_image_args(list(argv))
    return str(cm.exception)


class Parse(unittest.TestCase):
    def test_minimal(self):
        out, c = cli.parse_image_args(["-o", "a.img", "prog"])
        self.assertEqual((out, c.file, c.args, c.adds, c.envs, c.kernel_args),
                         ("a.img", "prog", [], [], [], None))

    def test_any_order_and_both_forms(self):
        out, c = cli.parse_image_args(
            ["--env=A=1", "prog", "--output=x.img", "--add", "d/:/data",
             "--kernel-args", "loglevel=3 quiet", "-v", "--", "-o", "y", "--mem"])
        self.assertEqual(out, "x.img")
        self.assertEqual(c.file, "prog")
        self.assertEqual(c.envs, ["A=1"])
        self.assertEqual(c.adds, [("d/", "/data")])
        self.assertEqual(c.kernel_args, "loglevel=3 quiet")
        self.assertTrue(c.verbose)
        self.assertEqual(c.args, ["-o", "y", "--mem"])  # the app's, untouched

    def test_option_value_that_looks_like_an_option(self):
        out, c = cli.parse_image_args(["-o", "-x.img", "--kernel-args", "-o",
                                        "prog"])
        self.assertEqual((out, c.kernel_args, c.file), ("-x.img", "-o", "prog"))

    def test_usage_errors(self):
        self.assertIn("needs -o IMAGE", bad("prog"))
        self.assertIn("image: needs a FILE", bad("-o", "a.img"))
        self.assertIn("-o: needs a value", bad("prog", "-o"))
        self.assertIn("empty output path", bad("-o", "", "prog"))
        self.assertIn("given twice", bad("-o", "a", "-o", "b", "prog"))
        self.assertIn("unknown option", bad("-o", "a", "--bogus", "prog"))
        self.assertIn("unexpected argument", bad("-o", "a", "prog", "more"))
        self.assertIn("--env x: expected K=V", bad("-o", "a", "--env", "x", "p"))

    def test_run_options_refused_by_name(self):
        for opt in ["--mem", "--cpus", "--accel", "--machine", "--timeout",
                    "--net", "--port", "--disk", "--cpu", "--qemu"]:
            msg = bad("-o", "a.img", opt, "1", "prog")
            self.assertTrue(msg.startswith(f"{opt}: a run option"), msg)
            msg = bad("-o", "a.img", f"{opt}=1", "prog")
            self.assertTrue(msg.startswith(f"{opt}: a run option"), msg)

    def test_help(self):
        out, c = cli.parse_image_args(["--help"])
        self.assertTrue(c.help)


class GrubWords(unittest.TestCase):
    def test_split_on_whitespace(self):
        self.assertEqual(image.grub_words(None), [])
        self.assertEqual(image.grub_words("  a=1\tb  c=x,y/z "), ["a=1", "b", "c=x,y/z"])

    def test_what_grub_would_change_is_refused(self):
        for w in ['a="b"', "a='b'", "a\\b", "a\x01b", "a\x7fb"]:
            with self.assertRaises(common.UsageError, msg=w) as cm:
                image.grub_words(w)
            self.assertIn("--kernel-args", str(cm.exception))

    def test_grub_script_characters_are_fine_in_quotes(self):
        self.assertEqual(image.grub_words("a=$x;b{c}|d&e#f"), ["a=$x;b{c}|d&e#f"])


class GrubCfg(unittest.TestCase):
    def lines(self, words):
        return [ln.strip() for ln in image.grub_cfg(words).splitlines()]

    def test_boot_lines(self):
        ls = self.lines([])
        self.assertIn("set timeout=0", ls)
        self.assertIn("set timeout_style=hidden", ls)
        self.assertIn("if multiboot2 /boot/kernel.elf; then", ls)
        self.assertIn("if module2 /boot/initrd.cpio.xz; then", ls)
        self.assertLess(ls.index("if multiboot2 /boot/kernel.elf; then"),
                        ls.index("if module2 /boot/initrd.cpio.xz; then"))
        self.assertIn("boot", ls)

    def test_kernel_words_single_quoted(self):
        ls = self.lines(["loglevel=3", "a=$x;b"])
        self.assertIn("if multiboot2 /boot/kernel.elf 'loglevel=3' 'a=$x;b'; then", ls)

    def test_no_serial_output_unless_loading_fails(self):
        # COM1 is the app's stdout: GRUB may use it only after a failure
        ls = self.lines([])
        serial = ls.index("terminal_output serial")
        self.assertGreater(serial, ls.index("fi"))
        self.assertEqual(ls[-2:], ["halt", "}"])
        self.assertTrue(any(ln.startswith('echo "unum: grub: cannot load')
                            for ln in ls[serial:]))

    def test_modules_cover_the_commands_used(self):
        used = {"multiboot2", "serial", "terminal", "echo", "halt", "xzio",
                "normal", "configfile"}
        self.assertEqual(set(image.GRUB_MODULES.split()), used)

    def test_refuses_unsafe_words(self):
        with self.assertRaises(common.UsageError):
            image.grub_cfg(["a'b"])


class XzDict(unittest.TestCase):
    def test_sizes(self):
        self.assertEqual(image.xz_dict_size(0), 1 << 16)
        self.assertEqual(image.xz_dict_size(35000), 1 << 16)
        self.assertEqual(image.xz_dict_size((1 << 16) + 1), 1 << 17)
        self.assertEqual(image.xz_dict_size(3 << 20), 4 << 20)
        self.assertEqual(image.xz_dict_size(1 << 40), 1 << 26)


class Tmp(unittest.TestCase):
    def test_temporary_file_beside_the_output(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "a.img")
            fd, path = image._image_tmp(out)
            os.close(fd)
            self.assertEqual(os.path.dirname(path), d)
            self.assertTrue(os.path.basename(path).startswith(".a.img."))
            with self.assertRaises(common.RunError) as cm:
                image._image_tmp(d)
            self.assertEqual(cm.exception.status, 1)


if __name__ == "__main__":
    unittest.main(buffer=True, verbosity=0)
