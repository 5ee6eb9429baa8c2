# The app's initrd (docs/host-guest.md, "The app and its initrd"): a cpio
# "newc" archive of /app/NAME, the --add trees, Debian netbase's
# /etc/services and /etc/protocols where the app brought none, and
# /.unum/{argv,env,seed,stdin}, written to an unlinked temporary file QEMU reads as /dev/fd/N;
# and the kernel that runs apps. tests/e2e/lib/mkinitrd.py and
# tools/bench/linux-guest use the writer too. Tests:
# tests/unit/test_unum_initrd.py.

import errno
import os
import select
import stat
import sys
import tempfile
import time
from dataclasses import dataclass

from .common import (EXIT_NOEXEC, EXIT_PANIC, EXIT_TIMEOUT, ROOT, RunError,
                     UsageError)
from .closure import Closure, image_objects, put_linked
from .elf import NotRunnable, Truncated, app_elf_kind, classify_file

CPIO_MAGIC = b"070701"  # "newc": 13 fields of 8 ASCII hex digits, no CRC
CPIO_MAX = 0xFFFFFFFF  # the largest size or mtime such a field holds
UNUM_DIR = ".unum"  # tools/unum's own files; the kernel removes it


@dataclass
class Entry:
    """One archive member. `name` is the guest path without its leading /,
    as Linux's gen_init_cpio writes names. The contents are `data` (a
    symlink's is its target) or, for a host file, `src`: read only when the
    archive is written, so a large --add is never held in memory."""
    name: str
    mode: int  # st_mode: file type and permission bits
    mtime: int  # seconds since the epoch, 0..CPIO_MAX
    data: bytes = b""
    src: str = None  # host file to copy instead of data
    size: int = 0  # src's size when it was listed
    rdev: tuple = (0, 0)  # (major, minor) of a device node


def _mtime(st):
    return min(max(int(st.st_mtime), 0), CPIO_MAX)


class InitrdTree:
    """The archive's members by name, in the order they are written. Every
    parent folder goes in before what it holds (the kernel unpacks in one
    pass and does not invent missing folders), made 0755 when no --add gave
    it. Two folders at one path merge; anything else at a taken path is a
    usage error.

    typical use: t = InitrdTree(now); t.put(Entry(...), "--add x");
                 write_cpio(out, t.members())"""

    def __init__(self, now):
        self.now = now  # mtime of the folders we make
        self.by_name = {}  # name -> Entry, in insertion (= archive) order

    def put(self, entry, what, ours=False):
        """Add entry after its missing parents; `what` names where it came
        from in errors. Only tools/unum's own entries (ours) may be under
        /.unum."""
        top = entry.name.split("/")[0]
        if top == UNUM_DIR and not ours:
            raise UsageError(f"{what}: /{UNUM_DIR} is tools/unum's own "
                             "(argv, env, seed, stdin)")
        parts = entry.name.split("/")
        for i in range(1, len(parts)):
            self._folder("/".join(parts[:i]), what)
        old = self.by_name.get(entry.name)
        if old is None:
            self.by_name[entry.name] = entry
        elif stat.S_ISDIR(old.mode) and stat.S_ISDIR(entry.mode):
            # folders merge; the later one's mode and mtime win (an --add
            # folder over one made as a parent)
            old.mode, old.mtime = entry.mode, entry.mtime
        else:
            raise UsageError(f"{what}: /{entry.name} is already in the "
                             "initrd")

    def _folder(self, name, what):
        old = self.by_name.get(name)
        if old is None:
            self.by_name[name] = Entry(name, stat.S_IFDIR | 0o755, self.now)
        elif not stat.S_ISDIR(old.mode):
            raise UsageError(f"{what}: /{name} is already in the initrd, "
                             "not as a folder")

    def members(self):
        return list(self.by_name.values())


