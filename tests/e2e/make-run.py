#!/usr/bin/env python3
"""`make run` with no APP (README, "The two commands"): it builds the
default app, apps/httpd (tests/net/httpd.c), and serves it: "serving
http://127.0.0.1:PORT/ (Ctrl-C stops)" (PORT= moves it off 8080, so the
test takes a free port), and curl gets the server's 1 KB page. On a
terminal (a pty here, as a user's), Ctrl-C is a keystroke for the guest's
line discipline: SIGINT to the app, whose handler exits 0, so make's
status is 0 (tools/unum killing QEMU instead would be 130, and make 2),
and the terminal's settings are as they were before the raw mode."""
import os
import pty
import signal
import socket
import subprocess
import sys
import termios
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", "build")
DEADLINE = 300  # s: make (it may build httpd), the boot, the request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    port = free_port()
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    cmd = ["make", "-s", "run", f"BUILD={BUILD}", f"PORT={port}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    out = bytearray()

    def reader():
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            out.extend(data)

    threading.Thread(target=reader, daemon=True).start()

    def fail(why):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        sys.stderr.write(f"--- command: {' '.join(cmd)}\n--- terminal:\n")
        sys.stderr.write(out.decode(errors="replace") + "\n")
        print(f"FAIL: {why}", file=sys.stderr)
        sys.exit(1)

    def wait_for(text, until):
        while text.encode() not in out:
            if proc.poll() is not None:
                fail(f"make ended ({proc.returncode}) before {text!r}")
            if time.monotonic() > until:
                fail(f"no {text!r} within {DEADLINE} s")
            time.sleep(0.1)

    until = time.monotonic() + DEADLINE
    wait_for(f"serving http://127.0.0.1:{port}/ (Ctrl-C stops)", until)
    wait_for("listening on 80", until)
    curl = subprocess.run(["curl", "-s", "-S", "--max-time", "30", "-o", "-", "-w",
                           "\n%{http_code}", f"http://127.0.0.1:{port}/"],
                          capture_output=True, timeout=60)
    body, _, code = curl.stdout.rpartition(b"\n")
    if curl.returncode or code != b"200" or len(body) != 1024:
        fail(f"curl: status {curl.returncode}, HTTP {code!r}, {len(body)} bytes "
             f"(want 200 and the 1024-byte page): {curl.stderr.decode()}")
    os.write(master, b"\x03")  # Ctrl-C
    try:
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        fail("make run still running 60 s after Ctrl-C")
    if rc != 0:
        fail(f"make run ended with {rc}, not the app's own 0 (SIGINT handled)")
    after = termios.tcgetattr(slave)
    if after != before:
        fail(f"the terminal was not restored: {before} then {after}")
    print(f"make run: served the page on {port}; Ctrl-C, status 0, terminal restored")


if __name__ == "__main__":
    main()
