# tools/unum's command line: the subcommands run and image (argparse), the
# user's mistakes as one "unum: " line and status 2 before anything starts,
# and main(), which the tools/unum launcher calls in-process. Tests:
# tests/unit/test_unum_args.py, tests/e2e/usage-errors.sh.

import argparse
import os
import posixpath
import re
import shutil
import signal
import sys

from .common import EXIT_USAGE, Config, RunError, UsageError
from .elf import classify_file
from .image import image
from .initrd import check_arg_limits, prepare_app
from .manifest import apply as apply_manifest
from .manifest import load as load_manifest
from .manifest import parse_port
from .qemu import choose_accel
from .relay import run_vm

# The kernel's floor: QEMU's firmware hangs silently with -m 1M (QEMU.md),
# and since the kernel carries lwIP and the musl of door 2 its image and
# boot tables do not fit in 2M (QEMU then ends without the kernel running)
MIN_MEM_MIB = 3
MAX_CPUS = 64

USAGE = """\
usage: tools/unum run FILE [options] [-- args...]
       tools/unum image -o IMAGE PROGRAM [--add ...] [--env ...]
                        [--kernel-args '...'] [--manifest FILE]
                        [--format raw|qcow2|libvirt|firecracker]
                        [-v] [-- args...]

FILE is a Linux x86-64 program (static, static-PIE, or dynamically linked
against glibc or musl), run as /app/NAME by the unum kernel; a unum kernel
ELF (PVH note); or a disk image (booted through GRUB on q35: an MBR with
boot code and a partition table, or a protective MBR and a GPT). FILE must
be a regular file (a FIFO, a device or a socket is refused with 126).

options:
  --mem SIZE            guest memory, e.g. 128M, 1G (default 128M, min 2M)
  --cpus N              virtual CPUs, 1..64 (default 1)
  --accel auto|kvm|tcg  accelerator (default auto: KVM only if hardware KVM)
  --machine microvm|q35|firecracker   (default microvm; q35 for disk images)
  --timeout SECONDS     kill the VM after SECONDS, exit 124
  --kernel-args '...'   extra kernel command line (not for a disk image)
  --add HOST[:GUEST]    file or folder into the app's root file system
                        (GUEST: absolute, default /BASENAME; "/" merges a
                        folder into the root)
  --env K=V             app environment variable (repeat it; last K wins)
  --net none|user|tap=IFNAME          a virtio-net device on QEMU user
                        networking (host side on 127.0.0.1 only) or on the
                        tap device IFNAME, which must exist (default none)
  --port HOST:GUEST[/udp]  forward TCP (or UDP) port HOST on 127.0.0.1
                        to the guest's port GUEST (repeat it; needs --net
                        user)
  --manifest FILE       an app's manifest (docs/apps.md): its program (FILE
                        may then be left out), arguments, environment,
                        files, ports (they turn on --net user), memory;
                        what the command line gives wins
  --host-port N         the manifest's first port forward listens on
                        127.0.0.1:N instead of its own host port
  --disk FILE[,ro]      attach FILE (raw) as a virtio-blk disk: /dev/vda,
                        then vdb... (repeat it); ",ro" makes it read-only
  --balloon             a virtio-balloon device (free page reporting and
                        stats on): the host inflates it with QMP's balloon
  -v                    show kernel log records live on stderr
  -h, --help            this text
development:
  --cpu MODEL           QEMU CPU model instead of max (TCG) / host (KVM),
                        e.g. qemu64 to test without XSAVE/AVX/RDRAND
  --qmp PATH            a QMP monitor listening on the UNIX socket PATH
                        (balloon, query-balloon, ...)
  --qemu WORD           one more word for QEMU's command line, verbatim and
                        last (repeat it), e.g. --qemu -device --qemu
                        virtio-rng-pci,disable-modern=on
stdin: a terminal stays a terminal: it is put in raw mode (restored at
exit), keystrokes reach the app's fd 0 through the guest's line discipline
(isatty(0) true, termios, ^C is SIGINT in the app); anything else (a pipe,
a file, /dev/null) is read to its end before QEMU starts and given to the
app as its stdin, then end-of-file.
environment: UNUM_QEMU overrides the qemu-system-x86_64 binary; UNUM_KERNEL
the kernel that runs apps (default BUILD/kernel.elf in this tree, BUILD as
make's, default build).

exit status: the guest's (0-255); 124 timeout; 125 kernel panic or no
exit record; 126 FILE cannot be run; 127 FILE not found; 2 usage.

image writes ONE raw disk image: GRUB (BIOS, multiboot2), the kernel
(stripped) and PROGRAM's root file system (the initrd run would pack, with
--add, --env and the args; xz-compressed, GRUB unpacks it) as a module,
with --kernel-args on the kernel's command line. It boots with
  qemu-system-x86_64 -M q35 -display none -serial stdio -drive file=IMAGE,format=raw
(only COM1 there: the app's output, its stderr and the kernel's lines; then
power-off) and with tools/unum run IMAGE (streams apart, the app's status;
there `-- args` and --env override the baked-in ones, through QEMU's
fw_cfg files opt/unum/args and opt/unum/env: docs/apps.md).
--format qcow2 converts it with qemu-img; --format libvirt writes IMAGE
(a domain XML for virsh define) and beside it IMAGE's name with .img (the
raw disk), .kernel, .initrd: the XML boots the kernel and initrd directly
on q35 with the disk attached; --format firecracker writes IMAGE (a VM
config JSON for firecracker --config-file) and beside it .kernel and
.initrd. Memory and ports there come from the manifest (default 128M).
The image is written beside IMAGE and renamed into place: nothing partial
is left. Exit status: 0 written; 127 PROGRAM not found; 126 PROGRAM not a
runnable Linux program; 2 usage; 1 the image cannot be made (IMAGE not
writable, no kernel, GRUB tools missing or failing).
"""