def cpio_header(ino, mode, nlink, mtime, size, namesize, rdev=(0, 0)):
    """A 110-byte newc header. Owner root (uid, gid 0): the guest has no
    other user; the device holding it 0, rdev a device node's (major,
    minor); the check field is unused by newc."""
    fields = (ino, mode, 0, 0, nlink, mtime, size, 0, 0, *rdev, namesize, 0)
    return CPIO_MAGIC + b"".join(b"%08X" % v for v in fields)


def write_cpio(out, members):
    """Write members, then the TRAILER!!! entry, to the binary file `out`
    as a newc archive: each header starts on a 4-byte boundary, the name
    (NUL included) and the data are padded with NULs to the next one.
    Every member gets its own inode number, so nothing is taken for a hard
    link. -> bytes written. UsageError for a member over 4 GiB or a host
    file that cannot be read or changes size meanwhile."""
    pos = 0

    def put(data):
        nonlocal pos
        out.write(data)
        pos += len(data)

    trailer = Entry("TRAILER!!!", 0, 0)
    for ino, e in enumerate(members + [trailer], 1):
        name = os.fsencode(e.name) + b"\0"
        size = e.size if e.src else len(e.data)
        if size > CPIO_MAX:
            raise UsageError(f"/{e.name}: over 4 GiB, too big for a cpio "
                             "newc archive")
        nlink = 2 if stat.S_ISDIR(e.mode) else 1
        if e is trailer:
            ino, nlink = 0, 1  # as gen_init_cpio's trailer
        put(cpio_header(ino, e.mode, nlink, e.mtime, size, len(name),
                        e.rdev) + name)
        put(b"\0" * (-pos % 4))
        if e.src:
            _copy_file(e.src, size, put)
        else:
            put(e.data)
        put(b"\0" * (-pos % 4))
    return pos


def _copy_file(path, size, put):
    """Copy exactly `size` bytes of the host file path (its size when it was
    listed: the header is already written) through put(). Only reading is
    the user's problem (UsageError); put()'s own errors pass through."""
    def read(f, n):
        try:
            return f.read(n)
        except OSError as e:
            raise UsageError(f"{path}: cannot read: {e.strerror}")
    try:
        f = open(path, "rb")
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}")
    with f:
        left = size
        while left:
            chunk = read(f, min(left, 1 << 20))
            if not chunk:
                break
            put(chunk)
            left -= len(chunk)
        if left or read(f, 1):
            raise UsageError(f"{path}: changed size while being packed")


def add_host_path(tree, host, guest):
    """--add HOST:GUEST into tree: a file, or a folder and everything under
    it, depth first with names sorted (parents first, same archive for the
    same tree). HOST itself is followed when it is a symlink (that is what
    the user named); symlinks inside a folder are kept as symlinks, never
    followed (no loops); one that points outside the folder brings its
    target too (_bring_target). Folder GUEST "/" merges
    HOST's contents into the root. Sockets, fifos and devices inside a
    folder are skipped with a warning; the guest has nothing to give them."""
    what = f"--add {host}"
    try:
        st = os.stat(host)
    except FileNotFoundError:
        raise UsageError(f"{what}: not found")
    except OSError as e:
        raise UsageError(f"{what}: {e.strerror}")
    if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
        raise UsageError(f"{what}: not a file or a folder")
    if guest == "/" and not stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{what}: only a folder can go to /")
    stack = [(host, guest.lstrip("/"), st)]
    outside = []  # the folder's symlinks: (host path, name, target)
    while stack:
        path, name, st = stack.pop()
        mode = stat.S_IFMT(st.st_mode)
        if mode == stat.S_IFDIR:
            if name:  # "" is the root itself, which the kernel makes
                tree.put(Entry(name, st.st_mode, _mtime(st)), what)
            try:
                children = sorted(os.listdir(path), reverse=True)
                for c in children:  # reversed: popped in sorted order
                    p = os.path.join(path, c)
                    stack.append((p, f"{name}/{c}" if name else c,
                                  os.lstat(p)))
            except OSError as e:
                raise UsageError(f"{what}: {path}: {e.strerror}")
        elif mode == stat.S_IFLNK:
            try:
                target = os.fsencode(os.readlink(path))
            except OSError as e:
                raise UsageError(f"{what}: {path}: {e.strerror}")
            tree.put(Entry(name, st.st_mode, _mtime(st), data=target), what)
            outside.append((path, name, os.fsdecode(target)))
        elif mode == stat.S_IFREG:
            tree.put(Entry(name, st.st_mode, _mtime(st), src=path,
                           size=st.st_size), what)
        else:
            print(f"unum: {what}: skipping {path} (not a file, folder or "
                  "symlink)", file=sys.stderr)
    top = os.path.realpath(host)
    for path, name, target in outside:
        _bring_target(tree, top, path, name, target, what)


