#!/usr/bin/env python3
"""The seed corpora of the fuzz harnesses (tests/fuzz/README.md), written
at build time from real files: OUTDIR/NAME/ for each harness NAME.
- elf, pyunum_elf: the given programs (static musl, static glibc,
  static-PIE glibc builds of one tests/guest program), stripped;
- initrd: archives written by tools/unum's own writer (tools/pyunum/
  initrd.py): the app's initrd of the musl program, and one with an --add
  tree (folders, a symlink, an empty file);
- bootinfo: PVH start info as QEMU's PVH option ROM lays it out (start
  info, module list, e820 map from fw_cfg, command line) for microvm and
  q35, and multiboot2 information as GRUB writes it (load base, command
  line, loader name, module, basic meminfo, boot device, SeaBIOS's e820
  map, EGA text framebuffer, ACPI RSDP copy); the first byte chooses the
  protocol (tests/fuzz/bootinfo.c);
- cmdline: the kernel command lines of tests/run's boots, those
  tools/unum adds, and the virtio_mmio.device= words QEMU microvm adds;
- virtq: short operation programs (tests/fuzz/virtq.c's format).
Usage: tests/fuzz/seeds.py OUTDIR ELF..."""

import importlib.machinery
import importlib.util
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.dont_write_bytecode = True
from pyunum import initrd  # noqa: E402

PHYS_BASE = 0x100000  # where tests/fuzz/bootinfo.c's memory starts
NOW = 1700000000


