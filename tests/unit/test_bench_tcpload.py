#!/usr/bin/env python3
# tools/bench/tcpload.py, the one-run driver of the TCP benchmark sections
# (55-tcp, 60-nginx, 61-redis): its readiness probes against real sockets
# on 127.0.0.1 (an answer, a wrong answer, a port that takes the
# connection and closes it as QEMU's forward does before the guest
# listens), its relay (50 clients at once to a backlog of 1), the Linux
# guest's --add words for a folder, wrk's latency
# units, redis-benchmark's CSV, and one whole --side host run: a real
# HTTP server on 127.0.0.1 under a 1-second wrk load.
# Run: python3 tests/unit/test_bench_tcpload.py (silent on success).

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOAD = os.path.join(ROOT, "tools", "bench", "tcpload.py")
sys.dont_write_bytecode = True
spec = importlib.util.spec_from_file_location("tcpload", LOAD)
tcpload = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tcpload)


class Server:
    """a listener on 127.0.0.1 that answers each connection's first read
    with `reply` (None: closes it unread) and closes it"""

    def __init__(self, reply):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(8)
        self.port = self.s.getsockname()[1]
        self.got = []
        self.reply = reply
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            with c:
                if self.reply is not None:
                    self.got.append(c.recv(256))
                    c.sendall(self.reply)

    def close(self):
        self.s.close()


class Probes(unittest.TestCase):
    def test_http_answer(self):
        s = Server(b"HTTP/1.1 200 OK\r\n\r\n")
        self.assertTrue(tcpload.answers(s.port, "http"))
        self.assertEqual(s.got, [b"HEAD / HTTP/1.0\r\n\r\n"])
        s.close()

    def test_redis_answer(self):
        s = Server(b"+PONG\r\n")
        self.assertTrue(tcpload.answers(s.port, "redis"))
        self.assertEqual(s.got, [b"PING\r\n"])
        self.assertFalse(tcpload.answers(s.port, "http"))
        s.close()

    def test_closed_unanswered(self):
        s = Server(None)  # takes the connection, says nothing
        self.assertFalse(tcpload.answers(s.port, "http"))
        s.close()

    def test_nobody_listening(self):
        self.assertFalse(tcpload.answers(tcpload.free_port(), "redis"))


class RelayTest(unittest.TestCase):
    def test_relay_many_at_once(self):
        """50 clients connect at once through the relay to an upstream with a
        backlog of 1 (as QEMU's forward): each is relayed, both ways"""
        up = socket.socket()
        up.bind(("127.0.0.1", 0))
        up.listen(1)

        def echo():
            while True:
                try:
                    c, _ = up.accept()
                except OSError:
                    return

                def one(c=c):
                    with c:
                        while True:
                            d = c.recv(4096)
                            if not d:
                                return
                            c.sendall(d)
                threading.Thread(target=one, daemon=True).start()
        threading.Thread(target=echo, daemon=True).start()
        r = tcpload.Relay(up.getsockname()[1])
        cs = [socket.create_connection(("127.0.0.1", r.port), timeout=10) for _ in range(50)]
        for i, c in enumerate(cs):
            c.sendall(b"ping %d\n" % i)
        for i, c in enumerate(cs):
            want = b"ping %d\n" % i
            got = b""
            while len(got) < len(want):
                d = c.recv(100)
                self.assertTrue(d, f"client {i}: closed")
                got += d
            self.assertEqual(got, want)
            c.close()
        up.close()


class Words(unittest.TestCase):
    def test_linux_adds(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "www", "sub"))
            for f in ("www/a.html", "www/sub/b.html"):
                open(os.path.join(d, f), "w").close()
            self.assertEqual(tcpload.linux_adds(os.path.join(d, "www") + ":/srv/www"), [
                "--add", os.path.join(d, "www", "a.html") + ":/srv/www/a.html",
                "--add", os.path.join(d, "www", "sub", "b.html") + ":/srv/www/sub/b.html"])
            f = os.path.join(d, "www", "a.html")
            self.assertEqual(tcpload.linux_adds(f + ":/etc/x"), ["--add", f + ":/etc/x"])
            self.assertEqual(tcpload.linux_adds(f), ["--add", f + ":/a.html"])

    def test_wrk_units(self):
        self.assertEqual(tcpload.wrk_us("635.91", "us"), 635.91)
        self.assertEqual(tcpload.wrk_us("1.20", "ms"), 1200)
        self.assertEqual(tcpload.wrk_us("2.00", "s"), 2e6)

    def test_redis_csv(self):
        csv = ('"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",'
               '"p95_latency_ms","p99_latency_ms","max_latency_ms"\n'
               '"SET","8123.48","5.962","1.496","5.671","8.583","11.119","19.279"\n'
               '"GET","9000.00","5.001","1.000","5.000","8.000","9.500","12.000"\n')
        old = tcpload.run_cmd
        tcpload.run_cmd = lambda argv, timeout: csv
        try:
            r = tcpload.load_redis(1, 10, 2, 1, "set,get")
            self.assertEqual(r, {"set_rps": "8123", "set_p99": "11119",
                                 "get_rps": "9000", "get_p99": "9500"})
            tcpload.run_cmd = lambda argv, timeout: csv.split("\n", 2)[0] + "\n" + \
                csv.split("\n")[1] + "\nError: Connection reset by peer\n"
            r = tcpload.load_redis(1, 10, 2, 1, "set,get")
            self.assertIn("error", r)  # GET missing, an error line
        finally:
            tcpload.run_cmd = old


@unittest.skipUnless(shutil.which("wrk"), "wrk not installed")
class HostRun(unittest.TestCase):
    def test_host_http(self):
        port = tcpload.free_port()
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "index.html"), "w") as f:
                f.write("x" * 100)
            r = subprocess.run([sys.executable, LOAD, "--side", "host", "--port", str(port),
                                "--ready", "http", "--timeout", "60", "http", "1", "2",
                                "/index.html", "--", sys.executable, "-m", "http.server",
                                "--bind", "127.0.0.1", "--directory", d, str(port)],
                               capture_output=True, text=True, timeout=120)
        res = dict(line.split(" ", 2)[1:] for line in r.stdout.splitlines()
                   if line.startswith("result "))
        self.assertNotIn("error", res, r.stdout)
        self.assertGreater(int(res["requests"]), 0)
        self.assertGreater(float(res["rps"]), 0)
        self.assertGreater(int(res["p99"]), 0)
        # the server is gone: tcpload stopped it
        self.assertFalse(tcpload.answers(port, "http"))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-q"])