def _bring_target(tree, top, path, name, target, what):
    """A symlink of an --add'ed folder (host path, guest name) that points
    outside the folder brings what it points to (the JDK's lib/jvm.cfg ->
    /etc/java-17-openjdk/jvm.cfg): the target at the guest path the link
    names, unless the initrd has something there already. A dangling link
    stays dangling, as it was on the host."""
    real = os.path.realpath(path)
    if real == top or real.startswith(top.rstrip("/") + "/") or \
            not os.path.exists(real):
        return
    if target.startswith("/"):
        guest = os.path.normpath(target)
        src = guest
    else:
        guest = os.path.normpath(os.path.join("/" + os.path.dirname(name),
                                              target))
        src = os.path.normpath(os.path.join(os.path.dirname(path), target))
    if guest.lstrip("/") in tree.by_name:
        return
    if os.path.isdir(real):
        add_host_path(tree, real, guest)
        return
    try:
        put_linked(tree, guest, src if guest != src else guest, what)
    except OSError as e:
        raise UsageError(f"{what}: {path}: {e.strerror}")


def _env_value(envs, key):
    """The value --env gives key last, or None."""
    val = None
    for kv in envs:
        k, _, v = kv.partition("=")
        if k == key:
            val = v
    return val


def app_env(envs):
    """--env K=V strings -> the env blob: K=V entries, NUL-terminated. A
    repeated K keeps its first place and its last value, so a later --env
    overrides an earlier one (as `docker run -e` does)."""
    env = {}
    for kv in envs:
        k, _, v = kv.partition("=")
        env[k] = v
    return b"".join(os.fsencode(f"{k}={v}") + b"\0" for k, v in env.items())


# Linux's execve limits, which the kernel's loader applies to the app's
# argv and environment (loader/elf.c, check_args): each string at most
# MAX_ARG_STRLEN bytes with its NUL; the file name and all strings with
# their NULs and a pointer each at most a quarter of the stack's soft limit
# (the guest's RLIMIT_STACK starts at 8 MiB: include/vma.h APP_STACK_SIZE).
MAX_ARG_STRLEN = 32 * 4096
GUEST_STACK_RLIMIT = 8 << 20


