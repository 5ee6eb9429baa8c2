# The library closure of a dynamically linked app (DESIGN.md, Loader): the
# interpreter and every DT_NEEDED of every ELF object in the initrd (the
# program and the --add'ed trees), found as the guest's ld.so will look for
# them and copied from the host to the same guest paths, symlinks kept.
# Tests: tests/unit/test_unum_closure.py, tests/e2e/dyn-*.sh.
#
# The search is the guest's, not the host's: a name is looked for in guest
# paths, first in what the initrd already holds, then on the host at the
# same path (or, for a $ORIGIN path, beside the object's host file). glibc's
# ld.so (elf/dl-load.c, _dl_map_object) tries DT_RPATH of the object and of
# the objects that loaded it (only while the object has no DT_RUNPATH),
# LD_LIBRARY_PATH, DT_RUNPATH, /etc/ld.so.cache, then its default
# directories (unless DF_1_NODEFLIB). The image holds no ld.so.cache, so the
# guest's ld.so skips that step and so do we. musl's (ldso/dynlink.c,
# load_library) tries LD_LIBRARY_PATH, then DT_RPATH/DT_RUNPATH alike of the
# object and its loaders, then /lib, /usr/local/lib, /usr/lib; its libc.so,
# libpthread.so and the like are the interpreter itself. A musl program's
# interpreter and libc are the kernel's own (loader/dynlink.c binds it to
# the musl the kernel carries): neither is copied. LD_LIBRARY_PATH is
# the guest's (--env), which the guest's ld.so reads. $ORIGIN, $LIB and
# $PLATFORM are expanded as ld.so does; a file of another class or machine
# is skipped, as ld.so skips it. A name no search finds is taken as
# satisfied by an ELF object of the image whose DT_SONAME it is: ld.so
# (_dl_map_object, _dl_name_match_p) matches a name against the objects
# already loaded before it searches, and a program that dlopen()s a library
# by path first (the java launcher loads lib/server/libjvm.so, whose soname
# libjava.so and libattach.so need) makes that name resolve at run time.

import os
import posixpath
import stat
import struct

from .common import EXIT_NOTFOUND, RunError

PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_SONAME = 0, 1, 5, 10, 14
DT_RPATH, DT_RUNPATH, DT_FLAGS_1 = 15, 29, 0x6FFFFFFB
DF_1_NODEFLIB = 0x800
# glibc's default directories on Debian x86-64 (its multiarch ones first)
GLIBC_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
              "/lib", "/usr/lib")
MUSL_DIRS = ("/lib", "/usr/local/lib", "/usr/lib")
# the kernel's own: a program with this PT_INTERP needs no file for it
MUSL_INTERP = "/lib/ld-musl-x86_64.so.1"
# names musl's ld.so answers with itself (ldso/dynlink.c, load_library)
MUSL_BUILTIN = {"c", "pthread", "rt", "m", "dl", "util", "xnet"}
SUBST = {"LIB": "lib/x86_64-linux-gnu", "PLATFORM": "x86_64"}
MAX_LINKS = 40  # symlinks followed in one path, as Linux's MAXSYMLINKS


class DynInfo:
    """What ld.so reads of an ELF object: its PT_INTERP, DT_NEEDED names,
    DT_RPATH and DT_RUNPATH (as written, ":"-separated), DF_1_NODEFLIB,
    DT_SONAME."""

    def __init__(self):
        self.interp = None
        self.soname = None
        self.needed = []
        self.rpath = None
        self.runpath = None
        self.nodeflib = False


def _u(fmt, data, off):
    return struct.unpack_from(fmt, data, off)


def elf64_x86(data):
    """True for the header of an ELF64 little-endian x86-64 object (what
    the guest's ld.so accepts; it skips anything else)."""
    return (len(data) >= 20 and data[:4] == b"\x7fELF" and data[4] == 2 and
            data[5] == 1 and _u("<H", data, 18)[0] == 62)


