#!/usr/bin/env python3
"""The guest answers ARP and ICMP echo on a static address (ip= on the
kernel command line), with frames this test writes itself: QEMU's
`-netdev dgram` carries each Ethernet frame in one UDP datagram between
QEMU's port and ours, both on 127.0.0.1 (no root, no tap). Malformed frames
(a truncated IPv4 header, bad IP and ICMP checksums, a header length past
the packet, a total length past the frame, a header length below 20) get
no answer, and the guest answers the next ping after each. ICMPv6 echo to
its static IPv6 address too, the test answering its neighbour
solicitations, and to an echo request that comes in two IPv6
fragments (lwIP asserted, a kernel panic, on the first IPv6 fragment
until lwipopts.h set IPV6_FRAG_COPYHEADER; tests/fuzz/net found it)."""
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
GUEST_IP = bytes([10, 9, 0, 2])
HOST_IP = bytes([10, 9, 0, 1])
GUEST_MAC = bytes.fromhex("525400123456")  # QEMU's default for the first NIC
HOST_MAC = bytes.fromhex("5254000a0b0c")
GUEST_IP6 = socket.inet_pton(socket.AF_INET6, "fd00:9::2")
HOST_IP6 = socket.inet_pton(socket.AF_INET6, "fd00:9::1")
BOOT_DEADLINE = 90  # s: boot under TCG and the first answer


class Fail(Exception):
    pass


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, ethertype, payload):
    return dst + HOST_MAC + struct.pack("!H", ethertype) + payload


def arp_request():
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + HOST_MAC + HOST_IP + bytes(6) + GUEST_IP
    return eth(b"\xff" * 6, 0x0806, body)


def ipv6(nh, payload, src=HOST_IP6, dst=GUEST_IP6, hops=64):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, hops) + src + dst + payload


def icmp6(type_, body, src=HOST_IP6, dst=GUEST_IP6):
    """an ICMPv6 message with its checksum (over RFC 8200's pseudo-header)"""
    msg = struct.pack("!BBH", type_, 0, 0) + body
    pseudo = src + dst + struct.pack("!I3xB", len(msg), 58)
    c = csum(pseudo + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def na_reply_to(frame):
    """our neighbour advertisement for the guest's solicitation of HOST_IP6"""
    if len(frame) < 14 + 40 + 24 or frame[12:14] != b"\x86\xdd" or frame[20] != 58:
        return None
    ip = frame[14:]
    if ip[40] != 135 or ip[48:64] != HOST_IP6:
        return None
    body = struct.pack("!I", 0x60000000) + HOST_IP6 + bytes([2, 1]) + HOST_MAC  # S, O
    return eth(frame[6:12], 0x86DD, ipv6(58, icmp6(136, body, HOST_IP6, ip[8:24]), HOST_IP6,
                                         ip[8:24], 255))


def echo6_request(ident, seq):
    data = b"six" * 10 + struct.pack("!HH", ident, seq)
    return eth(GUEST_MAC, 0x86DD, ipv6(58, icmp6(128, struct.pack("!HH", ident, seq) + data))), data


def echo6_fragments(ident, seq):
    """an echo request of 1,200 bytes in two fragments, and its data"""
    data = bytes(range(256)) * 4 + b"frag" * 47 + struct.pack("!HH", ident, seq)
    msg = icmp6(128, struct.pack("!HH", ident, seq) + data)
    cut = 600  # a multiple of 8

    def frag(off, more, part):
        return eth(GUEST_MAC, 0x86DD, ipv6(44, struct.pack("!BBHI", 58, 0, off | more, 0x5eed)
                                           + part))
    return [frag(0, 1, msg[:cut]), frag(cut, 0, msg[cut:])], data


def echo6_reply_problem(frame, ident, seq, data):
    """None for the right ICMPv6 echo reply, '' for another frame, else why"""
    if len(frame) < 14 + 48 or frame[12:14] != b"\x86\xdd" or frame[20] != 58:
        return ""
    ip = frame[14:]
    msg = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
    if msg[0] != 129 or struct.unpack("!HH", msg[4:8]) != (ident, seq):
        return ""
    if ip[8:24] != GUEST_IP6 or ip[24:40] != HOST_IP6:
        return f"echo reply from {ip[8:24].hex()} to {ip[24:40].hex()}"
    pseudo = ip[8:24] + ip[24:40] + struct.pack("!I3xB", len(msg), 58)
    if csum(pseudo + msg) != 0:
        return "ICMPv6 echo reply with a bad checksum"
    if msg[8:] != data:
        return f"ICMPv6 echo reply data {msg[8:].hex()}, sent {data.hex()}"
    return None


def arp_reply_to(frame):
    """our answer to the guest's ARP request for HOST_IP, or None"""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    op = struct.unpack("!H", frame[20:22])[0]
    if op != 1 or frame[38:42] != HOST_IP:
        return None
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + HOST_MAC + HOST_IP + frame[22:28] + frame[28:32]
    return eth(frame[6:12], 0x0806, body)


def ipv4(payload, proto=1, ihl=5, total=None, bad_csum=False, options=b""):
    total = 20 + len(options) + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x1234, 0, 64, proto, 0,
                      HOST_IP, GUEST_IP) + options
    c = csum(hdr)
    if bad_csum:
        c ^= 0x5555
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def icmp_echo(ident, seq, data, bad_csum=False):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    c = csum(msg) ^ (0x3333 if bad_csum else 0)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def echo_request(ident, seq, **kw):
    data = bytes(range(48)) + struct.pack("!HH", ident, seq)
    return eth(GUEST_MAC, 0x0800, ipv4(icmp_echo(ident, seq, data), **kw)), data


