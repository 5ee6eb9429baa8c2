#!/usr/bin/env python3
"""Run a command on a new pseudo-terminal (its stdin and stdout; stderr to
a file) and type at it as a user would: wait for text, then send keys.

usage: tty_drive.py --out FILE --err FILE [--rows R --cols C]
                    [--timeout S] STEP... -- CMD...
STEP is `expect:TEXT` (wait until TEXT appears after the last match),
`send:TEXT` (type it; TEXT takes Python escapes: \\r, \\x03), `raw:`
(wait until CMD has put the terminal in raw mode: keys sent before that
would meet the host's own line discipline), `kill:N` (send CMD signal N)
or `retry:TEXT` (wait for TEXT; each time the last expect's text shows
again first, do the last send again: for a prompt the program repeats). The window
size is set on the terminal before CMD starts. What CMD wrote to the
terminal goes to --out, byte for byte. On stdout: `status N` (CMD's exit
status) and `termios same` or `termios changed` (the terminal's settings
after CMD ended, against before it started). Exit 1, with the reason on
stderr, when an expected text never comes or CMD does not end."""

import codecs
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time


def parse(argv):
    opts = {"rows": 0, "cols": 0, "timeout": 300.0}
    steps = []
    i = 0
    while i < len(argv) and argv[i] != "--":
        a = argv[i]
        if a in ("--out", "--err", "--rows", "--cols", "--timeout"):
            opts[a[2:]] = argv[i + 1]
            i += 2
            continue
        kind, _, text = a.partition(":")
        if kind not in ("expect", "send", "raw", "kill", "retry"):
            sys.exit(f"tty_drive: bad step {a!r}")
        steps.append((kind, codecs.decode(text, "unicode_escape").encode(
            "latin-1")))
        i += 1
    if i >= len(argv) - 1 or "out" not in opts or "err" not in opts:
        sys.exit(__doc__)
    return opts, steps, argv[i + 1:]


class Terminal:
    def __init__(self, master):
        self.master = master
        self.data = bytearray()
        self.pos = 0  # where the next expect starts looking

    def read(self, wait):
        if select.select([self.master], [], [], max(wait, 0))[0]:
            try:
                chunk = os.read(self.master, 1 << 16)
            except OSError:  # EIO: no one holds the other side
                chunk = b""
            self.data += chunk
            return bool(chunk)
        return False

    def expect(self, text, deadline, again=None):
        """True when text came; with again (a text), the index of it when
        that came first instead."""
        while True:
            at = self.data.find(text, self.pos)
            other = self.data.find(again, self.pos) if again else -1
            if other >= 0 and (at < 0 or other < at):
                self.pos = other + len(again)
                return "again"
            if at >= 0:
                self.pos = at + len(text)
                return True
            if time.monotonic() >= deadline:
                return False
            self.read(deadline - time.monotonic())


def main(argv):
    opts, steps, cmd = parse(argv)
    timeout = float(opts["timeout"])
    master, slave = os.openpty()
    if int(opts["rows"]):
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack(
            "HHHH", int(opts["rows"]), int(opts["cols"]), 0, 0))
    before = termios.tcgetattr(slave)
    with open(opts["err"], "wb") as err:
        proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=err,
                                start_new_session=True)
    term = Terminal(master)
    deadline = time.monotonic() + timeout
    failure = None
    last = {}
    for kind, text in steps:
        last[kind] = text
        if kind == "retry":
            while (got := term.expect(text, deadline,
                                      last.get("expect"))) == "again":
                os.write(master, last["send"])
            if not got:
                failure = f"never saw {text!r}"
                break
        elif kind == "send":
            os.write(master, text)
        elif kind == "kill":
            proc.send_signal(int(text))
        elif kind == "raw":
            while termios.tcgetattr(slave)[3] & termios.ICANON:
                if time.monotonic() >= deadline or proc.poll() is not None:
                    failure = "the terminal never went raw"
                    break
                term.read(0.05)
            if failure:
                break
        elif not term.expect(text, deadline):
            failure = f"never saw {text!r}"
            break
    while failure is None and proc.poll() is None:
        if time.monotonic() >= deadline:
            failure = f"command still running after {timeout:g}s"
            break
        term.read(0.2)
    if failure:
        proc.kill()
    status = proc.wait()
    while term.read(0.2):  # what it wrote before it ended
        pass
    after = termios.tcgetattr(slave)
    with open(opts["out"], "wb") as f:
        f.write(term.data)
    print(f"status {status}")
    print("termios same" if after == before else "termios changed")
    if failure:
        print(f"tty_drive: {failure}; the terminal showed:\n"
              f"{bytes(term.data)!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