# ---------------------------------------------------------------------------
# Option values: each converter takes the text and returns what Config
# keeps, or raises UsageError naming the option (argparse passes it on).


def parse_mem(text):
    """'128M', '1G', '2048K', '512' (MiB, as QEMU's -m) -> MiB."""
    m = re.fullmatch(r"(\d+)\s*([kmgt]?)(i?b)?", text.strip(), re.I)
    if not m:
        raise UsageError(f"--mem {text}: not a size (e.g. 128M, 1G)")
    n = int(m.group(1))
    shift = {"k": 10, "": 20, "m": 20, "g": 30, "t": 40}[m.group(2).lower()]
    size = n << shift
    if size < MIN_MEM_MIB << 20:
        raise UsageError(f"--mem {text}: below the {MIN_MEM_MIB}M minimum "
                         "(the kernel's floor)")
    if size % (1 << 20):
        raise UsageError(f"--mem {text}: not a whole number of MiB")
    return size >> 20


def _cpus(v):
    if not v.isdigit() or not 1 <= int(v) <= MAX_CPUS:
        raise UsageError(f"--cpus {v}: not a number from 1 to {MAX_CPUS}")
    return int(v)


def _choice(name, choices):
    def conv(v):
        if v not in choices:
            raise UsageError(f"{name} {v}: not one of {'|'.join(choices)}")
        return v
    return conv


def _timeout(v):
    try:
        t = float(v)
    except ValueError:
        t = -1
    if not 0 < t < 1e9:
        raise UsageError(f"--timeout {v}: not a positive number of seconds")
    return t


def _add(v):
    """HOST[:GUEST] -> (HOST, normalised absolute GUEST)"""
    host, _, guest = v.partition(":")
    if not host:
        raise UsageError(f"--add {v}: expected HOST[:GUEST]")
    if not guest:
        # abspath: "--add ." means the folder's name, not the root
        guest = "/" + os.path.basename(os.path.abspath(host))
    if not guest.startswith("/"):
        raise UsageError(f"--add {v}: GUEST must be an absolute path")
    # normpath keeps a leading "//" (POSIX leaves it open): drop it too
    return host, "/" + posixpath.normpath(guest).lstrip("/")