class Link:
    """Our end of the dgram netdev: frames to QEMU, frames from it."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        # QEMU binds its own end; a port free now, as near as one can tell
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        self.qemu_port = probe.getsockname()[1]
        probe.close()

    def send(self, frame):
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))

    def frames(self, deadline):
        """frames from the guest until the deadline; its ARP requests for
        our address are answered on the way"""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return
            frame, _ = self.sock.recvfrom(65536)
            reply = arp_reply_to(frame) or na_reply_to(frame)
            if reply:
                self.send(reply)
                continue
            yield frame


def is_arp_reply(frame):
    return (len(frame) >= 42 and frame[12:14] == b"\x08\x06" and
            struct.unpack("!H", frame[20:22])[0] == 2 and frame[28:32] == GUEST_IP and
            frame[38:42] == HOST_IP)


def echo_reply_problem(frame, ident, seq, data):
    """None when frame is the right echo reply, else why not, or '' when
    it is another frame altogether"""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return ""
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    if ip[9] != 1 or ip[12:16] != GUEST_IP or ip[16:20] != HOST_IP:
        return ""
    icmp = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
    if len(icmp) < 8 or icmp[0] != 0:
        return ""
    if struct.unpack("!HH", icmp[4:8]) != (ident, seq):
        return ""
    if frame[0:6] != HOST_MAC or frame[6:12] != GUEST_MAC:
        return f"echo reply to MAC {frame[0:6].hex()} from {frame[6:12].hex()}"
    if csum(ip[:ihl]) != 0:
        return "echo reply with a bad IP header checksum"
    if csum(icmp) != 0:
        return "echo reply with a bad ICMP checksum"
    if icmp[8:] != data:
        return f"echo reply data {icmp[8:].hex()}, sent {data.hex()}"
    return None


def ping(link, ident, seq, wait, **kw):
    """send one echo request; True when its reply came within 'wait' s"""
    frame, data = echo_request(ident, seq, **kw)
    link.send(frame)
    for f in link.frames(time.monotonic() + wait):
        p = echo_reply_problem(f, ident, seq, data)
        if p is None:
            return True
        if p:
            raise Fail(p)
    return False


def malformed(ident, seq):
    """(name, frame) pairs the guest must drop"""
    data = b"x" * 32
    icmp = icmp_echo(ident, seq, data)
    good = ipv4(icmp)
    return [
        ("truncated IPv4 header (10 bytes)", eth(GUEST_MAC, 0x0800, good[:10])),
        ("bad IPv4 header checksum", eth(GUEST_MAC, 0x0800, ipv4(icmp, bad_csum=True))),
        ("bad ICMP checksum", eth(GUEST_MAC, 0x0800, ipv4(icmp_echo(ident, seq, data, True)))),
        ("header length 60 in a 40-byte packet",
         eth(GUEST_MAC, 0x0800, ipv4(icmp[:20], ihl=15, total=40))),
        ("header length 15 words in a 20-byte header",
         eth(GUEST_MAC, 0x0800, ipv4(icmp, ihl=15))),
        ("header length below 20 (ihl 3)", eth(GUEST_MAC, 0x0800, ipv4(icmp, ihl=3))),
        ("total length past the frame", eth(GUEST_MAC, 0x0800, ipv4(icmp, total=1400))),
        ("total length below the header", eth(GUEST_MAC, 0x0800, ipv4(icmp, total=12))),
        ("a bare Ethernet header", eth(GUEST_MAC, 0x0800, b"")),
        ("a truncated ARP packet", eth(b"\xff" * 6, 0x0806, arp_request()[14:30])),
    ]


def boot(link, tmp):
    prog = os.path.join(tmp, "sleeper")
    src = prog + ".c"
    with open(src, "w") as f:
        f.write("#include <unistd.h>\nint main(void) { sleep(300); return 0; }\n")
    subprocess.run(["musl-gcc", "-static", "-o", prog, src], check=True)
    netdev = ("dgram,id=n0,local.type=inet,local.host=127.0.0.1,"
              f"local.port={link.qemu_port},remote.type=inet,remote.host=127.0.0.1,"
              f"remote.port={link.port}")
    argv = [os.path.join(ROOT, "tools", "unum"), "run", prog, "-v", "--timeout", "300",
            "--kernel-args", "ip=10.9.0.2/24,fd00:9::2/64 gw=10.9.0.1",
            "--qemu", "-netdev", "--qemu", netdev,
            "--qemu", "-device", "--qemu", "virtio-net-device,netdev=n0"]
    env = dict(os.environ, UNUM_KERNEL=os.path.join(BUILD, "kernel.elf"))
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def main():
    if not os.access(os.path.join(BUILD, "kernel.elf"), os.R_OK):
        print(f"FAIL: {BUILD}/kernel.elf missing (make)", file=sys.stderr)
        return 1
    link = Link()
    log = []
    with tempfile.TemporaryDirectory() as tmp:
        vm = boot(link, tmp)
        reader = threading.Thread(target=lambda: log.extend(vm.stdout), daemon=True)
        reader.start()
        try:
            run(link, vm, log)
        except Fail as e:
            sys.stderr.write(b"".join(log).decode(errors="replace"))
            print(f"FAIL: {e}", file=sys.stderr)
            return 1
        finally:
            if vm.poll() is None:
                os.killpg(vm.pid, signal.SIGTERM)
            vm.wait()
    return 0


def run(link, vm, log):
    # ARP, asked again until the guest is up
    deadline = time.monotonic() + BOOT_DEADLINE
    answered = False
    while not answered and time.monotonic() < deadline:
        if vm.poll() is not None:
            raise Fail(f"the VM ended (status {vm.returncode}) before answering ARP")
        link.send(arp_request())
        answered = any(is_arp_reply(f) for f in link.frames(time.monotonic() + 1))
    if not answered:
        raise Fail(f"no ARP reply for 10.9.0.2 in {BOOT_DEADLINE} s")
    if b"net: eth0 10.9.0.2/24 gw 10.9.0.1 (static)\n" not in b"".join(log):
        raise Fail("no 'net: eth0 10.9.0.2/24 gw 10.9.0.1 (static)' line in the log")
    if not ping(link, 0x77, 1, 10):
        raise Fail("no echo reply to the first ping")
    seq = 2
    for name, frame in malformed(0x77, 1000):
        link.send(frame)
        for f in link.frames(time.monotonic() + 0.5):
            if echo_reply_problem(f, 0x77, 1000, b"x" * 32) is not None:
                continue
            raise Fail(f"{name}: answered, expected it dropped")
        if not ping(link, 0x77, seq, 10):
            raise Fail(f"no echo reply to the ping after {name}")
        seq += 1
    if b"net: eth0 fd00:9::2/64 gw none (static)\n" not in b"".join(log):
        raise Fail("no 'net: eth0 fd00:9::2/64 gw none (static)' line in the log")
    frame, data = echo6_request(0x66, 1)
    link.send(frame)
    for f in link.frames(time.monotonic() + 10):
        p = echo6_reply_problem(f, 0x66, 1, data)
        if p is None:
            break
        if p:
            raise Fail(p)
    else:
        raise Fail("no ICMPv6 echo reply from fd00:9::2")
    frames, data = echo6_fragments(0x66, 2)
    for frame in frames:
        link.send(frame)
    for f in link.frames(time.monotonic() + 10):
        p = echo6_reply_problem(f, 0x66, 2, data)
        if p is None:
            break
        if p:
            raise Fail(p)
    else:
        raise Fail("no ICMPv6 echo reply to a request in two fragments")
    if vm.poll() is not None:
        raise Fail(f"the VM ended (status {vm.returncode})")


if __name__ == "__main__":
    sys.exit(main())