def dyn_info(path):
    """DynInfo of the host file path, or None when it is not an x86-64
    ELF64 object or has no PT_DYNAMIC and no PT_INTERP (static: nothing to
    link). Fields out of the file are taken as absent: the loader's and
    ld.so's own checks say what is wrong with a broken file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if not elf64_x86(data) or len(data) < 64:
        return None
    phoff, = _u("<Q", data, 32)
    phentsize, phnum = _u("<HH", data, 54)
    if phentsize != 56 or phoff + phnum * 56 > len(data):
        return None
    phs = [_u("<IIQQQQQQ", data, phoff + i * 56) for i in range(phnum)]
    info = DynInfo()
    dyn = None
    for typ, _, off, vaddr, _, filesz, _, _ in phs:
        if typ == PT_INTERP and info.interp is None and \
                off + filesz <= len(data):
            info.interp = os.fsdecode(data[off:off + filesz].split(b"\0")[0])
        if typ == PT_DYNAMIC and dyn is None and off + filesz <= len(data):
            dyn = data[off:off + filesz]
    if dyn is None:
        return info if info.interp else None

    def file_off(addr):
        for typ, _, off, vaddr, _, filesz, _, _ in phs:
            if typ == PT_LOAD and vaddr <= addr < vaddr + filesz:
                return addr - vaddr + off
        return None

    tags = []
    for tag, val in struct.iter_unpack("<qQ", dyn[:len(dyn) - len(dyn) % 16]):
        if tag == DT_NULL:
            break
        tags.append((tag, val))
    strtab = next((file_off(v) for t, v in tags if t == DT_STRTAB), None)
    strsz = next((v for t, v in tags if t == DT_STRSZ), 0)
    if strtab is None:
        return info
    end = min(strtab + strsz, len(data)) if strsz else len(data)

    def string(i):
        if strtab + i >= end:
            return None
        s = data[strtab + i:end].split(b"\0")[0]
        return os.fsdecode(s)

    for tag, val in tags:
        if tag == DT_NEEDED:
            s = string(val)
            if s:
                info.needed.append(s)
        elif tag == DT_RPATH and info.rpath is None:
            info.rpath = string(val)
        elif tag == DT_RUNPATH and info.runpath is None:
            info.runpath = string(val)
        elif tag == DT_SONAME and info.soname is None:
            info.soname = string(val)
        elif tag == DT_FLAGS_1 and val & DF_1_NODEFLIB:
            info.nodeflib = True
    return info


class Obj:
    """An ELF object of the image: its guest path, the host file it comes
    from, its DynInfo and the object that needed it (None for one that was
    already in the image)."""

    def __init__(self, guest, host, info, loader=None):
        self.guest, self.host, self.info, self.loader = guest, host, info, loader


def expand(entry, obj):
    """A search path entry of obj with $ORIGIN, $LIB and $PLATFORM expanded
    -> (guest dir, host dir). $ORIGIN is the object's folder: in the guest
    its guest path's, on the host its host file's."""
    guest, host = entry, entry
    for name in ("ORIGIN", *SUBST):
        for form in ("${%s}" % name, "$" + name):
            if name == "ORIGIN":
                guest = guest.replace(form, posixpath.dirname(obj.guest))
                host = host.replace(form, os.path.dirname(obj.host))
            else:
                guest = guest.replace(form, SUBST[name])
                host = host.replace(form, SUBST[name])
    return guest, host


def search_dirs(obj, libc, env_path):
    """The (guest dir, host dir) pairs ld.so tries, in order, for a name
    obj needs; libc is "glibc" or "musl"."""
    def entries(text, o):
        return [expand(e, o) for e in (text or "").split(":") if e]

    env = [(d, d) for d in (env_path or "").split(";" if libc == "glibc"
                                                  else ":")
           for d in d.split(":") if d]
    dirs = []
    if libc == "musl":
        dirs += env
        o = obj
        while o:
            dirs += entries(o.info.runpath or o.info.rpath, o)
            o = o.loader
        dirs += [(d, d) for d in MUSL_DIRS]
        return dirs
    if not obj.info.runpath:
        o = obj
        while o:  # the object's DT_RPATH, then its loaders'
            if not o.info.runpath:
                dirs += entries(o.info.rpath, o)
            o = o.loader
    dirs += env
    dirs += entries(obj.info.runpath, obj)
    if not obj.info.nodeflib:
        dirs += [(d, d) for d in GLIBC_DIRS]
    return dirs


def _read_head(path):
    try:
        with open(path, "rb") as f:
            return f.read(20)
    except OSError:
        return b""


class Closure:
    """The library closure of an initrd tree (pyunum/initrd.py InitrdTree):
    add() puts each missing object, with the symlinks of its path, into
    the tree and records what it added (self.added: guest path, needer)."""

    def __init__(self, tree, libc, env_path):
        self.tree, self.libc, self.env_path = tree, libc, env_path
        self.added = []

    # --- the tree as the guest will see it
    def guest_resolve(self, path):
        """path (absolute) with the tree's symlinks followed -> the tree's
        member name (no leading /) or None when the tree has nothing there."""
        parts = [p for p in path.split("/") if p]
        done = []
        links = 0
        while parts:
            name = "/".join(done + [parts[0]])
            e = self.tree.by_name.get(name)
            if e is None:
                return None
            if stat.S_ISLNK(e.mode):
                links += 1
                if links > MAX_LINKS:
                    return None
                target = os.fsdecode(e.data)
                base = "" if target.startswith("/") else "/".join(done)
                parts = [p for p in (base + "/" + target).split("/") if p] + \
                    parts[1:]
                done = []
                norm = []
                for p in parts:  # .. and . of the target
                    if p == "..":
                        if norm:
                            norm.pop()
                    elif p != ".":
                        norm.append(p)
                parts = norm
                continue
            done.append(parts.pop(0))
        return "/".join(done)

    def put_path(self, guest, host, what):
        return put_linked(self.tree, guest, host, what)

    # --- finding what an object needs
    def find(self, lib, obj):
        """-> (guest path, host path, in the tree already) for the name lib
        that obj needs, or None."""
        if "/" in lib:  # a path: ld.so opens it as it is
            cands = [(lib, lib) if lib.startswith("/") else
                     (posixpath.join("/", lib), lib)]
        else:
            cands = [(posixpath.join(g, lib), os.path.join(h, lib))
                     for g, h in search_dirs(obj, self.libc, self.env_path)]
        for guest, host in cands:
            guest = posixpath.normpath(guest)
            name = self.guest_resolve(guest)
            if name is not None:
                e = self.tree.by_name[name]
                if stat.S_ISREG(e.mode) and e.src and \
                        elf64_x86(_read_head(e.src)):
                    return guest, e.src, True
                continue
            if os.path.isfile(host) and elf64_x86(_read_head(host)):
                return guest, host, False
        return None

    def add(self, objs):
        """Close the tree over objs (Obj list: the image's ELF objects).
        RunError 127 naming the first library (or interpreter) that cannot
        be found and the object that needs it."""
        seen = {o.guest for o in objs}
        todo = list(objs)
        sonames = {o.info.soname: o.guest for o in objs if o.info.soname}
        while todo:
            obj = todo.pop(0)
            wants = []
            if obj.info.interp and obj.info.interp != MUSL_INTERP:
                wants.append((obj.info.interp, True))
            wants += [(n, False) for n in obj.info.needed]
            for lib, is_interp in wants:
                if not is_interp and self.libc == "musl" and \
                        _musl_builtin(lib):
                    continue
                if is_interp:
                    hit = None
                    name = self.guest_resolve(lib)
                    if name is not None and self.tree.by_name[name].src:
                        hit = (lib, self.tree.by_name[name].src, True)
                    elif os.path.isfile(lib):
                        hit = (lib, lib, False)
                else:
                    hit = self.find(lib, obj)
                if hit is None and not is_interp and lib in sonames:
                    continue  # the image's object of that soname
                if hit is None:
                    what = "interpreter" if is_interp else "library"
                    raise RunError(EXIT_NOTFOUND, f"{what} {lib} not found "
                                   f"(needed by {obj.guest})")
                guest, host, present = hit
                if not present:
                    self.put_path(guest, host, f"{lib} (needed by "
                                  f"{obj.guest})")
                    self.added.append((guest, obj.guest))
                if guest in seen:
                    continue
                seen.add(guest)
                info = dyn_info(host)
                if info is not None:
                    info.interp = None  # an interpreter's own is ignored
                    if info.soname:
                        sonames.setdefault(info.soname, guest)
                    todo.append(Obj(guest, host, info, obj))


def _musl_builtin(lib):
    if not (lib.startswith("lib") and ".so" in lib):
        return False
    return lib[3:lib.index(".so")] in MUSL_BUILTIN


def image_objects(tree):
    """The tree's regular files that are dynamic ELF objects -> Obj list
    (guest paths absolute), in archive order."""
    objs = []
    for e in tree.members():
        if not (stat.S_ISREG(e.mode) and e.src):
            continue
        if not elf64_x86(_read_head(e.src)):
            continue
        info = dyn_info(e.src)
        if info is not None and (info.interp or info.needed or info.soname):
            objs.append(Obj("/" + e.name, e.src, info))
    return objs


def put_linked(tree, guest, host, what):
    """The host file `host` at the guest path `guest` (absolute) in the
    initrd tree, unless something is there already; when guest == host (the
    path is the host's own, so its links mean the same in the guest) each
    symlink on the way is kept as a symlink (/lib -> usr/lib, /lib64/ld-linux
    -> /lib/x86_64-linux-gnu/...), and the file goes where they lead. A
    folder the tree already has where the host has a link stays a folder.
    -> the tree member name of the file. OSError from the host."""
    from .initrd import Entry, _mtime  # initrd imports us
    if guest != host:
        st = os.stat(host)
        name = guest.lstrip("/")
        if name not in tree.by_name:
            tree.put(Entry(name, st.st_mode, _mtime(st), src=host,
                                size=st.st_size), what)
        return name
    parts = [p for p in guest.split("/") if p]
    done = []
    links = 0
    while parts:
        name = "/".join(done + [parts[0]])
        hp = "/" + name
        st = os.lstat(hp)
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > MAX_LINKS:
                raise OSError(f"{host}: too many symlinks")
            target = os.readlink(hp)
            old = tree.by_name.get(name)
            if old is None:
                tree.put(Entry(name, st.st_mode, _mtime(st),
                                    data=os.fsencode(target)), what)
            elif not stat.S_ISLNK(old.mode):  # the image has its own
                done.append(parts.pop(0))
                continue
            base = "" if target.startswith("/") else "/".join(done)
            norm = []
            for p in (base + "/" + target).split("/") + parts[1:]:
                if p == "..":
                    if norm:
                        norm.pop()
                elif p and p != ".":
                    norm.append(p)
            parts, done = norm, []
            continue
        done.append(parts.pop(0))
    name = "/".join(done)
    if name not in tree.by_name:
        st = os.stat("/" + name)
        tree.put(Entry(name, st.st_mode, _mtime(st), src="/" + name,
                            size=st.st_size), what)
    return name