def _env(v):
    if "=" not in v or v.startswith("="):
        raise UsageError(f"--env {v}: expected K=V")
    return v


def _net(v):
    if v not in ("none", "user") and not re.fullmatch(r"tap=[\w.-]+", v):
        raise UsageError(f"--net {v}: not one of none|user|tap=IFNAME")
    return v


def _port(v):
    """HOST:GUEST[/tcp|/udp] -> (host, guest, proto)"""
    return parse_port(v, "--port")


def _host_port(v):
    if not re.fullmatch(r"\d{1,5}", v) or not 1 <= int(v) <= 65535:
        raise UsageError(f"--host-port {v}: not a port number (1-65535)")
    return int(v)


def _disk(v):
    """FILE or FILE,ro -> (FILE, read-only); the file is checked later"""
    ro = v.endswith(",ro")
    path = v[:-3] if ro else v
    if not path:
        raise UsageError(f"--disk {v}: needs a FILE")
    return path, ro


# Options that take a value: -> (Config field, converter, argparse action).
VALUE_OPTIONS = {
    "--mem": ("mem_mib", parse_mem, "store"),
    "--cpus": ("cpus", _cpus, "store"),
    "--accel": ("accel", _choice("--accel", ("auto", "kvm", "tcg")), "store"),
    "--machine": ("machine", _choice("--machine",
                                     ("microvm", "q35", "firecracker")),
                  "store"),
    "--timeout": ("timeout", _timeout, "store"),
    "--kernel-args": ("kernel_args", str, "store"),
    "--cpu": ("cpu_model", str, "store"),
    "--add": ("adds", _add, "append"),
    "--env": ("envs", _env, "append"),
    "--net": ("net", _net, "store"),
    "--port": ("ports", _port, "append"),
    "--disk": ("disks", _disk, "append"),
    "--qemu": ("qemu_extra", str, "append"),
    "--qmp": ("qmp", str, "store"),
    "--manifest": ("manifest", str, "store"),
    "--host-port": ("host_port", _host_port, "store"),
}
IMAGE_OPTIONS = ("--add", "--env", "--kernel-args", "--manifest")  # shared
IMAGE_FORMATS = ("raw", "qcow2", "libvirt", "firecracker")
OUTPUT_OPTIONS = ("-o", "--output")  # image's own


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as UsageError (main prints the one line)
    and no help or usage text of its own: USAGE is ours."""

    def error(self, message):
        raise UsageError(message)


def _parser():
    top = _Parser(prog="tools/unum", add_help=False, allow_abbrev=False)
    sub = top.add_subparsers(dest="command", parser_class=_Parser)
    for command, names in (("run", VALUE_OPTIONS), ("image", IMAGE_OPTIONS)):
        p = sub.add_parser(command, add_help=False, allow_abbrev=False)
        p.add_argument("file", nargs="?")
        p.add_argument("-v", dest="verbose", action="store_true",
                       default=argparse.SUPPRESS)
        if command == "run":
            p.add_argument("--balloon", dest="balloon", action="store_true",
                           default=argparse.SUPPRESS)
        for name in names:
            dest, conv, action = VALUE_OPTIONS[name]
            p.add_argument(name, dest=dest, type=conv, action=action,
                           default=argparse.SUPPRESS)
        if command == "image":
            p.add_argument("--output", dest="output")
            p.add_argument("--format", dest="format",
                           type=_choice("--format", IMAGE_FORMATS),
                           default="raw")
    return top


PARSER = _parser()


def _words(command, argv):
    """argv after the command -> (words for PARSER, the app's arguments,
    help asked). Checks what argparse would word differently or not at
    all, in argv's order: a missing value, an unknown option, a second
    FILE, and for image a run option, -o twice or empty. Every value is
    joined to its option (--opt=VALUE), so that a value that starts with
    - stays a value (--kernel-args -o)."""
    words, file_seen, out_seen = [], False, False
    options = VALUE_OPTIONS if command == "run" else IMAGE_OPTIONS
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            return words, argv[i:], False
        if a in ("-h", "--help"):
            return words, [], True
        if a == "-v" or (a == "--balloon" and command == "run"):
            words.append(a)
            continue
        name, eq, val = a.partition("=")
        if command == "image" and name in VALUE_OPTIONS and \
                name not in IMAGE_OPTIONS:
            raise UsageError(f"{name}: a run option, not for image (the "
                             "image boots with the settings of whoever "
                             "boots it)")
        output = command == "image" and name in OUTPUT_OPTIONS
        fmt = command == "image" and name == "--format"
        if name in options or output or fmt:
            if not eq:
                if i == len(argv):
                    raise UsageError(f"{a}: needs a value")
                val = argv[i]
                i += 1
            if output:
                if out_seen:
                    raise UsageError(f"{a}: the output is given twice")
                if not val:
                    raise UsageError(f"{name}: empty output path")
                out_seen, name = True, "--output"
            words.append(f"{name}={val}")
            continue
        if a.startswith("-") and a != "-":
            raise UsageError(f"{a}: unknown option")
        if file_seen:
            raise UsageError(f"{a}: unexpected argument "
                             "(app arguments go after --)")
        file_seen = True
        words.append(a)
    return words, [], False


def _parse(command, argv):
    """argv after the command -> (Config, namespace); cfg.help when -h."""
    words, args, help_ = _words(command, argv)
    if help_:
        return Config(help=True), None
    ns = PARSER.parse_args([command] + words)
    fields = {k: v for k, v in vars(ns).items()
              if k not in ("command", "output", "format")}
    cfg = Config(args=args, **fields)
    cfg.net_given = "net" in fields
    if cfg.host_port is not None and cfg.manifest is None:
        raise UsageError("--host-port: needs --manifest (it moves the "
                         "manifest's first forward)")
    if cfg.manifest is not None:
        apply_manifest(load_manifest(cfg.manifest), cfg,
                       mem_given="mem_mib" in fields, run=command == "run")
    if cfg.file is None:
        raise UsageError(f"{command}: needs a FILE (or --manifest)")
    if cfg.file == "":
        raise UsageError(f"{command}: FILE is empty")
    return cfg, ns


def parse_args(argv):
    """argv after 'run' -> Config, or UsageError. Options may come before or
    after FILE; everything after '--' is the app's."""
    return _parse("run", argv)[0]


