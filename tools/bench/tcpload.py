#!/usr/bin/env python3
"""One run of a TCP benchmark (tools/bench/sections/55-tcp.sh, 60-nginx.sh,
61-redis.sh): boot a guest whose program serves on a guest port (80 unless
--guest-port; ours with tools/unum --net user --port; the Linux guest with
the same netdev and device, and progs/netup in front of the program), or
run the program on the host itself (--side host: it must listen on
127.0.0.1:--port, which the caller put in its arguments), wait until it is
ready, put a bounded load on 127.0.0.1:PORT from the host, stop the guest,
and print "result KEY VALUE" lines. Ready (--ready):
  line      its stdout has a "listening on" line (the default)
  http      it answers "HEAD / HTTP/1.0" on the port with "HTTP/"
  redis     it answers "PING" on the port with "+PONG"
Loads:
  http SECONDS CONNS [PATH]  wrk, keep-alive: requests, req/s, errors,
                       p99 (latency, microseconds)
  ab REQUESTS CONNS    ab, a new connection per request: conn/s, failed
  redis REQUESTS CLIENTS PIPELINE TESTS  redis-benchmark -t TESTS (get,set):
                       NAME_rps and NAME_p99 (microseconds) per test
  sink BYTES           the guest reads BYTES we send: MB/s (host clock)
  source BYTES         the guest writes BYTES to us: MB/s
  idle SECONDS         nothing (the icount baseline of a load run)
  none                 the program runs to its end (rtt), its output kept
  iperf3 SECONDS [reverse]  the host's iperf3 client against the guest's
                       iperf3 -s for SECONDS (reverse: the guest sends),
                       tried until one runs (no wait for readiness):
                       MB/s received, retransmits
  first200 SECONDS     no wait for readiness: curl from the guest's launch
                       until it gets status 200 (at most SECONDS): ms
Usage: tcpload.py --side ours|linux|host [--icount FILE] [--mod KO]...
         [--add HOST[:GUEST]]... [--guest-port N] [--port N] [--mem SIZE]
         [--ready line|http|redis] [--timeout S] LOAD ARGS... -- PROGRAM ARGS..."""
import argparse
import json
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

