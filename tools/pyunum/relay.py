# The console relay of a run (docs/host-guest.md): QEMU started with COM1,
# COM2 and its own output on pipes (COM1 a socket pair when the terminal
# types into the app, in raw mode until the end); COM1 to our stdout, COM2
# split into app stderr and kernel records, the final exit or panic record
# made our exit status. Tests: tests/unit/test_unum_record.py, tests/e2e/
# tty.sh, exit-record.sh, timeout-hang.sh.

import ctypes
import fcntl
import os
import re
import selectors
import shlex
import signal
import socket
import subprocess
import termios
import time
import tty

from .common import EXIT_NOEXEC, EXIT_NOTFOUND, EXIT_PANIC, EXIT_TIMEOUT, RunError
from .qemu import build_qemu_command

RS = 0x1E  # COM2 record separator (docs/host-guest.md)


class Com2Parser:
    """Splits the COM2 byte stream into ("stderr", bytes) and
    ("record", bytes) events, in order. A record is 0x1e TEXT \\n; 0x1e 0x1e
    is one literal 0x1e of app stderr. Feed it reads of any size.

    typical use: p = Com2Parser(); for chunk: events += p.feed(chunk);
                 at EOF: events += p.close()"""

    TEXT, RS_SEEN, RECORD = range(3)

    def __init__(self):
        self.state = self.TEXT
        self.record = bytearray()

    def feed(self, data):
        out = []
        app = bytearray()
        i, n = 0, len(data)
        while i < n:
            if self.state == self.RECORD:
                j = data.find(b"\n", i)
                if j < 0:
                    self.record += data[i:]
                    break
                self.record += data[i:j]
                if app:
                    out.append(("stderr", bytes(app)))
                    app = bytearray()
                out.append(("record", self._take_record()))
                i = j + 1
            elif self.state == self.RS_SEEN:
                if data[i] == RS:
                    app.append(RS)
                    i += 1
                else:
                    if app:
                        out.append(("stderr", bytes(app)))
                        app = bytearray()
                    self.state = self.RECORD
                    continue
                self.state = self.TEXT
            else:
                j = data.find(bytes([RS]), i)
                if j < 0:
                    app += data[i:]
                    break
                app += data[i:j]
                self.state = self.RS_SEEN
                i = j + 1
        if app:
            out.append(("stderr", bytes(app)))
        return out

    def close(self):
        """At EOF: a record cut short (the VM died mid-line) still counts as
        kernel log; a lone 0x1e is dropped."""
        out = []
        if self.state == self.RECORD:
            out.append(("record", self._take_record()))
        self.state = self.TEXT
        return out

    def _take_record(self):
        text = bytes(self.record).rstrip(b"\r")
        self.record = bytearray()
        self.state = self.TEXT
        return text


def final_record(text):
    """-> ("exit", N), ("panic", WHY) or None for a record's text."""
    m = re.fullmatch(rb"unum: exit (\d{1,3})", text)
    if m and int(m.group(1)) <= 255:
        return "exit", int(m.group(1))
    m = re.fullmatch(rb"unum: panic: (.*)", text, re.S)
    if m:
        return "panic", m.group(1).decode("utf-8", "replace")
    return None


def fails(status):
    """Statuses after which the buffered kernel log is shown."""
    return status in (EXIT_TIMEOUT, EXIT_PANIC) or status >= 128


# ---------------------------------------------------------------------------
# Running the VM


def _write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def _write_err(fd, data):
    try:
        _write_all(fd, data)
    except BrokenPipeError:
        pass  # nobody reads our stderr: go on for stdout and the status


