#!/usr/bin/env python3
"""One run of a TCP benchmark (tools/bench/sections/55-tcp.sh): boot a
guest whose program serves on guest port 80 (ours with tools/unum --net
user --port; the Linux guest with the same netdev and device, and
progs/netup in front of the program), wait for its "listening on" line,
put a bounded load on 127.0.0.1:PORT from the host, stop the guest, and
print "result KEY VALUE" lines. Loads:
  http SECONDS CONNS   wrk, keep-alive: requests, req/s, errors
  ab REQUESTS CONNS    ab, a new connection per request: conn/s, failed
  sink BYTES           the guest reads BYTES we send: MB/s (host clock)
  source BYTES         the guest writes BYTES to us: MB/s
  idle SECONDS         nothing (the icount baseline of an http run)
  none                 the program runs to its end (rtt), its output kept
Usage: tcpload.py --side ours|linux [--icount FILE] [--mod KO]...
         [--timeout S] LOAD ARGS... -- PROGRAM ARGS..."""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
MEM = os.environ.get("BENCH_TCP_MEM", "512M")
GUEST_PORT = 80


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def guest_argv(a, port):
    prog, args = a.program[0], a.program[1:]
    if a.side == "ours":
        argv = [os.path.join(ROOT, "tools", "unum"), "run", prog, "--machine", "q35",
                "--mem", MEM, "--net", "user", "--port", f"{port}:{GUEST_PORT}",
                "--timeout", str(a.timeout)]
        if a.icount:
            # idle_poll=0: the idle loop's polling would count as work
            argv += ["--kernel-args", "idle_poll=0", "--qemu", "-plugin", "--qemu",
                     f"{BUILD}/bench/icount.so,{a.marks}out={a.icount}" if a.marks else
                     f"{BUILD}/bench/icount.so,out={a.icount}"]
        return argv + ["--"] + args
    argv = [os.path.join(ROOT, "tools", "bench", "linux-guest"), "--mem", MEM,
            "--timeout", str(a.timeout)]
    if a.icount:
        argv += ["--icount", a.icount]
        for m in a.marks.split(",") if a.marks else []:
            if m:
                argv += ["--mark", m[len("mark="):]]
    for m in a.mods:
        argv += ["--add", f"{m}:/modules/{os.path.basename(m)}"]
    argv += ["--add", f"{prog}:/app/{os.path.basename(prog)}"]
    argv += ["--qemu=-netdev", f"--qemu=user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:{GUEST_PORT}",
             "--qemu=-device", "--qemu=virtio-net-pci,netdev=n0"]
    netup = os.path.join(BUILD, "bench", "netup")
    return (argv + [netup] + [f"/modules/{os.path.basename(m)}" for m in a.mods] +
            ["--", f"/app/{os.path.basename(prog)}"] + args)


def qemu_pids(pid):
    """the QEMU processes among pid's descendants"""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            continue
        for k in kids:
            try:
                with open(f"/proc/{k}/comm") as f:
                    if f.read().startswith("qemu-system"):
                        found.append(k)
                        continue
            except OSError:
                pass
            todo.append(k)
    return found


def wait_listening(vm, out, deadline):
    while b"listening on" not in b"".join(out):
        if vm.poll() is not None:
            return f"the guest ended (status {vm.returncode}) before listening"
        if time.monotonic() > deadline:
            return "no 'listening on' line in time"
        time.sleep(0.1)
    time.sleep(0.2)
    return None


def run_cmd(argv, timeout):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return r.stdout.decode(errors="replace")


def load_http(port, seconds, conns):
    out = run_cmd(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s",
                   f"http://127.0.0.1:{port}/"], seconds + 30)
    m = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m or not rps:
        return {"error": "wrk: " + out.strip().replace("\n", " ")[-200:]}
    errs = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": m.group(1), "rps": rps.group(1),
            "errors": (errs.group(1).replace(" ", "") if errs else "0") +
            (f",non2xx{non2xx.group(1)}" if non2xx else "")}


