# tools/unum image: one bootable disk image (GRUB, the kernel, the app's
# initrd as a multiboot2 module). Its command line is cli.py's. Tests:
# tests/unit/test_unum_image.py, tests/e2e/image-*.sh.

import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from . import formats
from .common import EXIT_NOEXEC, RunError, UsageError
from .elf import classify_file
from .initrd import (CPIO_MAX, app_kernel, check_arg_limits, initrd_tree,
                     write_cpio)


EXIT_IMAGE = 1  # the image could not be made (output, kernel, GRUB tools)
GRUB_PC_DIR = "/usr/lib/grub/i386-pc"
# GRUB modules the image needs besides what grub-mkrescue always puts in
# (biosdisk, iso9660): xzio undoes the module's compression at load time,
# so the kernel gets the plain cpio, as from -initrd; serial and halt are
# for the failure path of grub_cfg.
GRUB_MODULES = "multiboot2 normal configfile serial terminal echo halt xzio"
IMAGE_KERNEL = "/boot/kernel.elf"
IMAGE_INITRD = "/boot/initrd.cpio.xz"
# A word GRUB passes through unchanged: its loader command line escapes
# \ ' and " with a backslash (the kernel would see them), and control
# characters would end or break the grub.cfg line.
GRUB_WORD_RE = re.compile(r"[^\\'\"\x00-\x20\x7f]+")


def grub_words(kernel_args):
    """--kernel-args text -> its words, each of which GRUB hands to the
    kernel unchanged. UsageError for a word it would alter."""
    words = (kernel_args or "").split()
    for w in words:
        if not GRUB_WORD_RE.fullmatch(w):
            raise UsageError(f"--kernel-args: {w!r}: quotes, backslashes "
                             "and control characters cannot go through "
                             "GRUB unchanged")
    return words


def grub_cfg(words):
    """The image's grub.cfg: boot at once, menu hidden, the kernel with
    `words` as its command line and the initrd as its one module. GRUB
    writes nothing on the serial port unless loading fails: COM1 is the
    app's stdout, and plain QEMU shows only COM1. On a failure it says so
    on COM1 and powers off rather than wait at its menu forever."""
    args = "".join(f" '{w}'" for w in grub_words(" ".join(words)))
    return (
        "# Made by tools/unum image: the unum kernel and the app's initrd.\n"
        "set timeout=0\n"
        "set timeout_style=hidden\n"
        'menuentry "unum" {\n'
        f"\tif multiboot2 {IMAGE_KERNEL}{args}; then\n"
        f"\t\tif module2 {IMAGE_INITRD}; then\n"
        "\t\t\tboot\n"
        "\t\tfi\n"
        "\tfi\n"
        "\tserial --unit=0 --speed=115200\n"
        "\tterminal_output serial\n"
        f'\techo "unum: grub: cannot load {IMAGE_KERNEL} or '
        f'{IMAGE_INITRD}"\n'
        "\thalt\n"
        "}\n")


def xz_dict_size(n):
    """LZMA2 dictionary for n bytes: no larger than the data needs (GRUB's
    xzio allocates all of it at load time), at least 64 KiB, at most
    64 MiB."""
    size = 1 << 16
    while size < n and size < 1 << 26:
        size <<= 1
    return size


def image_kernel():
    """The kernel baked into an image: app_kernel's, with status 1 for a
    missing one (there is no guest whose panic it could be)."""
    try:
        return app_kernel()
    except RunError as e:
        raise RunError(EXIT_IMAGE, str(e).removeprefix("panic: "))


def _image_tools():
    for tool, pkg in [("grub-mkrescue", "grub-common"), ("xorriso", "xorriso"),
                      ("strip", "binutils")]:
        if not shutil.which(tool):
            raise RunError(EXIT_IMAGE, f"{tool} not found (Debian package "
                           f"{pkg}; tools/deps.sh installs it)")
    if not os.path.isdir(GRUB_PC_DIR):
        raise RunError(EXIT_IMAGE, f"{GRUB_PC_DIR} not found (Debian "
                       "package grub-pc-bin)")


def _image_tmp(out):
    """A new file beside out (same folder: the final rename is atomic and
    never crosses file systems) -> (fd, path). RunError 1 when the folder
    cannot take it."""
    folder = os.path.dirname(out) or "."
    if os.path.isdir(out):
        raise RunError(EXIT_IMAGE, f"{out}: is a directory")
    try:
        # the name cut short: the temporary name must fit NAME_MAX too
        return tempfile.mkstemp(prefix=f".{os.path.basename(out)[:200]}.",
                                suffix=".tmp", dir=folder)
    except OSError as e:
        raise RunError(EXIT_IMAGE, f"{out}: cannot write: {e.strerror}")