def _death_signal():
    """A preexec_fn that makes the child die with us (PR_SET_PDEATHSIG), so
    QEMU never outlives a killed tools/unum (e.g. tests/run's timeout).
    prctl is looked up here, in the parent, not after fork."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG


class Relay:
    """Pumps QEMU's COM1, COM2 and own output pipes until all reach EOF
    (QEMU has exited and everything it wrote has been read), and turns
    what came out into our stdout, stderr and exit status."""

    def __init__(self, cfg, out_fd=1, err_fd=2):
        self.cfg = cfg
        self.out_fd, self.err_fd = out_fd, err_fd
        self.parser = Com2Parser()
        self.final = None  # first ("exit", N) / ("panic", WHY) record
        self.klog = []  # kernel records kept for a failure (without -v)
        self.qemu_out = bytearray()  # QEMU's own stdout/stderr
        self.stdout_broken = False
        self.crlf = False  # stderr is a terminal in raw mode: \n -> \r\n
        self.nmi_done = False  # the kernel's hang dump is complete

    def com1(self, data):
        if self.stdout_broken:
            return
        try:
            _write_all(self.out_fd, data)
        except BrokenPipeError:
            self.stdout_broken = True

    def com2(self, events):
        for kind, data in events:
            if kind == "stderr":
                _write_err(self.err_fd, data)
                continue
            if data == NMI_DONE:
                self.nmi_done = True
            fin = final_record(data)
            if fin and self.final is None:
                self.final = fin
                continue  # stripped: it becomes our exit status
            if self.cfg.verbose:
                _write_err(self.err_fd, data + (b"\r\n" if self.crlf
                                                else b"\n"))
            else:
                self.klog.append(data + b"\n")

    def qemu(self, data):
        if self.cfg.verbose:
            _write_err(self.err_fd, data.replace(b"\n", b"\r\n")
                       if self.crlf else data)
        else:
            self.qemu_out += data

    def status(self, returncode, timed_out):
        """Exit status, printing the failure's explanation on stderr."""
        if self.stdout_broken:
            return 128 + signal.SIGPIPE  # as a native app writing to a pipe
        if timed_out:
            st = EXIT_TIMEOUT
            why = f"unum: timeout after {self.cfg.timeout:g}s"
        elif self.final and self.final[0] == "exit":
            st, why = self.final[1], None
        elif self.final:
            st, why = EXIT_PANIC, f"unum: panic: {self.final[1]}"
        else:
            st = EXIT_PANIC
            how = (f"status {returncode}" if returncode >= 0
                   else f"signal {-returncode}")
            why = f"unum: panic: qemu exited ({how}) without an exit record"
        if fails(st):
            _write_err(self.err_fd, b"".join(self.klog) + self.qemu_out)
            if why:
                _write_err(self.err_fd, why.encode() + b"\n")
        elif st in (EXIT_NOEXEC, EXIT_NOTFOUND) and not self.cfg.verbose:
            # the kernel's one line naming the app and why it cannot run
            # (loader/app.c); an app's own 126 or 127 has none
            _write_err(self.err_fd, b"".join(
                r for r in self.klog if b": cannot run: " in r))
        return st


def _make_pipe():
    r, w = os.pipe2(os.O_CLOEXEC)
    try:
        # Roomy: QEMU writes nonblocking, and a byte still queued in the
        # UART (pipe full) when the guest exits is lost.
        fcntl.fcntl(w, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except OSError:
        pass
    return r, w


def _socket_pair():
    """COM1 when it carries keystrokes too: (ours, QEMU's) fds, roomy as
    the pipes are; ours nonblocking (read only after select says so)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    for s in (a, b):
        for opt in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            try:
                s.setsockopt(socket.SOL_SOCKET, opt, 1 << 20)
            except OSError:
                pass
    a.setblocking(False)
    return a.detach(), b.detach()


class Signalled(Exception):
    """SIGTERM or SIGHUP while the terminal is raw: end the run, restore."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


class Keyboard:
    """Our terminal (fd 0) in raw mode, its keystrokes forwarded to COM1
    (the guest's line discipline echoes and edits). Bytes the guest has
    not taken yet wait here, never blocking the relay. The terminal's
    settings and the signal handlers come back in restore(), which run_vm
    calls on every way out."""

    def __init__(self, com1_fd, in_fd=0):
        self.in_fd = in_fd
        self.fd = os.dup(in_fd)  # read by _pump, which closes it at EOF
        self.wfd = os.dup(com1_fd)  # ours: _pump closes com1_fd at EOF
        self.pending = b""
        self.saved = termios.tcgetattr(in_fd)
        self.handlers = {}
        for sig in (signal.SIGTERM, signal.SIGHUP):
            self.handlers[sig] = signal.signal(sig, self._signalled)
        tty.setraw(in_fd, termios.TCSANOW)

    @staticmethod
    def _signalled(signum, frame):
        raise Signalled(signum)

    def feed(self, data):
        self.pending += data
        self.flush()

    def flush(self):
        try:
            while self.pending:
                self.pending = self.pending[os.write(self.wfd,
                                                     self.pending):]
        except BlockingIOError:
            pass
        except OSError:
            self.pending = b""  # QEMU is gone: nobody to type to

    def restore(self):
        try:
            termios.tcsetattr(self.in_fd, termios.TCSADRAIN, self.saved)
        except termios.error:
            pass  # the terminal is gone (hung up)
        for sig, h in self.handlers.items():
            signal.signal(sig, h)
        os.close(self.wfd)


def run_vm(cfg, accel, out_fd=1, err_fd=2):
    """Start QEMU, relay its output until it exits, return our status."""
    pipes = [_make_pipe() for _ in range(3)]  # COM1, COM2, QEMU's own
    (r1, w1), (r2, w2), (rq, wq) = pipes
    com1_fd = None
    if cfg.tty_in:  # COM1 both ways: a socket pair instead of the pipe
        os.close(r1)
        os.close(w1)
        r1, w1 = _socket_pair()
        com1_fd = w1
    qmp, qmp_qemu = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    qmp.setblocking(False)
    cmd = build_qemu_command(cfg, accel, f"/dev/fd/{w1}", f"/dev/fd/{w2}",
                             com1_fd, qmp_qemu.fileno())
    relay = Relay(cfg, out_fd, err_fd)
    if cfg.verbose:
        _write_err(err_fd, f"unum: qemu: {shlex.join(cmd)}\n".encode())
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=wq,
                                stderr=wq, pass_fds=(w1, w2, qmp_qemu.fileno(),
                                                     *cfg.pass_fds),
                                preexec_fn=_death_signal())
    except OSError as e:
        raise RunError(EXIT_PANIC, f"panic: cannot start {cmd[0]}: "
                       f"{e.strerror}")
    finally:
        for w in (w1, w2, wq):
            os.close(w)
        qmp_qemu.close()
    sel = selectors.DefaultSelector()
    sinks = {r1: relay.com1, r2: lambda d: relay.com2(relay.parser.feed(d)),
             rq: relay.qemu}
    for r in sinks:
        sel.register(r, selectors.EVENT_READ)
    timed_out = False
    interrupted = keys = None
    try:
        if cfg.tty_in:
            keys = Keyboard(r1)
            sinks[keys.fd] = keys.feed
            sel.register(keys.fd, selectors.EVENT_READ)
            relay.crlf = os.isatty(err_fd)
        timed_out = _pump(sel, sinks, proc, relay, cfg.timeout, keys,
                          lambda: _ask_nmi(qmp))
    except KeyboardInterrupt:
        interrupted = signal.SIGINT
        proc.kill()
    except Signalled as e:
        interrupted = e.signum
        proc.kill()
    finally:
        if keys:
            keys.restore()
    for key in list(sel.get_map().values()):
        os.close(key.fd)
    qmp.close()
    relay.crlf = False
    relay.com2(relay.parser.close())
    returncode = proc.wait()
    if interrupted:
        return 128 + interrupted
    return relay.status(returncode, timed_out)