def arg_limit(rlimit=GUEST_STACK_RLIMIT):
    return max(min(rlimit // 4, 6 << 20), 32 * 4096)


def check_arg_limits(cfg):
    """RunError 126 "FILE: argument list too long (N bytes, limit M)" when
    the kernel would refuse the app's argv and environment, so that it is
    said before QEMU starts."""
    argv = [os.fsencode(f"/app/{os.path.basename(cfg.file)}")] + \
        [os.fsencode(a) for a in cfg.args]
    strings = argv + app_env(cfg.envs).split(b"\0")[:-1]
    for s in strings:
        if len(s) + 1 > MAX_ARG_STRLEN:
            raise RunError(EXIT_NOEXEC, f"{cfg.file}: argument list too long "
                           f"(one string of {len(s) + 1} bytes, limit "
                           f"{MAX_ARG_STRLEN})")
    total = len(argv[0]) + 1 + sum(len(s) + 1 + 8 for s in strings)
    if total > arg_limit():
        raise RunError(EXIT_NOEXEC, f"{cfg.file}: argument list too long "
                       f"({total} bytes, limit {arg_limit()})")


# Files of the name services that libc reads and no kernel makes up
# (getservbyname, getprotobyname): Debian's, pinned in deps.lock and
# unpacked by the build (fetch-src.sh netbase) under BUILD/netbase/etc.
NETBASE_FILES = ("services", "protocols")


def netbase_dir():
    return os.path.join(ROOT, os.environ.get("BUILD") or "build", "netbase",
                        "etc")


def add_netbase(tree):
    """/etc/services and /etc/protocols into tree, each unless the app's
    --add trees brought its own (or /etc is not a folder); nothing when
    the build has not unpacked them."""
    etc = tree.by_name.get("etc")
    if etc is not None and not stat.S_ISDIR(etc.mode):
        return
    for f in NETBASE_FILES:
        path = os.path.join(netbase_dir(), f)
        if f"etc/{f}" in tree.by_name or not os.path.isfile(path):
            continue
        st = os.stat(path)
        tree.put(Entry(f"etc/{f}", stat.S_IFREG | 0o644, _mtime(st), src=path,
                       size=st.st_size), "tools/unum")


def initrd_tree(cfg, seed, now, closure=True):
    """The archive for the app cfg.file, except /.unum/stdin (read last,
    after everything that can be a usage error): /app/NAME (for a dynamic
    program given by an absolute path, a symlink to that path, which holds
    it), the --add trees, netbase's files, the library closure of a dynamic program (unless
    not `closure`: the tests of the kernel's own refusals), then
    /.unum/argv, env and seed. UsageError for a bad --add, RunError 127
    for a library that cannot be found."""
    name = os.path.basename(cfg.file)
    try:
        st = os.stat(cfg.file)
        with open(cfg.file, "rb") as f:
            kind = app_elf_kind(f)
    except OSError as e:
        raise RunError(EXIT_NOEXEC, f"{cfg.file}: cannot read: {e.strerror}")
    except (NotRunnable, Truncated):
        kind = None  # packed all the same: the kernel says why (tests)
    libc = kind[len("dynamic ("):-1] if kind and kind.startswith("dynamic") \
        else None
    tree = InitrdTree(now)
    libs = Closure(tree, libc, _env_value(cfg.envs, "LD_LIBRARY_PATH"))
    if libc and os.path.isabs(cfg.file):
        # a dynamic program keeps its own path (runtimes find their home
        # from /proc/self/exe); /app/NAME is a symlink to it
        try:
            libs.put_path(os.path.normpath(cfg.file),
                             os.path.normpath(cfg.file), cfg.file)
        except OSError as e:
            raise RunError(EXIT_NOEXEC, f"{cfg.file}: cannot read: "
                           f"{e.strerror}")
        tree.put(Entry(f"app/{name}", stat.S_IFLNK | 0o777, _mtime(st),
                       data=os.fsencode(os.path.normpath(cfg.file))),
                 cfg.file)
    else:
        tree.put(Entry(f"app/{name}", stat.S_IFREG | 0o755, _mtime(st),
                       src=cfg.file, size=st.st_size), cfg.file)
    for host, guest in cfg.adds:
        add_host_path(tree, host, guest)
    add_netbase(tree)
    if libc and closure:
        libs.add(image_objects(tree))
        if getattr(cfg, "verbose", False):
            for guest, needer in libs.added:
                print(f"unum: added {guest} (needed by {needer})",
                      file=sys.stderr, flush=True)
    argv = [f"/app/{name}"] + cfg.args
    for fname, data in [("argv", b"".join(os.fsencode(a) + b"\0"
                                          for a in argv)),
                        ("env", app_env(cfg.envs)), ("seed", seed)]:
        tree.put(Entry(f"{UNUM_DIR}/{fname}", stat.S_IFREG | 0o600, now,
                       data=data), "tools/unum", ours=True)
    return tree


def read_stdin(limit, timeout=None, fd=0):
    """All of stdin when it is not a terminal (a pipe, a file, /dev/null):
    the app gets it as its stdin, then end-of-file. None for a terminal,
    which stays interactive (keystrokes go to COM1: run_vm). b"" when fd 0 is closed.
    UsageError past `limit` bytes (it could not fit in the guest); RunError
    124 when `timeout` seconds pass first (a pipe nobody closes would
    otherwise hang us before the VM even starts)."""
    if os.isatty(fd):
        return None
    deadline = time.monotonic() + timeout if timeout else None
    data = bytearray()
    try:
        while True:
            if deadline is not None:
                # select(), not epoll: it also takes a regular file
                wait = max(0, deadline - time.monotonic())
                if not select.select([fd], [], [], wait)[0]:
                    raise RunError(EXIT_TIMEOUT, f"timeout after "
                                   f"{timeout:g}s (reading stdin to its end; "
                                   "it is not a terminal)")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return bytes(data)
            data += chunk
            if len(data) > limit:
                raise UsageError(f"stdin: more than {limit >> 20}M, the "
                                 "guest's memory (it travels in the initrd)")
    except OSError as e:
        if e.errno == errno.EBADF:
            return b""
        raise UsageError(f"stdin: cannot read: {e.strerror}")


def pack_initrd(members):
    """Write the archive to a temporary file that is unlinked at once (so
    it is gone even if we are killed); QEMU opens it as /dev/fd/N, where N
    must be passed on to it. -> (fd, size). RunError 125 when the host
    cannot hold it (no temporary folder, disk full)."""
    try:
        fd, path = tempfile.mkstemp(prefix="unum-initrd-", suffix=".cpio")
        os.unlink(path)
    except OSError as e:
        raise RunError(EXIT_PANIC, f"panic: cannot write the initrd in "
                       f"{tempfile.gettempdir()}: {e.strerror}")
    try:
        with os.fdopen(os.dup(fd), "wb") as out:
            size = write_cpio(out, members)
    except OSError as e:
        os.close(fd)
        raise RunError(EXIT_PANIC, f"panic: cannot write the initrd in "
                       f"{tempfile.gettempdir()}: {e.strerror}")
    except BaseException:
        os.close(fd)
        raise
    return fd, size


def app_kernel():
    """The kernel that runs apps: $UNUM_KERNEL, else BUILD/kernel.elf in
    this tree (BUILD as the Makefile's, so tests/run's BUILD=DIR applies).
    RunError 125 when it is missing or not a unum kernel."""
    path = os.environ.get("UNUM_KERNEL") or os.path.join(
        ROOT, os.environ.get("BUILD") or "build", "kernel.elf")
    try:
        kind = classify_file(path)
    except RunError as e:
        raise RunError(EXIT_PANIC, f"panic: no kernel to run the app: {e} "
                       "(run make, or set UNUM_KERNEL)")
    if kind != "kernel":
        raise RunError(EXIT_PANIC, f"panic: {path}: not a unum kernel (no "
                       "PVH note)")
    return path


def prepare_app(cfg):
    """For an app: find the kernel, pack the initrd (stdin last, after all
    usage errors) and point cfg at both. The caller closes cfg.pass_fds."""
    cfg.kernel = app_kernel()
    now = min(int(time.time()), CPIO_MAX)
    tree = initrd_tree(cfg, os.urandom(32), now)
    limit = cfg.mem_mib << 20
    stdin = read_stdin(limit, cfg.timeout)
    if stdin is not None:
        tree.put(Entry(f"{UNUM_DIR}/stdin", stat.S_IFREG | 0o600, now,
                       data=stdin), "stdin", ours=True)
    fd, size = pack_initrd(tree.members())
    cfg.pass_fds.append(fd)
    cfg.initrd = f"/dev/fd/{fd}"
    if size >= limit:
        raise UsageError(f"the initrd ({size >> 20}M: the app, --add and "
                         f"stdin) does not fit in --mem {cfg.mem_mib}M")
    if cfg.verbose:
        with open(cfg.file, "rb") as f:
            kind = app_elf_kind(f)
        print(f"unum: app /app/{os.path.basename(cfg.file)} ({kind}), "
              f"kernel {cfg.kernel}, initrd {size} bytes",
              file=sys.stderr, flush=True)

