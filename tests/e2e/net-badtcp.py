#!/usr/bin/env python3
"""Bad input over the wire to a TCP server in the guest (tests/guest-net/
tcpserve.c on 10.9.0.2:80, ip= on the kernel command line), in frames this
test writes itself through QEMU's `-netdev dgram` (tests/e2e/lib/rawtcp.py:
no root, no tap, never skipped). First a good handshake, request and
reply; then groups of bad input, and after each group the good exchange
again, which must still be answered:
- malformed IPv4 carrying a SYN (truncated header, header length past the
  packet or below 20, total length past the frame or below the header, bad
  IP checksum) and malformed TCP (bad checksum, data offset below 5 or past
  the segment): dropped, no SYN-ACK;
- bogus options on a SYN (a zero-length option, one running past the
  header, window scale 15, MSS 0, length 1): ignored or clamped as Linux
  does, so the connection works;
- SYN+FIN to the listener: dropped (Linux discards it in LISTEN);
- RST with a sequence number outside the window, and inside it but not
  exact (RFC 5961): the connection survives and serves the request;
- overlapping IPv4 fragments of an echo request: no reply (Linux discards
  the datagram); the same fragments without overlap are answered;
- a SYN flood, 3,000 SYNs from random ports within 20 s;
- 5,000 half-open connections (each SYN-ACK never acknowledged)."""
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import rawtcp  # noqa: E402
from rawtcp import ACK, FIN, PSH, RST, SYN, Conn, Fail, eth, ipv4, tcp  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
SERVER = os.path.join(BUILD, "tests", "guest-net", "tcpserve-musl")
PORT = 80
BOOT_DEADLINE = 90  # s: boot under TCG and the first answer
REQUEST = b"GET / HTTP/1.0\r\nHost: 10.9.0.2\r\n\r\n"
FLOOD_SYNS, FLOOD_SECONDS = 3000, 20
HALF_OPEN = 5000


def reply_problem(data, fin):
    """None for the server's whole reply (status line, 1 KB body, FIN)"""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200 OK\r\n"):
        return f"reply {data[:40]!r}, expected 'HTTP/1.1 200 OK'"
    if not sep or len(body) != 1024:
        return f"reply body of {len(body)} bytes, expected 1024"
    if not fin:
        return "no FIN after the reply to an HTTP/1.0 request"
    return None


def exchange(link, what, opts=b"\x02\x04\x05\xb4", wait=10):
    """a handshake, request and whole reply on a new connection"""
    c = Conn(link, PORT)
    if not c.handshake(wait, opts):
        raise Fail(f"{what}: no SYN-ACK from port {PORT} in {wait} s")
    p = reply_problem(*c.request(REQUEST, wait))
    if p:
        raise Fail(f"{what}: {p}")
    c.close()
    return c


def syn_frame(sport, **ipkw):
    return eth(ipv4(tcp(sport, PORT, random.randrange(1 << 32), 0, SYN,
                        opts=b"\x02\x04\x05\xb4"), **ipkw))


def malformed():
    """(name, sport, frame): each carries a SYN the guest must not answer"""
    out = []

    def add(name, build):
        sport = random.randrange(20000, 60000)
        out.append((name, sport, build(sport)))

    def good_ip(sport):
        return ipv4(tcp(sport, PORT, 1000, 0, SYN))

    add("truncated IPv4 header (12 bytes)", lambda s: eth(good_ip(s)[:12]))
    add("IPv4 header length 60 in a 40-byte packet",
        lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN), ihl=15, total=40)[:40]))
    add("IPv4 header length below 20 (ihl 4)",
        lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN), ihl=4)))
    add("IPv4 total length past the frame",
        lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN), total=1400)))
    add("IPv4 total length below the header",
        lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN), total=16)))
    add("bad IPv4 header checksum", lambda s: syn_frame(s, bad_csum=True))
    add("bad TCP checksum",
        lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN, bad_csum=True))))
    add("TCP data offset 4 (below 20 bytes)",
        lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN, doff=4))))
    add("TCP data offset 15 in a 24-byte segment",
        lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN, opts=b"\x02\x04\x05\xb4", doff=15))))
    add("TCP header cut at 12 bytes", lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN)[:12])))
    add("SYN+FIN to the listener",
        lambda s: eth(ipv4(tcp(s, PORT, 1000, 0, SYN | FIN, opts=b"\x02\x04\x05\xb4"))))
    return out


