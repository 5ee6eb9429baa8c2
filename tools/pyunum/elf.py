# What FILE is: a unum kernel (an ELF with a PVH note), a runnable x86-64
# Linux program (static, static-PIE, glibc or musl dynamic) or a disk image;
# and why not, as execve or our loader would refuse it (DESIGN.md's exit
# statuses 126 and 127). Tests: tests/unit/test_unum_appelf.py, _qemu.py.

import os
import posixpath
import stat
import struct
import zlib

from .common import EXIT_NOEXEC, EXIT_NOTFOUND, RunError


class Truncated(Exception):
    """A part of an ELF lies past the end of the file; the text (may be
    empty) says which."""


class NotRunnable(Exception):
    """An ELF that execve (or our loader) refuses: the text is the reason."""


ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4
PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = 1, 2, 3, 4
DT_NULL, DT_FLAGS_1, DF_1_PIE = 0, 0x6FFFFFFB, 0x08000000
EM_X86_64 = 62
ELF_MACHINES = {2: "SPARC", 3: "Intel 80386", 8: "MIPS", 20: "PowerPC",
                21: "PowerPC64", 22: "IBM S/390", 40: "ARM", 42: "SuperH",
                43: "SPARC V9", 50: "IA-64", 62: "x86-64",
                183: "ARM aarch64", 243: "RISC-V", 258: "LoongArch"}
ELF_TYPES = {ET_REL: "a relocatable object file", ET_CORE: "a core dump"}
# PT_INTERPs the loader takes (DESIGN.md, Loader), by base name so that
# /lib64/, /lib/x86_64-linux-gnu/, merged-/usr and Nix store paths all count.
INTERPRETERS = {"ld-linux-x86-64.so.2": "glibc", "ld-musl-x86_64.so.1": "musl"}


def _read_at(f, off, n, what=""):
    """n bytes at off, or Truncated(what) when they are not all in the file
    (offsets of any size: no seek past what the OS takes)."""
    if off + n > os.fstat(f.fileno()).st_size:
        raise Truncated(what)
    f.seek(off)
    data = f.read(n)
    if len(data) != n:
        raise Truncated(what)
    return data