def parse_image_args(argv):
    """argv after 'image' -> (output path, Config), or UsageError. FILE,
    -o and the options may come in any order; after '--' the app's
    arguments. Of run's options only those that go into the image are
    taken; the others (QEMU's settings) are refused by name."""
    cfg, ns = _parse("image", argv)
    if cfg.help:
        return None, cfg
    if ns.output is None:
        raise UsageError("image: needs -o IMAGE (the disk image to write)")
    cfg.image_format = ns.format
    return ns.output, cfg


def check_kind_options(cfg):
    """Options that depend on what FILE is, and ones not supported yet.
    Runs after classify_file; raises UsageError (status 2)."""
    if cfg.kind == "image":
        # -- args and --env reach a disk image's app through fw_cfg
        # (qemu.py): they override what was baked in
        pvh_only = [("--kernel-args", cfg.kernel_args is not None),
                    ("--add", cfg.adds)]
        for name, given in pvh_only:
            if given:
                raise UsageError(f"{name}: not for a disk image (it boots "
                                 "through GRUB with what was baked in)")
        if cfg.machine not in (None, "q35"):
            raise UsageError(f"--machine {cfg.machine}: a disk image boots "
                             "on q35 only")
    if cfg.kind == "kernel" and cfg.args:
        raise UsageError("-- args: a kernel takes no app arguments "
                         "(use --kernel-args)")
    if cfg.kind == "kernel":
        for name, given in [("--add", cfg.adds), ("--env", cfg.envs)]:
            if given:
                raise UsageError(f"{name}: for an app only (a kernel ELF "
                                 "boots without an initrd)")
    if cfg.ports and cfg.net != "user":
        raise UsageError("--port: needs --net user (QEMU's user networking "
                         "makes the forwards)")
    for path, ro in cfg.disks:
        if not os.path.exists(path):
            raise UsageError(f"--disk {path}: no such file")
        if os.path.isdir(path):
            raise UsageError(f"--disk {path}: a directory, not a disk file")
        if not os.access(path, os.R_OK if ro else os.R_OK | os.W_OK):
            raise UsageError(f"--disk {path}: not " + ("readable" if ro else
                             "readable and writable (FILE,ro: read-only)"))
    if cfg.machine == "firecracker":
        if not shutil.which("firecracker"):
            raise UsageError("firecracker not installed")
        raise UsageError("--machine firecracker: not supported yet")