# what --ready sends on the port, and how the answer starts
PROBES = {"http": (b"HEAD / HTTP/1.0\r\n\r\n", b"HTTP/"), "redis": (b"PING\r\n", b"+PONG")}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Relay:
    """127.0.0.1:port with a deep accept queue, each connection relayed to
    127.0.0.1:upstream, the upstream connections made one at a time. QEMU's
    user networking listens on its forwarded port with a backlog of 1
    (ss -ltn): 50 clients connecting at once (redis-benchmark -c 50) have
    SYNs dropped, wait out the host's SYN retries (1 s, 3 s, 7 s...) and
    are sometimes reset by slirp, whatever the guest (the Linux guest
    too), so redis-benchmark stalls or quits. Both guests get the relay."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.lock = threading.Lock()
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(256)
        self.port = self.s.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            threading.Thread(target=self.relay, args=(c,), daemon=True).start()

    def relay(self, c):
        with self.lock:
            try:
                u = socket.create_connection(("127.0.0.1", self.upstream), timeout=30)
            except OSError:
                c.close()
                return
        u.settimeout(None)
        for x in (c, u):
            x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=self.pump, args=(u, c), daemon=True).start()
        self.pump(c, u)

    @staticmethod
    def pump(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def linux_adds(spec):
    """HOST[:GUEST] -> linux-guest --add words: a folder file by file (its
    --add takes files only)"""
    host, _, guest = spec.partition(":")
    guest = guest or "/" + os.path.basename(host.rstrip("/"))
    if not os.path.isdir(host):
        return ["--add", f"{host}:{guest}"]
    words = []
    for d, _, files in sorted(os.walk(host)):
        for f in sorted(files):
            path = os.path.join(d, f)
            words += ["--add", path + ":" + os.path.join(guest, os.path.relpath(path, host))]
    return words


def guest_argv(a, port):
    prog, args = a.program[0], a.program[1:]
    if a.side == "host":
        return a.program
    if a.side == "ours":
        argv = [os.path.join(ROOT, "tools", "unum"), "run", prog, "--machine", "q35",
                "--mem", a.mem, "--net", "user", "--port", f"{port}:{a.guest_port}",
                "--timeout", str(a.timeout)]
        for spec in a.add:
            argv += ["--add", spec]
        if a.icount:
            # idle_poll=0: the idle loop's polling would count as work
            argv += ["--kernel-args", "idle_poll=0", "--qemu", "-plugin", "--qemu",
                     f"{BUILD}/bench/icount.so,{a.marks}out={a.icount}" if a.marks else
                     f"{BUILD}/bench/icount.so,out={a.icount}"]
        return argv + ["--"] + args
    argv = [os.path.join(ROOT, "tools", "bench", "linux-guest"), "--mem", a.mem,
            "--timeout", str(a.timeout)]
    if a.icount:
        argv += ["--icount", a.icount]
        for m in a.marks.split(",") if a.marks else []:
            if m:
                argv += ["--mark", m[len("mark="):]]
    for m in a.mods:
        argv += ["--add", f"{m}:/modules/{os.path.basename(m)}"]
    for spec in a.add:
        argv += linux_adds(spec)
    argv += ["--add", f"{prog}:/app/{os.path.basename(prog)}"]
    argv += ["--qemu=-netdev", f"--qemu=user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:{a.guest_port}",
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


def answers(port, probe):
    """does 127.0.0.1:port answer probe as expected? (QEMU's forward takes
    the connection before the guest does: only an answer tells)"""
    send, expect = PROBES[probe]
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.settimeout(2)
            s.sendall(send)
            got = b""
            while len(got) < len(expect):
                d = s.recv(256)
                if not d:
                    break
                got += d
            return got.startswith(expect)
    except OSError:
        return False


def wait_ready(vm, out, deadline, how, port):
    while True:
        if how == "line":
            if b"listening on" in b"".join(out):
                break
        elif answers(port, how):
            return None
        if vm.poll() is not None:
            return f"the guest ended (status {vm.returncode}) before it was ready"
        if time.monotonic() > deadline:
            return "no 'listening on' line in time" if how == "line" else \
                f"no answer to the {how} probe on the port in time"
        time.sleep(0.1 if how == "line" else 0.5)
    time.sleep(0.2)
    return None


def load_first200(vm, port, t0, seconds):
    """ms from t0 (the guest's launch) until curl gets status 200"""
    while time.monotonic() - t0 < seconds:
        if vm.poll() is not None:
            return {"error": f"the guest ended (status {vm.returncode}) before a 200"}
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                            "--max-time", "2", f"http://127.0.0.1:{port}/"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if r.stdout.strip() == b"200":
            return {"ms": f"{(time.monotonic() - t0) * 1000:.0f}"}
        time.sleep(0.02)
    return {"error": f"no status 200 within {seconds} s"}


def load_iperf3(vm, port, seconds, reverse, deadline):
    """iperf3 -c from the host until one test runs (QEMU's forward takes
    connections before the guest listens: such a try ends at once with an
    "error" in its JSON report); MB/s as the receiver counted"""
    argv = ["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(seconds), "-J"]
    if reverse:
        argv.append("-R")
    last = ""
    while time.monotonic() < deadline:
        if vm.poll() is not None:
            return {"error": f"the guest ended (status {vm.returncode}) before a test ran"}
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=seconds + 60)
        try:
            end = json.loads(r.stdout).get("end", {})
        except ValueError:
            end = {}
        if "sum_received" in end and "sum_sent" in end:
            rx, tx = end["sum_received"], end["sum_sent"]
            return {"mbs": f"{rx['bytes'] / rx['seconds'] / 1e6:.1f}",
                    "retransmits": str(tx.get("retransmits", "-"))}
        last = r.stdout.decode(errors="replace").strip().replace("\n", " ")[-200:]
        time.sleep(1)
    return {"error": "iperf3: no test ran: " + last}


def run_cmd(argv, timeout):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return r.stdout.decode(errors="replace")


def wrk_us(v, unit):
    """a wrk latency (635.91us, 1.20ms, 2.00s, 1.00m) in microseconds"""
    return float(v) * {"us": 1, "ms": 1e3, "s": 1e6, "m": 6e7}[unit]


def load_http(port, seconds, conns, path="/"):
    out = run_cmd(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s", "--latency",
                   f"http://127.0.0.1:{port}{path}"], seconds + 30)
    m = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m or not rps:
        return {"error": "wrk: " + out.strip().replace("\n", " ")[-200:]}
    errs = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    res = {"requests": m.group(1), "rps": rps.group(1),
           "errors": (errs.group(1).replace(" ", "") if errs else "0") +
           (f",non2xx{non2xx.group(1)}" if non2xx else "")}
    if p99:
        res["p99"] = f"{wrk_us(*p99.groups()):.0f}"
    return res