def pvh_note_in(f):
    """True when the ELF file f has a PT_NOTE holding a Xen note of type 18
    (XEN_ELFNOTE_PHYS32_ENTRY). ELF32 or ELF64, little-endian; Truncated
    when a header or note lies past the end of the file."""
    eh = _read_at(f, 0, 0x40 if _read_at(f, 4, 1) == b"\2" else 0x34,
                  "header")
    if eh[4] == 2:
        phoff, = struct.unpack_from("<Q", eh, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", eh, 0x36)
        phfmt = "<IIQQQQQQ"
    else:
        phoff, = struct.unpack_from("<I", eh, 0x1C)
        phentsize, phnum = struct.unpack_from("<HH", eh, 0x2A)
        phfmt = "<8I"
    if phnum and phentsize < struct.calcsize(phfmt) or \
            phnum * phentsize > 65536:
        return False  # no kernel of ours; app_elf_kind says what is wrong
    for i in range(phnum):
        ph = struct.unpack_from(phfmt, _read_at(
            f, phoff + i * phentsize, phentsize,
            "program headers past the end of the file: "
            "e_phoff + e_phnum * e_phentsize"))
        if eh[4] == 2:
            typ, _, poff, _, _, psz, _, palign = ph
        else:
            typ, poff, _, _, psz, _, _, palign = ph
        if typ == PT_NOTE and psz < 1 << 20 and _notes_have_pvh(
                _read_at(f, poff, psz, "PT_NOTE past the end of the file"),
                palign):
            return True
    return False


def _notes_have_pvh(notes, align):
    align = 8 if align == 8 else 4
    pad = lambda n: (n + align - 1) & ~(align - 1)
    i = 0
    while i + 12 <= len(notes):
        namesz, descsz, typ = struct.unpack_from("<III", notes, i)
        name = notes[i + 12:i + 12 + namesz].rstrip(b"\0")
        if name == b"Xen" and typ == 18:
            return True
        i += 12 + pad(namesz) + pad(descsz)
    return False


def _classify_elf(f, head):
    """-> "kernel" or "app" for a file that starts with the ELF magic (head:
    its first bytes). NotRunnable or Truncated otherwise. A PVH note makes a
    kernel whatever its class (a 32-bit kernel boots too); anything else must
    be an x86-64 ELF64 program."""
    if len(head) < 20:
        raise Truncated("header")
    cls, data = head[4], head[5]
    if cls not in (1, 2) or data not in (1, 2):
        raise NotRunnable(f"not a valid ELF (class {cls}, encoding {data})")
    machine, = struct.unpack_from("<H" if data == 1 else ">H", head, 18)
    truncated = None
    try:
        if data == 1 and pvh_note_in(f):
            return "kernel"
    except Truncated as e:
        truncated = e  # said after the architecture, which matters more
    if (cls, data, machine) != (2, 1, EM_X86_64):
        arch = ELF_MACHINES.get(machine, f"machine {machine}")
        arch += ", 32-bit" if cls == 1 else ""
        arch += ", big-endian" if data == 2 else ""
        raise NotRunnable(f"ELF for another architecture ({arch})")
    if truncated:
        raise truncated
    app_elf_kind(f)
    return "app"


# Where the kernel's loader (loader/elf.c) puts an app: a static-PIE at
# PIE_BASE, every PT_LOAD between Linux's mmap_min_addr and the bottom of
# the mmap area (include/vma.h: APP_MMAP_BOTTOM, APP_MMAP_TOP).
PIE_BASE = 0x555555554000
APP_MMAP_BOTTOM = 0x10000
APP_MMAP_TOP = 0x7FFFFFFFF000 - (8 << 20) - (1 << 30)
PAGE_SIZE = 4096
PATH_MAX = 4096
SEG_NAMES = {PT_LOAD: "PT_LOAD", PT_INTERP: "PT_INTERP",
             PT_DYNAMIC: "PT_DYNAMIC"}


def app_elf_kind(f):
    """What the loader (DESIGN.md) makes of the x86-64 ELF64 file f:
    "static", "static-pie", "dynamic (glibc)" or "dynamic (musl)".
    NotRunnable with the reason when Linux's execve would refuse it (no
    program headers, not an executable) or the loader cannot run it (a
    shared library, another dynamic linker, a field out of bounds);
    Truncated when a header or a segment it needs lies past the end of the
    file. The checks and their words are loader/elf.c's (check, then
    check_layout), in its order, each naming the field; Python's integers
    do not wrap, so a sum past 2**64 is out of bounds by comparison."""
    size = os.fstat(f.fileno()).st_size
    eh = _read_at(f, 0, 64, "header")
    etype, = struct.unpack_from("<H", eh, 16)
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    if etype not in (ET_EXEC, ET_DYN):
        what = ELF_TYPES.get(etype, f"ELF type {etype}")
        raise NotRunnable(f"not an executable ({what})")
    if phnum == 0:
        raise NotRunnable("not an executable (e_phnum 0: no program headers)")
    if phentsize != 56:
        raise NotRunnable(f"bad ELF (e_phentsize {phentsize}, not 56)")
    if phnum * 56 > 65536:  # as Linux's load_elf_phdrs
        raise NotRunnable(f"bad ELF (e_phnum {phnum}: over 64 KiB of "
                          "program headers)")
    if phoff + phnum * 56 > size:
        raise Truncated("program headers past the end of the file: "
                        "e_phoff + e_phnum * e_phentsize")
    table = _read_at(f, phoff, phnum * 56,
                     "program headers past the end of the file")
    entry, = struct.unpack_from("<Q", eh, 24)
    phs = [struct.unpack_from("<IIQQQQQQ", table, i * 56)
           for i in range(phnum)]
    seg = {}  # first PT_INTERP / PT_DYNAMIC: (offset, size); as execve
    for i, (typ, flags, off, vaddr, _, filesz, memsz, align) in \
            enumerate(phs):
        if typ not in SEG_NAMES:
            continue
        if off + filesz > size:
            raise Truncated(f"{SEG_NAMES[typ]} segment {i} past the end of "
                            "the file: p_offset + p_filesz")
        if typ == PT_INTERP and not (
                2 <= filesz <= PATH_MAX and
                _read_at(f, off + filesz - 1, 1) == b"\0"):
            raise NotRunnable("bad ELF (PT_INTERP is not a NUL-terminated "
                              "path)")
        seg.setdefault(typ, (off, filesz))
        if typ != PT_LOAD:
            continue
        if filesz > memsz:
            raise NotRunnable(f"bad ELF (PT_LOAD segment {i}: p_filesz > "
                              "p_memsz)")
        if align & (align - 1):
            raise NotRunnable(f"bad ELF (PT_LOAD segment {i}: p_align not a "
                              "power of two)")
        if filesz and (vaddr - off) % PAGE_SIZE:
            raise NotRunnable(f"bad ELF (PT_LOAD segment {i}: p_vaddr and "
                              "p_offset differ modulo the page size)")
    if PT_LOAD not in seg:
        raise NotRunnable("not an executable (no PT_LOAD segment)")
    entry_in_text = entry and any(  # the entry point in an executable PT_LOAD
        typ == PT_LOAD and flags & 1 and vaddr <= entry < vaddr + memsz
        for typ, flags, _, vaddr, _, _, memsz, _ in phs)
    if PT_INTERP in seg:
        kind = "dynamic (" + _interpreter(f, *seg[PT_INTERP]) + ")"
    elif etype == ET_EXEC:
        kind = "static"
    # ET_DYN without PT_INTERP: a static PIE if the linker said PIE (ld and
    # lld set DF_1_PIE), there is nothing to link, or (older linkers) its
    # entry point lies in its code, as the kernel's loader decides
    # (loader/elf.c); else a library (entry 0), which execve would start at
    # a meaningless address.
    elif (PT_DYNAMIC not in seg or _dt_flags_1(f, *seg[PT_DYNAMIC]) & DF_1_PIE
          or entry_in_text):
        kind = "static-pie"
    else:
        raise NotRunnable("a shared library, not a program (no PT_INTERP, "
                          "no DF_1_PIE, no entry point in its code)")
    _check_layout(phs, PIE_BASE if etype == ET_DYN else 0)
    return kind


def _check_layout(phs, bias):
    """loader/elf.c's check_layout: every PT_LOAD at bias inside the app's
    half, none overlapping another, the entry point in an executable one."""
    loads = []
    for i, (typ, _, _, vaddr, _, _, memsz, _) in enumerate(phs):
        if typ != PT_LOAD or not memsz:
            continue
        if bias + vaddr < APP_MMAP_BOTTOM or \
                bias + vaddr + memsz > APP_MMAP_TOP:
            raise NotRunnable(f"bad ELF (PT_LOAD segment {i} outside the "
                              "app's half: p_vaddr + p_memsz)")
        for j, jvaddr, jmemsz in loads:
            if vaddr < jvaddr + jmemsz and jvaddr < vaddr + memsz:
                raise NotRunnable(f"bad ELF (PT_LOAD segments {j} and {i} "
                                  "overlap: p_vaddr, p_memsz)")
        loads.append((i, vaddr, memsz))
    # e_entry is not checked, as the kernel's loader (loader/elf.c): a
    # program whose entry point is outside its code runs and dies of SIGSEGV


def _interpreter(f, off, size):
    """-> "glibc" or "musl" for the PT_INTERP at off; NotRunnable for any
    other dynamic linker."""
    text = _read_at(f, off, size)  # NUL-terminated, 2..PATH_MAX bytes
    path = text[:text.index(b"\0")].decode("utf-8", "replace")
    libc = path.startswith("/") and INTERPRETERS.get(posixpath.basename(path))
    if not libc:
        raise NotRunnable(f"dynamically linked with an unsupported "
                          f"interpreter {path} (glibc's and musl's run)")
    return libc


def _dt_flags_1(f, off, size):
    """DT_FLAGS_1 of the dynamic section at off (0 when absent)."""
    dyn = _read_at(f, off, size)
    for tag, val in struct.iter_unpack("<qQ", dyn[:size - size % 16]):
        if tag == DT_NULL:
            break
        if tag == DT_FLAGS_1:
            return val
    return 0


FILE_TYPES = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
              (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _open_regular(path):
    """path opened for reading, without blocking on a FIFO (stat, then
    O_NONBLOCK and fstat, should it change meanwhile: nothing waits for a
    writer), or RunError 126 when it is not a regular file (a socket cannot
    be opened at all); FileNotFoundError and the like pass through."""
    def check(mode):
        if stat.S_ISDIR(mode):
            raise IsADirectoryError
        if not stat.S_ISREG(mode):
            what = next((w for t, w in FILE_TYPES if t(mode)), "special")
            raise RunError(EXIT_NOEXEC, f"{path}: not a regular file ({what})")

    check(os.stat(path).st_mode)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        check(os.fstat(fd).st_mode)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _mbr_problem(f, head):
    """None when the 512-byte sector `head` (boot signature 55 AA) of the
    file f is a master boot record BIOS firmware can boot: boot code, a
    partition table with status bytes 0x00 or 0x80, at least one
    partition starting inside the image, and for a protective MBR (type
    0xEE) a GPT header at LBA 1 with its signature and CRC. Else the
    reason."""
    if not any(head[:440]):
        return "no boot loader: the MBR's boot code is all zeroes"
    sectors = os.fstat(f.fileno()).st_size // 512
    used = 0
    for i in range(4):
        status, typ, start = struct.unpack_from("<B3xB3xI", head, 446 + 16 * i)
        if status not in (0, 0x80):
            return (f"no valid partition table: MBR partition {i + 1} has "
                    f"status 0x{status:02x}")
        if not typ:
            continue
        used += 1
        if not 0 < start < sectors:
            return (f"no valid partition table: MBR partition {i + 1} starts "
                    f"at sector {start}, outside the image")
        if typ == 0xEE:
            try:
                gpt = _read_at(f, 512, 92)
            except Truncated:
                gpt = b""
            if gpt[:8] != b"EFI PART":
                return "a protective MBR but no GPT header at LBA 1"
            hsize, crc = struct.unpack_from("<II", gpt, 12)
            body = _read_at(f, 512, hsize) if 92 <= hsize <= 512 else b""
            if not body or zlib.crc32(
                    body[:16] + b"\0" * 4 + body[20:]) != crc:
                return "a protective MBR but the GPT header's CRC is wrong"
    if not used:
        return "no valid partition table: all four MBR entries are empty"
    return None


def classify_file(path):
    """-> "kernel" (ELF with a PVH note), "app" (a runnable x86-64 ELF) or
    "image" (an MBR BIOS can boot). RunError 127 when missing, 126 with the
    reason when unusable (DESIGN.md's exit statuses): not a regular file
    (a FIFO is never opened to wait on), not an ELF, or a sector with the
    boot signature but no boot loader or partition table."""
    try:
        with _open_regular(path) as f:
            head = f.read(512)
            if head[:4] == b"\x7fELF":
                return _classify_elf(f, head)
            if len(head) == 512 and head[510:512] == b"\x55\xaa":
                why = _mbr_problem(f, head)
                if why:
                    raise NotRunnable(f"not a bootable disk image ({why})")
                return "image"
    except FileNotFoundError:
        raise RunError(EXIT_NOTFOUND, f"{path}: not found")
    except IsADirectoryError:
        raise RunError(EXIT_NOEXEC, f"{path}: is a directory")
    except OSError as e:
        raise RunError(EXIT_NOEXEC, f"{path}: cannot read: {e.strerror}")
    except Truncated as e:
        why = f" ({e})" if str(e) else ""
        raise RunError(EXIT_NOEXEC, f"{path}: truncated ELF{why}")
    except NotRunnable as e:
        raise RunError(EXIT_NOEXEC, f"{path}: {e}")
    if not head:
        raise RunError(EXIT_NOEXEC, f"{path}: empty file")
    raise RunError(EXIT_NOEXEC, f"{path}: not an ELF or a disk image")