# ---------------------------------------------------------------------------
# The commands


def _winsize():
    """(rows, cols) of the terminal on fd 0, 1 or 2, or None."""
    for fd in (0, 1, 2):
        try:
            size = os.get_terminal_size(fd)
        except OSError:
            continue
        if size.lines and size.columns:
            return size.lines, size.columns
    return None


def run(argv):
    cfg = parse_args(argv)
    if cfg.help:
        sys.stdout.write(USAGE)
        return 0
    cfg.kind = classify_file(cfg.file)
    check_kind_options(cfg)
    if cfg.kind == "app":
        check_arg_limits(cfg)
    accel, why = choose_accel(cfg.accel)
    try:
        if cfg.kind == "app":
            prepare_app(cfg)
        elif cfg.kind == "kernel":
            cfg.kernel = cfg.file
        cfg.tty = os.isatty(1)
        cfg.tty_err = os.isatty(2)
        cfg.tty_in = cfg.kind == "app" and os.isatty(0)
        cfg.winsize = _winsize() if cfg.kind == "app" else None
        print(why, file=sys.stderr, flush=True)
        if cfg.manifest:  # how to reach what the manifest serves
            for h, g, proto in cfg.ports:
                if (g, proto) == (80, "tcp"):
                    print(f"serving http://127.0.0.1:{h}/ (Ctrl-C stops)",
                          file=sys.stderr, flush=True)
                    continue
                print(f"unum: forwarding 127.0.0.1:{h} to the guest's "
                      f"{g}/{proto} (Ctrl-C stops)", file=sys.stderr,
                      flush=True)
        return run_vm(cfg, accel)
    finally:
        for fd in cfg.pass_fds:
            os.close(fd)


def image_command(argv):
    out, cfg = parse_image_args(argv)
    if cfg.help:
        sys.stdout.write(USAGE)
        return 0
    return image(out, cfg)


COMMANDS = {"run": run, "image": image_command}


def main(argv):
    """tools/unum ARGV... -> exit status (never raises for the user's or
    the guest's failures: one "unum: " line says what went wrong)."""
    try:
        if not argv or argv[0] in ("-h", "--help", "help"):
            if argv:
                sys.stdout.write(USAGE)
                return 0
            raise UsageError("no command (usage: tools/unum run FILE "
                             "[options] [-- args...]; see --help)")
        if argv[0] not in COMMANDS:
            raise UsageError(f"{argv[0]}: unknown command (see --help)")
        return COMMANDS[argv[0]](argv[1:])
    except UsageError as e:
        print(f"unum: {e}", file=sys.stderr)
        return EXIT_USAGE
    except RunError as e:
        print(f"unum: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:  # e.g. while stdin is read: no traceback
        return 128 + signal.SIGINT