def put(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def seeds_elf(out, elfs):
    for path in elfs:
        subprocess.run(["strip", "-o", os.path.join(out, os.path.basename(path)), path],
                       check=True)


def cpio(tree):
    with tempfile.TemporaryFile() as f:
        initrd.write_cpio(f, tree.members())
        f.seek(0)
        return f.read()


def seeds_initrd(out, elfs):
    musl = next(p for p in elfs if p.endswith("musl"))
    cfg = types.SimpleNamespace(file=musl, adds=[], args=["one", "two words"],
                                envs=["UNUM_TEST=yes", "HOME=/"])
    tree = initrd.initrd_tree(cfg, bytes(range(32)), NOW)
    tree.put(initrd.Entry(".unum/stdin", stat.S_IFREG | 0o600, NOW, data=b"input\n"),
             "tools/unum", ours=True)
    put(out, "app-musl.cpio", cpio(tree))
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "etc", "conf.d"))
        with open(os.path.join(d, "etc", "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n")
        open(os.path.join(d, "etc", "conf.d", "empty"), "w").close()
        os.symlink("../etc/hosts", os.path.join(d, "etc", "link"))
        tree = initrd.InitrdTree(NOW)
        initrd.add_host_path(tree, d, "/data")
        tree.put(initrd.Entry(".unum/argv", stat.S_IFREG | 0o600, NOW, data=b"/app/x\0"),
                 "tools/unum", ours=True)
        put(out, "add-tree.cpio", cpio(tree))


# --- boot information ---

E820_RAM, E820_RESERVED = 1, 2


def pvh(mem, e820, cmdline, initrd_len):
    """hvm_start_info v1 at PHYS_BASE, then the module list, the memory
    map and the command line, as QEMU's PVH option ROM fills it: the
    initrd at the top of RAM below 4 GiB, page aligned, RSDP in the BIOS
    area."""
    si_len, mod_len = 56, 32
    modlist = PHYS_BASE + si_len
    memmap = modlist + mod_len
    cmd = memmap + 24 * len(e820)
    initrd_at = (min(mem, 0xb0000000) - initrd_len) & ~0xfff
    blob = struct.pack("<IIIIQQQQII", 0x336ec578, 1, 0, 1, modlist, cmd, 0xf5ab0, memmap,
                       len(e820), 0)
    blob += struct.pack("<QQQQ", initrd_at, initrd_len, 0, 0)
    blob += b"".join(struct.pack("<QQII", a, n, t, 0) for a, n, t in e820)
    return b"\0" + blob + cmdline.encode() + b"\0"


def mb2_tag(kind, body):
    t = struct.pack("<II", kind, 8 + len(body)) + body
    return t + b"\0" * (-len(t) % 8)


def mb2(mem, cmdline):
    """The multiboot2 information GRUB 2.06 writes for tools/grub.cfg's
    entry on q35 with SeaBIOS (its e820 map), plus a module."""
    e820 = [(0, 0x9fc00, E820_RAM), (0x9fc00, 0x400, E820_RESERVED),
            (0xf0000, 0x10000, E820_RESERVED), (0x100000, mem - 0x100000 - 0x20000, E820_RAM),
            (mem - 0x20000, 0x20000, E820_RESERVED), (0xb0000000, 0x10000000, E820_RESERVED),
            (0xfed1c000, 0x4000, E820_RESERVED), (0xfeffc000, 0x4000, E820_RESERVED),
            (0xfffc0000, 0x40000, E820_RESERVED)]
    rsdp = b"RSD PTR " + bytes([0x4e]) + b"BOCHS " + b"\0" + struct.pack("<I", 0x7fe2000)
    tags = [mb2_tag(21, struct.pack("<I", 0x200000)),
            mb2_tag(1, cmdline.encode() + b"\0"),
            mb2_tag(2, b"GRUB 2.06-13+deb12u1\0"),
            mb2_tag(3, struct.pack("<II", 0x11d000, 0x11d000 + 43444) + b"/boot/initrd.cpio\0"),
            mb2_tag(4, struct.pack("<II", 639, (mem >> 10) - 1024 - 128)),
            mb2_tag(5, struct.pack("<III", 0xe0, 0xffffffff, 0xffffffff)),
            mb2_tag(6, struct.pack("<II", 24, 0)
                    + b"".join(struct.pack("<QQII", a, n, t, 0) for a, n, t in e820)),
            mb2_tag(8, struct.pack("<QIIIBBH", 0xb8000, 160, 80, 25, 16, 2, 0)),
            mb2_tag(14, rsdp),
            mb2_tag(0, b"")]
    body = b"".join(tags)
    return b"\1" + struct.pack("<II", 8 + len(body), 0) + body


def seeds_bootinfo(out, elfs):
    mem = 128 << 20
    put(out, "pvh-microvm", pvh(mem, [(0, mem, E820_RAM)],
                                "virtio_mmio.device=512@0xfeb00e00:12 loglevel=7", 43444))
    put(out, "pvh-q35", pvh(mem, [(0, mem, E820_RAM), (0xfeffc000, 0x4000, E820_RESERVED),
                                  (0xb0000000, 0x10000000, E820_RESERVED)],
                            "test.cpus=2 test.tables=acpi", 43444))
    put(out, "mb2-grub", mb2(mem, ""))
    put(out, "mb2-grub-args", mb2(1 << 30, "tty tty.in tty.rows=24 tty.cols=80"))


def load_tests_run():
    path = os.path.join(ROOT, "tests", "run")
    loader = importlib.machinery.SourceFileLoader("tests_run", path)
    spec = importlib.util.spec_from_loader("tests_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def seeds_cmdline(out, elfs):
    run = load_tests_run()
    lines = [k for _, _, k in run.GUEST_CONFIGS + run.DEVICE_CONFIGS]
    microvm = ("virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=512@0xfeb00c00:11 "
               "virtio_mmio.device=512@0xfeb00a00:10")
    lines += [microvm, microvm + " tty tty.in tty.err tty.rows=50 tty.cols=132",
              'hostname="my host" loglevel=3 quiet strace', "test.only=virtio_rng "
              "test.rngseed=11 test.virtio=mmio-v1 virtio_mmio.device=4K@0xd0000000:5:1"]
    for i, line in enumerate(lines):
        put(out, f"line{i:02}", line.encode())


def seeds_virtq(out, elfs):
    # header: size 16 (3), EVENT_IDX (8), indirect (16); add, kick, device
    # completes, driver takes; then lies: a bad id, idx jumping ahead
    put(out, "honest", bytes([3 | 8 | 16, 0x10, 1, 0x30, 2, 1, 3, 0, 0x10, 3, 0, 0x20, 2]))
    put(out, "plain", bytes([2, 0x70, 3, 0, 1, 1, 3, 0, 5, 0, 7, 8, 2, 9, 1, 0, 2, 0]))
    put(out, "lies", bytes([4 | 8, 0, 0, 1, 4, 0x40, 0, 0, 0x10, 0, 2, 6, 0x20, 0, 2, 0, 1, 1,
                            3, 0, 0xff, 0xff, 2]))


GENERATORS = {"elf": seeds_elf, "pyunum_elf": seeds_elf, "initrd": seeds_initrd,
              "bootinfo": seeds_bootinfo, "cmdline": seeds_cmdline, "virtq": seeds_virtq}


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir, elfs = argv[0], argv[1:]
    for name, gen in GENERATORS.items():
        d = os.path.join(outdir, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        gen(d, elfs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
