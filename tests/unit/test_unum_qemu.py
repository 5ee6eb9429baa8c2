#!/usr/bin/env python3
# tools/unum before QEMU starts: what FILE is (PVH kernel, app, disk image,
# 126/127), which accelerator (PVM never counts) and the QEMU command line.
# Run: python3 tests/unit/test_unum_qemu.py (silent on success).

import os
import sys
import struct
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the tree
import unum_tool  # noqa: E402,F401 (sys.path)
from pyunum import cli, common, elf, qemu  # noqa: E402


def elf64(notes=b"", note_align=4, load=False):
    """A minimal ELF64 x86-64 header, one PT_NOTE holding `notes` if any,
    and a PT_LOAD of the whole file if `load` (an app needs one)."""
    phnum = (1 if notes else 0) + load
    eh = (b"\x7fELF\x02\x01\x01" + b"\0" * 9 +
          struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x400000, 64, 0, 0, 64,
                      56, phnum, 64, 0, 0))
    ph = struct.pack("<IIQQQQQQ", 4, 4, 64 + 56 * phnum, 0, 0, len(notes),
                     len(notes), note_align) if notes else b""
    size = 64 + 56 * phnum + len(notes)
    if load:
        ph += struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, size,
                          size, 0x1000)
    return eh + ph + notes


def note(name, typ, desc):
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name), len(desc), typ) + pad(name) + pad(desc)