def load_redis(port, requests, clients, pipeline, tests, timeout=300):
    """redis-benchmark: its --csv rows are "TEST","rps","avg_latency_ms",
    "min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",
    "max_latency_ms" """
    out = run_cmd(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", str(clients),
                   "-n", str(requests), "-P", str(pipeline), "-t", tests, "--csv"], timeout)
    res = {}
    for line in out.splitlines():
        f = [w.strip('"') for w in line.strip().split(",")]
        if len(f) >= 7 and f[0] != "test":
            try:
                res[f"{f[0].lower()}_rps"] = f"{float(f[1]):.0f}"
                res[f"{f[0].lower()}_p99"] = f"{float(f[6]) * 1000:.0f}"
            except ValueError:
                pass
    want = [t.lower() for t in tests.split(",")]
    if any(f"{t}_rps" not in res for t in want) or re.search(r"^Error|^ERROR", out, re.M):
        res["error"] = "redis-benchmark: " + out.strip().replace("\n", " ")[-200:]
    return res


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
    p.add_argument("--side", choices=("ours", "linux", "host"), required=True)
    p.add_argument("--icount")
    p.add_argument("--marks", default="", help="mark=0xADDR:NAME,... for icount")
    p.add_argument("--mod", dest="mods", action="append", default=[])
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--add", action="append", default=[], metavar="HOST[:GUEST]",
                   help="a file or folder into the guest's root (both guests)")
    p.add_argument("--guest-port", type=int, default=80)
    p.add_argument("--port", type=int, help="the host port (default: a free one)")
    p.add_argument("--mem", default=os.environ.get("BENCH_TCP_MEM", "512M"))
    p.add_argument("--ready", choices=("line",) + tuple(PROBES), default="line")
    p.add_argument("--relay", action="store_true",
                   help="the load goes through a relay that connects one at a time (class Relay)")
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
    if a.side == "host" and (a.port is None or a.icount or a.mods):
        p.error("--side host needs --port (the program's, in its arguments), no --icount, --mod")
    port = a.port or free_port()
    out = []
    t0 = time.monotonic()
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
        elif a.load == "first200":
            res = load_first200(vm, port, t0, int(largs[0]))
        elif a.load == "iperf3":
            res = load_iperf3(vm, port, int(largs[0]), largs[1:2] == ["reverse"],
                              time.monotonic() + 180)
        else:
            why = wait_ready(vm, out, time.monotonic() + 180, a.ready, port)
            if why:
                res["error"] = why
            elif a.load == "http":
                res = load_http(port, int(largs[0]), int(largs[1]), *largs[2:3])
            elif a.load == "ab":
                res = load_ab(port, int(largs[0]), int(largs[1]))
            elif a.load == "redis":
                res = load_redis(Relay(port).port if a.relay else port, int(largs[0]), int(largs[1]), int(largs[2]), largs[3],
                                 a.timeout)
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