BOGUS_OPTIONS = [
    ("a zero-length option (MSS, length 0)", b"\x02\x00\x05\xb4"),
    ("an option running past the header", b"\x02\x04\x05\xb4\x03\x08\x07\x00"),
    ("an option of length 1", b"\x08\x01\x00\x00"),
    ("window scale 15 (above 14)", b"\x01\x03\x03\x0f"),
    ("MSS 0", b"\x02\x04\x00\x00"),
    ("an unknown option, then EOL and garbage", b"\xfd\x04\xaa\xbb\x00\xff\xff\xff"),
]


def no_answer(link, items, wait=1.0):
    """send each (name, sport, frame); none may draw a SYN-ACK or RST"""
    ports = {sport: name for name, sport, _ in items}
    for _, _, frame in items:
        link.send(frame)
    for f in link.frames(time.monotonic() + wait):
        t = rawtcp.parse_tcp(f)
        if t and t[2] in ports and t[1] == PORT:
            raise Fail(f"{ports[t[2]]}: answered (flags {t[5]:#x}), expected it dropped")


def icmp_echo(ident, seq, data):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return msg[:2] + struct.pack("!H", rawtcp.csum(msg)) + msg[4:]


def echo_reply(link, ident, seq, wait):
    for f in link.frames(time.monotonic() + wait):
        if len(f) >= 42 and f[12:14] == b"\x08\x00" and f[23] == 1:
            ip = f[14:]
            icmp = ip[(ip[0] & 15) * 4:]
            if icmp[0] == 0 and struct.unpack("!HH", icmp[4:8]) == (ident, seq):
                return icmp[8:]
    return None


