# What FILE is: a unum kernel (an ELF with a PVH note), a runnable x86-64
# Linux program (static, static-PIE, glibc or musl dynamic) or a disk image;
# and why not, as execve or our loader would refuse it (DESIGN.md's exit
# statuses 126 and 127). Tests: tests/unit/test_unum_appelf.py, _qemu.py.

import os
import posixpath
import struct

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
    try:
        f.seek(off)  # an offset from the file: ValueError past 2**63 - 1
    except (ValueError, OverflowError):
        raise Truncated(what)
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
    if phnum and phentsize < struct.calcsize(phfmt):
        return False  # no kernel of ours; app_elf_kind says what is wrong
    for i in range(phnum):
        ph = struct.unpack_from(phfmt, _read_at(
            f, phoff + i * phentsize, phentsize,
            "program headers past the end of the file"))
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


def app_elf_kind(f):
    """What the loader (DESIGN.md) makes of the x86-64 ELF64 file f:
    "static", "static-pie", "dynamic (glibc)" or "dynamic (musl)".
    NotRunnable with the reason when Linux's execve would refuse it (no
    program headers, not an executable) or the loader cannot run it (a
    shared library, another dynamic linker); Truncated when a header or a
    segment it needs lies past the end of the file."""
    size = os.fstat(f.fileno()).st_size
    eh = _read_at(f, 0, 64, "header")
    etype, = struct.unpack_from("<H", eh, 16)
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    if etype not in (ET_EXEC, ET_DYN):
        what = ELF_TYPES.get(etype, f"ELF type {etype}")
        raise NotRunnable(f"not an executable ({what})")
    if phnum == 0:
        raise NotRunnable("not an executable (no program headers)")
    if phentsize != 56 or phnum * 56 > 65536:  # as Linux's load_elf_phdrs
        raise NotRunnable(f"bad ELF ({phnum} program headers of "
                          f"{phentsize} bytes)")
    table = _read_at(f, phoff, phnum * 56,
                     "program headers past the end of the file")
    entry, = struct.unpack_from("<Q", eh, 24)
    seg = {}  # first PT_INTERP / PT_DYNAMIC: (offset, size); as execve
    entry_in_text = False  # the entry point in an executable PT_LOAD
    for i in range(phnum):
        typ, flags, off, vaddr, _, filesz, memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", table, i * 56)
        if typ == PT_LOAD and flags & 1 and vaddr <= entry < vaddr + memsz:
            entry_in_text = True
        if typ in (PT_LOAD, PT_INTERP, PT_DYNAMIC) and off + filesz > size:
            name = {PT_LOAD: "PT_LOAD", PT_INTERP: "PT_INTERP",
                    PT_DYNAMIC: "PT_DYNAMIC"}[typ]
            raise Truncated(f"{name} segment {i} past the end of the file")
        seg.setdefault(typ, (off, filesz))
    if PT_LOAD not in seg:
        raise NotRunnable("not an executable (no PT_LOAD segment)")
    if PT_INTERP in seg:
        return "dynamic (" + _interpreter(f, *seg[PT_INTERP]) + ")"
    if etype == ET_EXEC:
        return "static"
    # ET_DYN without PT_INTERP: a static PIE if the linker said PIE (ld and
    # lld set DF_1_PIE), there is nothing to link, or (older linkers) its
    # entry point lies in its code, as the kernel's loader decides
    # (loader/elf.c); else a library (entry 0), which execve would start at
    # a meaningless address.
    if (PT_DYNAMIC not in seg or _dt_flags_1(f, *seg[PT_DYNAMIC]) & DF_1_PIE
            or (entry and entry_in_text)):
        return "static-pie"
    raise NotRunnable("a shared library, not a program (no PT_INTERP, "
                      "no DF_1_PIE, no entry point in its code)")


def _interpreter(f, off, size):
    """-> "glibc" or "musl" for the PT_INTERP at off; NotRunnable for any
    other dynamic linker."""
    text = _read_at(f, off, size) if 2 <= size <= 4096 else b""
    if not text.endswith(b"\0"):  # execve's checks (PATH_MAX too)
        raise NotRunnable("bad ELF (PT_INTERP is not a NUL-terminated path)")
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


def classify_file(path):
    """-> "kernel" (ELF with a PVH note), "app" (a runnable x86-64 ELF) or
    "image" (MBR signature). RunError 127 when missing, 126 with the reason
    when unusable (DESIGN.md's exit statuses)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
            if head[:4] == b"\x7fELF":
                return _classify_elf(f, head)
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
    if len(head) == 512 and head[510:512] == b"\x55\xaa":
        return "image"
    if not head:
        raise RunError(EXIT_NOEXEC, f"{path}: empty file")
    raise RunError(EXIT_NOEXEC, f"{path}: not an ELF or a disk image")