def strip_kernel(kernel, dst):
    r = subprocess.run(["strip", "-o", dst, kernel], capture_output=True,
                       text=True)
    if r.returncode:
        raise RunError(EXIT_IMAGE, f"strip {kernel}: "
                       f"{r.stderr.strip() or 'failed'}")


def write_initrd(cfg, cpio):
    """The same archive as run's, without stdin: the image has no host to
    read one from. Its seed is fixed at build time; the kernel mixes in
    per-boot noise (random_init, drivers/random.c), so boots do not repeat
    each other. -> its size."""
    now = min(int(time.time()), CPIO_MAX)
    tree = initrd_tree(cfg, os.urandom(32), now)
    with open(cpio, "wb") as f:
        return write_cpio(f, tree.members())


def build_image(cfg, out, kernel, stage, tmp):
    """Fill the folder `stage` (boot/kernel.elf stripped, boot/initrd.cpio.xz,
    boot/grub/grub.cfg) and have grub-mkrescue write the image to tmp.
    -> initrd size before compression."""
    boot = os.path.join(stage, "boot")
    os.makedirs(os.path.join(boot, "grub"))
    with open(os.path.join(boot, "grub", "grub.cfg"), "w") as f:
        f.write(grub_cfg(grub_words(cfg.kernel_args)))
    strip_kernel(kernel, os.path.join(boot, "kernel.elf"))
    cpio = os.path.join(stage, "initrd.cpio")
    size = write_initrd(cfg, cpio)
    filters = [{"id": lzma.FILTER_LZMA2, "preset": 6,
                "dict_size": xz_dict_size(size)}]
    with open(cpio, "rb") as src, lzma.open(
            os.path.join(stage, IMAGE_INITRD.lstrip("/")), "wb",
            format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32,
            filters=filters) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    os.unlink(cpio)
    log = os.path.join(os.path.dirname(stage), "grub-mkrescue.log")
    with open(log, "w") as f:
        r = subprocess.run(
            ["grub-mkrescue", "-d", GRUB_PC_DIR,
             f"--install-modules={GRUB_MODULES}", "--fonts=", "--locales=",
             "--themes=", "--compress=xz", "-o", tmp, stage],
            stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode:
        with open(log) as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        why = lines[-1] if lines else f"status {r.returncode}"
        raise RunError(EXIT_IMAGE, f"grub-mkrescue failed: {why}")
    return size


def image(out, cfg):
    """Write the image `out` for cfg (cli.parse_image_args') -> 0, or
    RunError / UsageError with nothing left behind."""
    kind = classify_file(cfg.file)
    if kind != "app":
        what = {"kernel": "a unum kernel", "image": "a disk image"}[kind]
        raise RunError(EXIT_NOEXEC, f"{cfg.file}: {what}, not a Linux "
                       "program (image packs an app with the kernel)")
    check_arg_limits(cfg)
    grub_words(cfg.kernel_args)  # a usage error before anything is written
    kernel = image_kernel()
    fmt = cfg.image_format
    if fmt in ("raw", "qcow2"):
        _image_tools()
    fd, tmp = _image_tmp(out)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        os.close(fd)
        with tempfile.TemporaryDirectory(prefix="unum-image-") as work:
            stage = os.path.join(work, "iso")
            try:
                if fmt == "raw":
                    size = build_image(cfg, out, kernel, stage, tmp)
                elif fmt == "qcow2":
                    raw = os.path.join(work, "raw.img")
                    size = build_image(cfg, out, kernel, stage, raw)
                    formats.qcow2(raw, tmp)
                else:
                    k = os.path.join(work, "kernel.elf")
                    strip_kernel(kernel, k)
                    cpio = os.path.join(work, "initrd.cpio")
                    size = write_initrd(cfg, cpio)
                    formats.write_config(cfg, out, tmp, k, cpio)
            except OSError as e:
                where = e.filename or tempfile.gettempdir()
                raise RunError(EXIT_IMAGE, f"{where}: {e.strerror}")
        os.rename(tmp, out)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if cfg.verbose and fmt in ("libvirt", "firecracker"):
        print(f"unum: {out}: a {fmt} config; beside it "
              f"{' and '.join(formats.companions(out))} ({size}-byte "
              "initrd)", file=sys.stderr)
    elif cfg.verbose:
        print(f"unum: {out}: {os.path.getsize(out)} bytes ({fmt}): GRUB, {kernel} "
              f"(stripped), /app/{os.path.basename(cfg.file)} in a "
              f"{size}-byte initrd", file=sys.stderr)
    return 0


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