def fragments(ident, seq, ipid, overlap):
    """an echo request in two fragments; with overlap, the second starts
    8 bytes inside the first with different bytes there"""
    data = bytes(range(64))
    msg = icmp_echo(ident, seq, data)  # 72 bytes
    first = msg[:40]
    if overlap:
        second_off, second = 32, b"\xee" * 8 + msg[40:]
    else:
        second_off, second = 40, msg[40:]
    return data, [eth(ipv4(first, proto=1, ident=ipid, frag=0x2000)),
                  eth(ipv4(second, proto=1, ident=ipid, frag=second_off // 8))]


def boot(link):
    argv = [os.path.join(ROOT, "tools", "unum"), "run", SERVER, "-v", "--timeout", "600",
            "--mem", "512M", "--kernel-args", rawtcp.KERNEL_ARGS,
            "--qemu", "-netdev", "--qemu", link.netdev(),
            "--qemu", "-device", "--qemu", "virtio-net-device,netdev=n0",
            "--", "-p", str(PORT), "-b", "128"]
    env = dict(os.environ, UNUM_KERNEL=os.path.join(BUILD, "kernel.elf"))
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def run(link, vm, log):
    deadline = time.monotonic() + BOOT_DEADLINE
    while b"listening on 80\n" not in b"".join(log):
        if vm.poll() is not None:
            raise Fail(f"the VM ended (status {vm.returncode}) before the server listened")
        if time.monotonic() > deadline:
            raise Fail(f"no 'listening on 80' in {BOOT_DEADLINE} s")
        link.send(rawtcp.arp_request())
        link.drain(0.5)

    def alive(after):
        if vm.poll() is not None:
            raise Fail(f"the VM ended (status {vm.returncode}) after {after}")
        link.drain(0.2)
        exchange(link, f"the good exchange after {after}", wait=15)

    exchange(link, "the first good exchange", wait=15)

    no_answer(link, malformed())
    alive("malformed IPv4 and TCP headers")

    for name, opts in BOGUS_OPTIONS:
        exchange(link, f"a SYN with {name}", opts=opts)
    alive("bogus TCP options")

    # RSTs the guest must ignore: out of the window, and in it but not at
    # rcv_nxt (which draws a challenge ACK); the connection then serves
    c = Conn(link, PORT)
    if not c.handshake(10):
        raise Fail("RST group: no SYN-ACK")
    c.send(RST, seq=c.snd_nxt + 0x40000000, ack=0)
    c.send(RST, seq=c.snd_nxt + 1000, ack=0)
    c.send(RST | ACK, seq=c.snd_nxt - 100000)
    link.drain(0.5)
    p = reply_problem(*c.request(REQUEST))
    if p:
        raise Fail(f"after RSTs with wrong sequence numbers: {p}")
    c.close()
    alive("RSTs with wrong sequence numbers")

    data, frags = fragments(0x55, 1, 0x4242, overlap=True)
    for f in frags:
        link.send(f)
    if echo_reply(link, 0x55, 1, 1.5) is not None:
        raise Fail("overlapping IPv4 fragments: echo reply, expected the datagram dropped")
    data, frags = fragments(0x55, 2, 0x4343, overlap=False)
    for f in reversed(frags):
        link.send(f)
    got = echo_reply(link, 0x55, 2, 10)
    if got != data:
        raise Fail(f"fragmented echo request: reply {got!r}, expected its 64 bytes back")
    alive("overlapping IPv4 fragments")

    # a SYN flood: random ports, no ACKs, within FLOOD_SECONDS
    t0 = time.monotonic()
    for i in range(FLOOD_SYNS):
        link.send(syn_frame(random.randrange(1024, 65536)))
        if i % 100 == 99:
            link.drain(0)
    if time.monotonic() - t0 > FLOOD_SECONDS:
        raise Fail(f"the flood took {time.monotonic() - t0:.1f} s, bound {FLOOD_SECONDS}")
    alive(f"a flood of {FLOOD_SYNS} SYNs")

    # half-open connections: each SYN-ACK seen, never acknowledged
    ports = random.sample(range(1024, 65536), HALF_OPEN)
    synacks = set()
    for i, sport in enumerate(ports):
        link.send(syn_frame(sport))
        if i % 50 == 49:
            for f in link.frames(time.monotonic() + 0.01):
                t = rawtcp.parse_tcp(f)
                if t and t[5] & (SYN | ACK) == SYN | ACK:
                    synacks.add(t[2])
    for f in link.frames(time.monotonic() + 2):
        t = rawtcp.parse_tcp(f)
        if t and t[5] & (SYN | ACK) == SYN | ACK:
            synacks.add(t[2])
    # Linux answers every one (SYN cookies once its SYN queue is full).
    # Ours answers a backlog's worth (tcpserve listens with 128: lwIP holds
    # 129) and then evicts half-open ones only once they are two seconds
    # old (net/inet_tcp.c), so of 5,000 SYNs in about two seconds most are
    # dropped; what must hold is that the backlog's worth was answered and
    # that the server answers a real client afterwards (alive, below).
    answered = len(synacks & set(ports))
    if answered < 120:
        raise Fail(f"half-open: {answered} of {HALF_OPEN} SYNs answered with a SYN-ACK, "
                   "expected at least the backlog's worth")
    print(f"half-open: {answered} of {HALF_OPEN} SYNs answered")
    alive(f"{HALF_OPEN} half-open connections")
    if b"panic" in b"".join(log) or b"assert" in b"".join(log):
        raise Fail("the kernel log has a panic or an assertion")


def main():
    for f in (os.path.join(BUILD, "kernel.elf"), SERVER):
        if not os.access(f, os.R_OK):
            print(f"FAIL: {f} missing (make all guest-apps)", file=sys.stderr)
            return 1
    random.seed(int(os.environ.get("NET_BADTCP_SEED", time.time())))
    link = rawtcp.Link()
    log = []
    vm = boot(link)
    reader = threading.Thread(target=lambda: log.extend(vm.stdout), daemon=True)
    reader.start()
    try:
        run(link, vm, log)
    except Fail as e:
        time.sleep(0.5)
        sys.stderr.write(b"".join(log).decode(errors="replace"))
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    finally:
        if vm.poll() is None:
            os.killpg(vm.pid, signal.SIGTERM)
        vm.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