class Classify(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def kind(self, data):
        path = os.path.join(self.dir.name, "f")
        with open(path, "wb") as f:
            f.write(data)
        return elf.classify_file(path)

    def status(self, data):
        with self.assertRaises(common.RunError) as cm:
            self.kind(data)
        return cm.exception.status, str(cm.exception)

    def test_pvh_kernel(self):
        pvh = note(b"Xen\0", 18, struct.pack("<I", 0x100000))
        self.assertEqual(self.kind(elf64(pvh)), "kernel")
        gnu = note(b"GNU\0", 1, b"\0" * 16)
        self.assertEqual(self.kind(elf64(gnu + pvh)), "kernel")

    def test_other_elf_is_an_app(self):
        self.assertEqual(self.kind(elf64(load=True)), "app")
        self.assertEqual(self.kind(elf64(note(b"Xen\0", 17, b"abcd"), load=True)), "app")
        # (what makes an ELF an app or not: test_unum_appelf.py)

    def test_disk_image(self):
        part = struct.pack("<B3xB3xII", 0x80, 0x83, 1, 16)
        mbr = b"\xeb\x63" + b"\0" * 444 + part + b"\0" * 48 + b"\x55\xaa"
        self.assertEqual(self.kind(mbr + b"\0" * 512), "image")
        # the boot signature alone is not enough
        for data, why in ((b"\0" * 510 + b"\x55\xaa" + b"\0" * 512, "no boot loader"),
                          (b"\xeb\x63" + b"\0" * 508 + b"\x55\xaa", "no valid partition table"),
                          (mbr, "no valid partition table")):
            status, msg = self.status(data)
            self.assertEqual(status, 126)
            self.assertIn("not a bootable disk image (" + why, msg)

    def test_unusable(self):
        self.assertEqual(self.status(b""), (126, self.path() + ": empty file"))
        self.assertEqual(self.status(b"#!/bin/sh\n")[0], 126)
        self.assertIn("not an ELF or a disk image", self.status(b"hello")[1])
        self.assertIn("truncated", self.status(b"\x7fELF\x02\x01")[1])
        self.assertIn("truncated", self.status(elf64(note(b"Xen\0", 18, b"1234"))[:130])[1])

    def test_not_found_and_directory(self):
        with self.assertRaises(common.RunError) as cm:
            elf.classify_file(self.path() + ".missing")
        self.assertEqual(cm.exception.status, 127)
        self.assertTrue(str(cm.exception).endswith(": not found"))
        with self.assertRaises(common.RunError) as cm:
            elf.classify_file(self.dir.name)
        self.assertEqual(cm.exception.status, 126)

    def path(self):
        return os.path.join(self.dir.name, "f")


class Accel(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.sys = os.path.join(self.dir.name, "module")
        self.dev = os.path.join(self.dir.name, "kvm")
        os.mkdir(self.sys)

    def tearDown(self):
        self.dir.cleanup()

    def choose(self, requested):
        return qemu.choose_accel(requested, self.sys, self.dev)

    def test_pvm_is_never_used(self):
        os.mkdir(os.path.join(self.sys, "kvm_pvm"))
        open(self.dev, "w").close()
        accel, line = self.choose("auto")
        self.assertEqual(accel, "tcg")
        self.assertEqual(line, f"unum: accel tcg (no hardware KVM: {self.dev} is kvm_pvm)")
        with self.assertRaises(common.UsageError):
            self.choose("kvm")

    def test_hardware_kvm(self):
        os.mkdir(os.path.join(self.sys, "kvm_intel"))
        self.assertEqual(self.choose("auto")[0], "tcg")  # no device yet
        open(self.dev, "w").close()
        self.assertEqual(self.choose("auto"), ("kvm", f"unum: accel kvm (kvm_intel, {self.dev})"))
        self.assertEqual(self.choose("kvm")[0], "kvm")
        self.assertEqual(self.choose("tcg"), ("tcg", "unum: accel tcg (--accel tcg)"))


class Command(unittest.TestCase):
    def cfg(self, *argv, kind="kernel", tty=False):
        c = cli.parse_args(["k.elf"] + list(argv))
        c.kind, c.kernel, c.tty = kind, "k.elf", tty
        return c

    def cmd(self, cfg, accel="tcg"):
        return qemu.build_qemu_command(cfg, accel, "/dev/fd/7", "/dev/fd/8")

    def after(self, cmd, opt):
        return cmd[cmd.index(opt) + 1]

    def test_microvm_tcg(self):
        cmd = self.cmd(self.cfg("--kernel-args", "a=1"))
        self.assertEqual(self.after(cmd, "-M"), "microvm,acpi=off")
        self.assertEqual(self.after(cmd, "-cpu"), "max")
        self.assertEqual(self.after(cmd, "-accel"), "tcg")
        self.assertEqual(self.after(cmd, "-m"), "128M")
        self.assertEqual(self.after(cmd, "-kernel"), "k.elf")
        self.assertEqual(self.after(cmd, "-append"), "a=1")
        for want in ("isa-serial,chardev=com1,iobase=0x3f8,irq=4",
                     "isa-serial,chardev=com2,iobase=0x2f8,irq=3",
                     "isa-debug-exit,iobase=0xf4,iosize=4",
                     "file,id=com1,path=/dev/fd/7", "-no-reboot", "-nodefaults"):
            self.assertIn(want, cmd)

    def test_kvm_cpu_model_and_tty(self):
        cmd = self.cmd(self.cfg("--machine", "q35", "--cpus", "4", "--mem", "1G",
                                tty=True), accel="kvm")
        self.assertEqual((self.after(cmd, "-M"), self.after(cmd, "-cpu"),
                          self.after(cmd, "-smp"), self.after(cmd, "-m"),
                          self.after(cmd, "-append")), ("q35", "host", "4", "1024M", "tty"))
        cmd = self.cmd(self.cfg("--cpu", "qemu64"))
        self.assertEqual(self.after(cmd, "-cpu"), "qemu64")
        self.assertNotIn("-append", self.cmd(self.cfg()))

    def test_interactive_terminal(self):
        # stdin a terminal: COM1 is a socket (keys in, output out), and
        # the kernel learns which fds are terminals and the window size
        c = self.cfg("--kernel-args", "a=1", tty=True)
        c.tty_in, c.tty_err, c.winsize = True, True, (33, 101)
        cmd = qemu.build_qemu_command(c, "tcg", "/dev/fd/7", "/dev/fd/8", 9)
        self.assertIn("socket,id=com1,fd=9", cmd)
        self.assertNotIn("file,id=com1,path=/dev/fd/7", cmd)
        self.assertEqual(self.after(cmd, "-append"),
                         "a=1 tty tty.in tty.err tty.rows=33 tty.cols=101")

    def test_image_boots_from_disk_on_q35(self):
        c = self.cfg(kind="image")
        c.file = "u.img"
        cmd = self.cmd(c)
        self.assertEqual(self.after(cmd, "-M"), "q35")
        self.assertEqual(self.after(cmd, "-drive"), "file=u.img,format=raw")
        self.assertNotIn("-kernel", cmd)

    def test_image_overrides_through_fw_cfg(self):
        # -- args and --env of a disk image: JSON arrays in fw_cfg files,
        # commas doubled for QEMU's option syntax
        c = self.cfg("--env", "A=1,2", "--env", "B=", "--", "x y", 'q"', "é",
                     kind="image")
        c.file = "u.img"
        cmd = self.cmd(c)
        words = [cmd[i + 1] for i, w in enumerate(cmd) if w == "-fw_cfg"]
        self.assertEqual(words, [
            'name=opt/unum/args,string=["x y",, "q\\"",, "\\u00e9"]',
            'name=opt/unum/env,string=["A=1,,2",, "B="]'])
        c = self.cfg(kind="image")
        c.file = "u.img"
        self.assertNotIn("-fw_cfg", self.cmd(c))

    def test_net_user_with_forwards_on_localhost(self):
        cmd = self.cmd(self.cfg("--net", "user", "--port", "8080:80", "--port", "2222:22",
                                "--port", "5353:53/udp"))
        self.assertEqual(self.after(cmd, "-netdev"),
                         "user,id=n0,hostfwd=tcp:127.0.0.1:8080-:80,"
                         "hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:127.0.0.1:5353-:53")
        self.assertIn("virtio-net-device,netdev=n0", cmd)
        cmd = self.cmd(self.cfg("--net", "user", "--machine", "q35"))
        self.assertEqual(self.after(cmd, "-netdev"), "user,id=n0")
        self.assertIn("virtio-net-pci,netdev=n0", cmd)
        c = self.cfg("--net", "user", kind="image")
        c.file = "u.img"
        self.assertIn("virtio-net-pci,netdev=n0", self.cmd(c))

    def test_net_tap_and_none(self):
        cmd = self.cmd(self.cfg("--net", "tap=tap7"))
        self.assertEqual(self.after(cmd, "-netdev"),
                         "tap,id=n0,ifname=tap7,script=no,downscript=no")
        self.assertIn("virtio-net-device,netdev=n0", cmd)
        self.assertNotIn("-netdev", self.cmd(self.cfg()))
        self.assertNotIn("-netdev", self.cmd(self.cfg("--net", "none")))

    def test_disks_on_each_transport(self):
        cmd = self.cmd(self.cfg("--disk", "a,b.img", "--disk", "c.img,ro",
                                "--qemu", "-global"))
        self.assertEqual([cmd[i + 1] for i, w in enumerate(cmd) if w == "-drive"],
                         ["file=a,,b.img,format=raw,if=none,id=disk0",
                          "file=c.img,format=raw,if=none,id=disk1,readonly=on"])
        self.assertEqual([cmd[i + 1] for i, w in enumerate(cmd) if w == "-device"][-2:],
                         ["virtio-blk-device,drive=disk0", "virtio-blk-device,drive=disk1"])
        self.assertEqual(cmd[-1], "-global")  # --qemu words still last
        cmd = self.cmd(self.cfg("--disk", "a.img", "--machine", "q35"))
        self.assertIn("virtio-blk-pci,drive=disk0", cmd)
        c = self.cfg("--disk", "a.img", kind="image")
        c.file = "u.img"
        cmd = self.cmd(c)  # the boot disk first
        self.assertEqual(self.after(cmd, "-drive"), "file=u.img,format=raw")
        self.assertIn("virtio-blk-pci,drive=disk0", cmd)

    def test_qemu_words_come_last_verbatim(self):
        cmd = self.cmd(self.cfg("--qemu", "-device", "--qemu=virtio-rng-device,a=b"))
        self.assertEqual(cmd[-2:], ["-device", "virtio-rng-device,a=b"])


if __name__ == "__main__":
    unittest.main()
