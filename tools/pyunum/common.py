# What every module of tools/unum shares: the exit statuses (DESIGN.md),
# the two errors that end a command with one "unum: " line, and Config, the
# settings of one run. The root of the tree, for the default kernel.

import os
from dataclasses import dataclass, field

EXIT_USAGE = 2
EXIT_TIMEOUT = 124
EXIT_PANIC = 125
EXIT_NOEXEC = 126
EXIT_NOTFOUND = 127

# The tree this package lives in (tools/pyunum/ -> the root)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class UsageError(Exception):
    """A mistake on the command line: one line, status 2, QEMU not started."""


class RunError(Exception):
    """FILE or the host cannot run the VM: one line and a given status."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


@dataclass
class Config:
    """Everything a run needs; parse_args fills the user's part, main the rest."""
    file: str = None
    args: list = field(default_factory=list)  # app argv[1:], after --
    mem_mib: int = 128
    cpus: int = 1
    accel: str = "auto"
    machine: str = None  # None: microvm, or q35 for a disk image
    timeout: float = None
    kernel_args: str = None
    verbose: bool = False
    help: bool = False
    cpu_model: str = None
    adds: list = field(default_factory=list)  # (host, guest) pairs
    envs: list = field(default_factory=list)  # "K=V" strings
    net: str = "none"
    ports: list = field(default_factory=list)  # (host, guest, "tcp"|"udp")
    disks: list = field(default_factory=list)  # (path, read-only) pairs
    qemu_extra: list = field(default_factory=list)  # --qemu words, verbatim
    balloon: bool = False  # --balloon: a virtio-balloon device
    qmp: str = None  # --qmp PATH: a QMP monitor listening on that socket
    manifest: str = None  # --manifest FILE (manifest.py folds it in)
    host_port: int = None  # --host-port N: the manifest's first forward from N
    image_format: str = "raw"  # image --format
    # Filled from the manifest (manifest.apply):
    net_given: bool = False  # --net was on the command line
    min_mem_mib: int = None  # the app's minimum memory
    manifest_ports: list = field(default_factory=list)  # its forwards
    # Filled by main, not by options:
    kind: str = None  # "kernel", "image" or "app" (classify_file)
    kernel: str = None  # ELF given to -kernel
    initrd: str = None  # -initrd path (/dev/fd/N of pack_initrd's file)
    pass_fds: list = field(default_factory=list)  # fds QEMU inherits
    tty: bool = False  # our stdout is a terminal: kernel gets `tty`
    tty_in: bool = False  # an app's stdin is a terminal: `tty.in`, raw mode
    tty_err: bool = False  # our stderr is a terminal: `tty.err`
    winsize: tuple = None  # (rows, cols) of our terminal: tty.rows/cols