# The kernel's last record of its hang dump (core/nmi.c), and how long we
# wait for it after --timeout before QEMU is killed regardless.
NMI_DONE = b"unum: nmi: dump done"
NMI_GRACE = 3.0


def _ask_nmi(qmp):
    """Ask QEMU, through its QMP socket, for an NMI on every CPU. -> True
    when the request went out (QEMU answers; nobody needs to read it)."""
    try:
        qmp.send(b'{"execute": "qmp_capabilities"}\n'
                 b'{"execute": "inject-nmi"}\n')
        return True
    except OSError:
        return False


def _pump(sel, sinks, proc, relay, timeout, keys=None, nmi=None):
    """Read every pipe until EOF on all: QEMU has exited and nothing it
    wrote is left behind (the keyboard, `keys`, is read meanwhile but not
    waited for). When `timeout` expires, `nmi()` asks the guest for its
    hang dump, which gets NMI_GRACE seconds (less when the kernel says it
    is done); then QEMU is killed. -> True when `timeout` expired."""
    deadline = time.monotonic() + timeout if timeout else None
    killed = expired = False
    while set(sel.get_map()) - {keys and keys.fd}:
        wait = None if deadline is None else deadline - time.monotonic()
        if keys and keys.pending:  # the guest's UART was full: try again
            keys.flush()
            wait = 0.05 if wait is None else min(wait, 0.05)
        if expired and relay.nmi_done and not killed:
            wait = 0  # the dump is out: no need to wait the grace out
        if wait is not None and wait <= 0:
            if killed:
                return True  # EOF should have come: give up draining
            if not expired:
                expired = True
                if nmi and nmi():
                    deadline = time.monotonic() + NMI_GRACE
                    continue
            proc.kill()  # the pipes then reach EOF: the loop drains them
            killed = True
            deadline = time.monotonic() + 5
            continue
        for key, _ in sel.select(wait):
            try:
                data = os.read(key.fd, 1 << 16)
            except BlockingIOError:
                continue
            except OSError:  # EIO: our terminal hung up
                data = b""
            if data:
                sinks[key.fd](data)
            else:
                sel.unregister(key.fd)
                os.close(key.fd)
        if relay.stdout_broken and not killed:
            proc.kill()
            killed = True
            deadline = time.monotonic() + 5
    return (killed or expired) and not relay.stdout_broken