def load_ab(port, requests, conns):
    out = run_cmd(["ab", "-q", "-n", str(requests), "-c", str(conns), "-s", "10", "-r",
                   f"http://127.0.0.1:{port}/"], 300)
    rps = re.search(r"Requests per second:\s+([\d.]+)", out)
    failed = re.search(r"Failed requests:\s+(\d+)", out)
    done = re.search(r"Complete requests:\s+(\d+)", out)
    if not rps:
        return {"error": "ab: " + out.strip().replace("\n", " ")[-200:]}
    return {"rps": rps.group(1), "failed": failed.group(1) if failed else "?",
            "requests": done.group(1) if done else "?"}


def load_stream(port, source, nbytes, timeout):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    buf = b"q" * 65536
    got = 0
    t0 = time.monotonic()
    if source:
        while True:
            d = s.recv(1 << 20)
            if not d:
                break
            got += len(d)
    else:
        left = nbytes
        while left > 0:
            left -= s.send(buf[:min(left, len(buf))])
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
        got = nbytes
    t = time.monotonic() - t0
    s.close()
    if source and got != nbytes:
        return {"error": f"received {got} bytes of {nbytes}"}
    return {"bytes": str(got), "mbs": f"{got / t / 1e6:.1f}"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--side", choices=("ours", "linux"), required=True)
    p.add_argument("--icount")
    p.add_argument("--marks", default="", help="mark=0xADDR:NAME,... for icount")
    p.add_argument("--mod", dest="mods", action="append", default=[])
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("load")
    p.add_argument("rest", nargs="*")
    argv = sys.argv[1:]
    if "--" not in argv:
        p.error("-- PROGRAM ARGS missing")
    i = argv.index("--")
    a = p.parse_args(argv[:i])
    largs, a.program = a.rest, argv[i + 1:]
    if a.marks and not a.marks.endswith(","):
        a.marks += ","
    port = free_port()
    out = []
    vm = subprocess.Popen(guest_argv(a, port), cwd=ROOT, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                          env=dict(os.environ, UNUM_KERNEL=os.environ.get(
                              "KERNEL", os.path.join(BUILD, "kernel.elf"))))
    err = []
    threading.Thread(target=lambda: out.extend(iter(lambda: vm.stdout.readline(), b"")),
                     daemon=True).start()
    threading.Thread(target=lambda: err.extend(vm.stderr), daemon=True).start()
    res = {}
    try:
        if a.load == "none":
            try:
                vm.wait(a.timeout + 30)
            except subprocess.TimeoutExpired:
                res["error"] = "the guest did not end"
        else:
            why = wait_listening(vm, out, time.monotonic() + 180)
            if why:
                res["error"] = why
            elif a.load == "http":
                res = load_http(port, int(largs[0]), int(largs[1]))
            elif a.load == "ab":
                res = load_ab(port, int(largs[0]), int(largs[1]))
            elif a.load in ("sink", "source"):
                res = load_stream(port, a.load == "source", int(largs[0]), 120)
            elif a.load == "idle":
                time.sleep(int(largs[0]))
            else:
                res["error"] = f"unknown load {a.load}"
            if a.load in ("sink", "source"):
                try:
                    vm.wait(60)
                except subprocess.TimeoutExpired:
                    pass
    except (OSError, subprocess.TimeoutExpired) as e:
        res["error"] = f"{a.load}: {e}"
    finally:
        if vm.poll() is None:
            # QEMU alone, which exits cleanly on SIGTERM (the plugin
            # reports); tools/unum would take QEMU down with SIGKILL
            qemus = qemu_pids(vm.pid)
            for q in qemus:
                os.kill(q, signal.SIGTERM)
            if not qemus:
                os.killpg(vm.pid, signal.SIGTERM)
            try:
                vm.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(vm.pid, signal.SIGKILL)
                vm.wait()
    time.sleep(0.1)
    for line in b"".join(out).decode(errors="replace").splitlines():
        if line.startswith("bench "):
            print(line)
    for k, v in res.items():
        print(f"result {k} {v}")
    if "error" in res:
        tail = b"".join(err).decode(errors="replace").strip().splitlines()[-3:]
        print("result stderr " + " | ".join(tail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
