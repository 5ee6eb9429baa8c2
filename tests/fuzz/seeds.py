#!/usr/bin/env python3
"""The seed corpora of the fuzz harnesses (tests/fuzz/README.md), written
at build time from real files: OUTDIR/NAME/ for each harness NAME.
- elf, pyunum_elf: the given programs (static musl, static glibc,
  static-PIE glibc builds of one tests/guest program), stripped;
- initrd: archives written by tools/unum's own writer (tools/pyunum/
  initrd.py): the app's initrd of the musl program, and one with an --add
  tree (folders, a symlink, an empty file);
- bootinfo: PVH start info as QEMU's PVH option ROM lays it out (start
  info, module list, e820 map from fw_cfg, command line) for microvm and
  q35, and multiboot2 information as GRUB writes it (load base, command
  line, loader name, module, basic meminfo, boot device, SeaBIOS's e820
  map, EGA text framebuffer, ACPI RSDP copy); the first byte chooses the
  protocol (tests/fuzz/bootinfo.c);
- cmdline: the kernel command lines of tests/run's boots, those
  tools/unum adds, and the virtio_mmio.device= words QEMU microvm adds;
- virtq: short operation programs (tests/fuzz/virtq.c's format);
- net: frame sequences (tests/fuzz/net.c's format) as a peer on the wire
  sends them: ARP request and reply, ICMP echo, ICMPv6 neighbour
  solicitation and echo, a router advertisement and MLD query, TCP
  handshake + request + FIN to port 80 over IPv4 and IPv6, the guest
  client's SYN-ACK and data, UDP to 53 and the app's reply (and an ICMP
  port unreachable for it, once the app connected), IPv4 and IPv6
  fragments, IPv6 extension headers, and malformed frames of each kind.
Usage: tests/fuzz/seeds.py OUTDIR ELF..."""

import importlib.machinery
import importlib.util
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.dont_write_bytecode = True
from pyunum import initrd  # noqa: E402

PHYS_BASE = 0x100000  # where tests/fuzz/bootinfo.c's memory starts
NOW = 1700000000


def put(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def seeds_elf(out, elfs):
    for path in elfs:
        subprocess.run(["strip", "-o", os.path.join(out, os.path.basename(path)), path],
                       check=True)


def cpio(tree):
    with tempfile.TemporaryFile() as f:
        initrd.write_cpio(f, tree.members())
        f.seek(0)
        return f.read()


def seeds_initrd(out, elfs):
    musl = next(p for p in elfs if p.endswith("musl"))
    cfg = types.SimpleNamespace(file=musl, adds=[], args=["one", "two words"],
                                envs=["UNUM_TEST=yes", "HOME=/"])
    tree = initrd.initrd_tree(cfg, bytes(range(32)), NOW)
    tree.put(initrd.Entry(".unum/stdin", stat.S_IFREG | 0o600, NOW, data=b"input\n"),
             "tools/unum", ours=True)
    put(out, "app-musl.cpio", cpio(tree))
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "etc", "conf.d"))
        with open(os.path.join(d, "etc", "hosts"), "w") as f:
            f.write("127.0.0.1 localhost\n")
        open(os.path.join(d, "etc", "conf.d", "empty"), "w").close()
        os.symlink("../etc/hosts", os.path.join(d, "etc", "link"))
        tree = initrd.InitrdTree(NOW)
        initrd.add_host_path(tree, d, "/data")
        tree.put(initrd.Entry(".unum/argv", stat.S_IFREG | 0o600, NOW, data=b"/app/x\0"),
                 "tools/unum", ours=True)
        put(out, "add-tree.cpio", cpio(tree))


# --- boot information ---

E820_RAM, E820_RESERVED = 1, 2


def pvh(mem, e820, cmdline, initrd_len):
    """hvm_start_info v1 at PHYS_BASE, then the module list, the memory
    map and the command line, as QEMU's PVH option ROM fills it: the
    initrd at the top of RAM below 4 GiB, page aligned, RSDP in the BIOS
    area."""
    si_len, mod_len = 56, 32
    modlist = PHYS_BASE + si_len
    memmap = modlist + mod_len
    cmd = memmap + 24 * len(e820)
    initrd_at = (min(mem, 0xb0000000) - initrd_len) & ~0xfff
    blob = struct.pack("<IIIIQQQQII", 0x336ec578, 1, 0, 1, modlist, cmd, 0xf5ab0, memmap,
                       len(e820), 0)
    blob += struct.pack("<QQQQ", initrd_at, initrd_len, 0, 0)
    blob += b"".join(struct.pack("<QQII", a, n, t, 0) for a, n, t in e820)
    return b"\0" + blob + cmdline.encode() + b"\0"


def mb2_tag(kind, body):
    t = struct.pack("<II", kind, 8 + len(body)) + body
    return t + b"\0" * (-len(t) % 8)


def mb2(mem, cmdline):
    """The multiboot2 information GRUB 2.06 writes for tools/grub.cfg's
    entry on q35 with SeaBIOS (its e820 map), plus a module."""
    e820 = [(0, 0x9fc00, E820_RAM), (0x9fc00, 0x400, E820_RESERVED),
            (0xf0000, 0x10000, E820_RESERVED), (0x100000, mem - 0x100000 - 0x20000, E820_RAM),
            (mem - 0x20000, 0x20000, E820_RESERVED), (0xb0000000, 0x10000000, E820_RESERVED),
            (0xfed1c000, 0x4000, E820_RESERVED), (0xfeffc000, 0x4000, E820_RESERVED),
            (0xfffc0000, 0x40000, E820_RESERVED)]
    rsdp = b"RSD PTR " + bytes([0x4e]) + b"BOCHS " + b"\0" + struct.pack("<I", 0x7fe2000)
    tags = [mb2_tag(21, struct.pack("<I", 0x200000)),
            mb2_tag(1, cmdline.encode() + b"\0"),
            mb2_tag(2, b"GRUB 2.06-13+deb12u1\0"),
            mb2_tag(3, struct.pack("<II", 0x11d000, 0x11d000 + 43444) + b"/boot/initrd.cpio\0"),
            mb2_tag(4, struct.pack("<II", 639, (mem >> 10) - 1024 - 128)),
            mb2_tag(5, struct.pack("<III", 0xe0, 0xffffffff, 0xffffffff)),
            mb2_tag(6, struct.pack("<II", 24, 0)
                    + b"".join(struct.pack("<QQII", a, n, t, 0) for a, n, t in e820)),
            mb2_tag(8, struct.pack("<QIIIBBH", 0xb8000, 160, 80, 25, 16, 2, 0)),
            mb2_tag(14, rsdp),
            mb2_tag(0, b"")]
    body = b"".join(tags)
    return b"\1" + struct.pack("<II", 8 + len(body), 0) + body


def seeds_bootinfo(out, elfs):
    mem = 128 << 20
    put(out, "pvh-microvm", pvh(mem, [(0, mem, E820_RAM)],
                                "virtio_mmio.device=512@0xfeb00e00:12 loglevel=7", 43444))
    put(out, "pvh-q35", pvh(mem, [(0, mem, E820_RAM), (0xfeffc000, 0x4000, E820_RESERVED),
                                  (0xb0000000, 0x10000000, E820_RESERVED)],
                            "test.cpus=2 test.tables=acpi", 43444))
    put(out, "mb2-grub", mb2(mem, ""))
    put(out, "mb2-grub-args", mb2(1 << 30, "tty tty.in tty.rows=24 tty.cols=80"))


def load_tests_run():
    path = os.path.join(ROOT, "tests", "run")
    loader = importlib.machinery.SourceFileLoader("tests_run", path)
    spec = importlib.util.spec_from_loader("tests_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def seeds_cmdline(out, elfs):
    run = load_tests_run()
    lines = [k for _, _, k in run.GUEST_CONFIGS + run.DEVICE_CONFIGS]
    microvm = ("virtio_mmio.device=512@0xfeb00e00:12 virtio_mmio.device=512@0xfeb00c00:11 "
               "virtio_mmio.device=512@0xfeb00a00:10")
    lines += [microvm, microvm + " tty tty.in tty.err tty.rows=50 tty.cols=132",
              'hostname="my host" loglevel=3 quiet strace', "test.only=virtio_rng "
              "test.rngseed=11 test.virtio=mmio-v1 virtio_mmio.device=4K@0xd0000000:5:1"]
    for i, line in enumerate(lines):
        put(out, f"line{i:02}", line.encode())


def seeds_virtq(out, elfs):
    # header: size 16 (3), EVENT_IDX (8), indirect (16); add, kick, device
    # completes, driver takes; then lies: a bad id, idx jumping ahead
    put(out, "honest", bytes([3 | 8 | 16, 0x10, 1, 0x30, 2, 1, 3, 0, 0x10, 3, 0, 0x20, 2]))
    put(out, "plain", bytes([2, 0x70, 3, 0, 1, 1, 3, 0, 5, 0, 7, 8, 2, 9, 1, 0, 2, 0]))
    put(out, "lies", bytes([4 | 8, 0, 0, 1, 4, 0x40, 0, 0, 0x10, 0, 2, 6, 0x20, 0, 2, 0, 1, 1,
                            3, 0, 0xff, 0xff, 2]))


# --- frames (tests/fuzz/net.c: the guest is 10.0.0.15, fd00::15 and
# fe80::5054:ff:fe12:3456 at 52:54:00:12:34:56; the peer 10.0.0.2, fd00::2) ---

GUEST_MAC = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
PEER_MAC = bytes([0x52, 0x55, 0x0a, 0x00, 0x00, 0x02])
BCAST = b"\xff" * 6
GUEST4, PEER4 = bytes([10, 0, 0, 15]), bytes([10, 0, 0, 2])
GUEST6 = bytes.fromhex("fd000000000000000000000000000015")
PEER6 = bytes.fromhex("fd000000000000000000000000000002")
PEER6_LL = bytes.fromhex("fe800000000000005055aff0a0000002")
GUEST6_LL = bytes.fromhex("fe80000000000000505400fffe123456")
ALLNODES6 = bytes.fromhex("ff020000000000000000000000000001")
ALLNODES_MAC = b"\x33\x33\0\0\0\1"

F_CSUM_VALID, F_FIX_SUMS, F_FIX_ACK, F_RING_FULL = 0x40, 0x20, 0x10, 0x08
SYN, FIN, RST, PSH, ACK = 2, 1, 4, 8, 16
MSS_WS = struct.pack("!BBH", 2, 4, 1460) + bytes([1, 3, 3, 7])  # MSS 1460, NOP, wscale 7


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(dst, typ, payload, src=PEER_MAC):
    return dst + src + struct.pack("!H", typ) + payload


def arp(op, sha, spa, tha, tpa):
    return eth(BCAST if op == 1 else GUEST_MAC, 0x0806,
               struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa)


def ip4(proto, payload, src=PEER4, dst=GUEST4, ident=1, frag=0, ttl=64, total=None):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total or 20 + len(payload), ident, frag, ttl,
                    proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return eth(GUEST_MAC, 0x0800, h + payload)


def l4sum(proto, seg, src, dst, off):
    """seg with its checksum (at off) over the pseudo-header"""
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    else:
        ph = src + dst + struct.pack("!IxxxB", len(seg), proto)
    c = csum(ph + seg)
    if proto == 17 and c == 0:
        c = 0xffff
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b"", src=PEER4, dst=GUEST4, win=65535):
    off = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0)
    return l4sum(6, seg + opts + data, src, dst, 16)


def udp(sport, dport, data, src=PEER4, dst=GUEST4):
    return l4sum(17, struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data, src, dst, 6)


def icmp4(typ, code, body):
    m = struct.pack("!BBH", typ, code, 0) + body
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def icmp6(typ, code, body, src=PEER6, dst=GUEST6):
    return l4sum(58, struct.pack("!BBH", typ, code, 0) + body, src, dst, 2)


def ip6(nh, payload, src=PEER6, dst=GUEST6, hops=64, dmac=GUEST_MAC):
    h = struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, hops, src, dst)
    return eth(dmac, 0x86dd, h + payload)


def rec(frame, flags=0, step=1):
    """a frame record: flags, then the clock step after it (tests/fuzz/net.c)"""
    return bytes([0x80 | flags | step]) + struct.pack("<H", len(frame)) + frame


def op(*b):
    """an app operation record"""
    return bytes(b)


ARP_REQ = arp(1, PEER_MAC, PEER4, b"\0" * 6, GUEST4)
NS = icmp6(135, 0, b"\0" * 4 + GUEST6 + bytes([1, 1]) + PEER_MAC)
FIX = F_FIX_ACK | F_FIX_SUMS


def tcp_session(v6):
    """a client of the guest's port 80: handshake, request, FIN; the
    guest's answer and close (app ops), the last ACK"""
    src, dst = (PEER6, GUEST6) if v6 else (PEER4, GUEST4)
    wrap = (lambda seg: ip6(6, seg)) if v6 else (lambda seg: ip4(6, seg))
    req = b"GET / HTTP/1.1\r\nHost: guest\r\n\r\n"
    out = rec(ip6(58, NS, hops=255)) if v6 else rec(ARP_REQ)
    out += rec(wrap(tcp(33000, 80, 1000, 0, SYN, opts=MSS_WS, src=src, dst=dst)))
    out += rec(wrap(tcp(33000, 80, 1001, 0, ACK, src=src, dst=dst)), FIX)
    out += rec(wrap(tcp(33000, 80, 1001, 0, ACK | PSH, req, src=src, dst=dst)), FIX)
    out += op(0, 0, 40)  # the guest answers 640 bytes
    out += rec(wrap(tcp(33000, 80, 1001 + len(req), 0, ACK | FIN, src=src, dst=dst)), FIX, 3)
    out += op(3, 0)  # close: the guest's FIN
    out += rec(wrap(tcp(33000, 80, 1002 + len(req), 0, ACK, src=src, dst=dst)), FIX, 6)
    return out


def client_session(v6):
    """the guest's client (setup bit 1) meets its server: ARP reply or
    neighbour advertisement, SYN-ACK, data both ways, FIN"""
    src, dst = (PEER6, GUEST6) if v6 else (PEER4, GUEST4)
    wrap = (lambda seg: ip6(6, seg)) if v6 else (lambda seg: ip4(6, seg))
    if v6:
        na = icmp6(136, 0, struct.pack("!I", 0x60000000) + PEER6 + bytes([2, 1]) + PEER_MAC)
        out = bytes([3]) + rec(ip6(58, na, hops=255))
    else:
        out = bytes([1]) + rec(arp(2, PEER_MAC, PEER4, GUEST_MAC, GUEST4))
    out += rec(wrap(tcp(8080, 40000, 5000, 0, SYN | ACK, opts=MSS_WS, src=src, dst=dst)), FIX)
    out += op(0, 4, 100)  # the client sends 1600 bytes
    out += rec(wrap(tcp(8080, 40000, 5001, 0, ACK | PSH, b"hello\n" * 100, src=src, dst=dst)),
               FIX, 2)
    out += op(7, 4)  # TCP_INFO, names, FIONREAD
    out += rec(wrap(tcp(8080, 40000, 5601, 0, ACK | FIN, src=src, dst=dst)), FIX, 3)
    out += op(1, 4)  # shutdown(SHUT_WR)
    out += rec(wrap(tcp(8080, 40000, 5602, 0, ACK, src=src, dst=dst)), FIX, 7)
    return out


def frags4():
    body = icmp4(8, 0, struct.pack("!HH", 7, 1) + bytes(range(256)) * 8)
    a, b = body[:1024], body[1024:]
    return (rec(ip4(1, a, ident=77, frag=0x2000)) + rec(ip4(1, b, ident=77, frag=1024 // 8))
            # out of order and overlapping pieces of another datagram
            + rec(ip4(1, b, ident=78, frag=1024 // 8)) + rec(ip4(1, a[:512], ident=78, frag=0x2000))
            + rec(ip4(1, a[256:], ident=78, frag=0x2000 | 32), 0, 5))


def frags6():
    body = icmp6(128, 0, struct.pack("!HH", 9, 1) + bytes(range(256)) * 8)
    a, b = body[:1232], body[1232:]

    def fh(off, more):
        return struct.pack("!BBHI", 58, 0, off | more, 0x1234)
    return (rec(ip6(44, fh(0, 1) + a)) + rec(ip6(44, fh(1232, 0) + b))
            + rec(ip6(44, fh(1232, 0) + b)) + rec(ip6(44, fh(8, 1) + a[:64]), 0, 6))


def ext6():
    echo = icmp6(128, 0, struct.pack("!HH", 3, 1) + b"ext")
    hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])  # hop-by-hop: PadN
    dst = bytes([43, 0, 1, 4, 0, 0, 0, 0])  # destination options: PadN
    rt = bytes([58, 0, 0, 0, 0, 0, 0, 0])  # routing type 0, no segments left
    ra = bytes([58, 0, 5, 2, 0, 0, 1, 0])  # hop-by-hop: router alert
    unk = bytes([58, 0, 0x80, 4, 0, 0, 0, 0])  # an unknown option asking for an ICMP error
    return (rec(ip6(0, hbh + dst + rt + echo)) + rec(ip6(0, ra + echo))
            + rec(ip6(60, unk + echo)))


def seeds_net(out, elfs):
    put(out, "arp", bytes([0]) + rec(ARP_REQ) + rec(arp(2, PEER_MAC, PEER4, GUEST_MAC, GUEST4))
        + rec(arp(1, PEER_MAC, bytes([10, 0, 0, 9]), b"\0" * 6, bytes([10, 0, 0, 3]))))
    ping = icmp4(8, 0, struct.pack("!HH", 1, 1) + b"abcdefgh" * 7)
    put(out, "icmp-echo", bytes([0]) + rec(ARP_REQ) + rec(ip4(1, ping))
        + rec(ip4(1, ping, dst=b"\xff" * 4))
        + rec(ip4(1, icmp4(3, 3, b"\0" * 4 + ip4(17, udp(53, 9999, b"x"))[14:42]))))
    echo6 = icmp6(128, 0, struct.pack("!HH", 2, 1) + b"ping6" * 10)
    echo6_ll = icmp6(128, 0, b"\0\1\0\1ll", src=PEER6_LL, dst=GUEST6_LL)
    na = icmp6(136, 0, struct.pack("!I", 0x20000000) + PEER6 + bytes([2, 1]) + PEER_MAC)
    put(out, "icmp6", bytes([0]) + rec(ip6(58, NS, hops=255)) + rec(ip6(58, echo6))
        + rec(ip6(58, echo6_ll, src=PEER6_LL, dst=GUEST6_LL)) + rec(ip6(58, na, hops=255)))
    pfx = struct.pack("!BBBBIII16s", 3, 4, 64, 0xc0, 86400, 14400, 0, GUEST6[:8] + b"\0" * 8)
    ra = icmp6(134, 0, struct.pack("!BBHII", 64, 0, 1800, 0, 0) + bytes([1, 1]) + PEER_MAC + pfx,
               src=PEER6_LL, dst=ALLNODES6)
    mldq = icmp6(130, 0, struct.pack("!HH", 1000, 0) + b"\0" * 16, src=PEER6_LL, dst=ALLNODES6)
    put(out, "icmp6-ra", bytes([0])
        + rec(ip6(58, ra, src=PEER6_LL, dst=ALLNODES6, hops=255, dmac=ALLNODES_MAC), 0, 5)
        + rec(ip6(0, bytes([58, 0, 5, 2, 0, 0, 1, 0]) + mldq, src=PEER6_LL, dst=ALLNODES6,
                  hops=1, dmac=ALLNODES_MAC), 0, 7))
    put(out, "tcp4-http", bytes([0]) + tcp_session(False))
    put(out, "tcp6-http", bytes([0]) + tcp_session(True))
    put(out, "tcp4-client", client_session(False))
    put(out, "tcp6-client", client_session(True))
    query = bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001")
    put(out, "udp-dns", bytes([0]) + rec(ARP_REQ) + rec(ip4(17, udp(5353, 53, query)))
        + op(4, 0, 40, 0) + rec(ip6(58, NS, hops=255)) + rec(ip6(17, udp(5353, 53, query, PEER6, GUEST6)))
        + op(4, 0, 40, 0)
        + rec(ip4(17, udp(5353, 54, query))))  # a closed port: ICMP port unreachable
    # the app connects its UDP socket to the client and answers; the
    # client's ICMP port unreachable reaches the socket as ECONNREFUSED
    quoted = ip4(17, udp(53, 5353, b"answer", GUEST4, PEER4), GUEST4, PEER4)[14:14 + 28]
    put(out, "udp-icmp-error", bytes([0]) + rec(ARP_REQ) + rec(ip4(17, udp(5353, 53, query)))
        + op(11, 0, 10) + rec(ip4(1, icmp4(3, 3, b"\0" * 4 + quoted))))
    put(out, "frag4", bytes([0]) + rec(ARP_REQ) + frags4())
    put(out, "frag6", bytes([0]) + rec(ip6(58, NS, hops=255)) + frags6())
    put(out, "ext6", bytes([0]) + rec(ip6(58, NS, hops=255)) + ext6())
    # malformed frames, each as it is and with its checksums made right
    syn = tcp(33000, 80, 1000, 0, SYN, opts=MSS_WS)
    bad = [
        b"", b"\xff" * 13, eth(GUEST_MAC, 0x0800, b""),
        eth(GUEST_MAC, 0x0800, b"\x44" + b"\0" * 30),  # IHL 4
        ip4(6, syn, total=1400),  # total length past the frame
        ip4(6, syn[:12] + bytes([0xf0]) + syn[13:]),  # TCP data offset 60 in a 28-byte segment
        ip4(6, tcp(33000, 80, 1000, 0, SYN, opts=bytes([2, 0, 3, 255, 8, 1, 1, 1]))),
        ip4(6, tcp(33000, 80, 1000, 0, SYN | FIN | RST | PSH | ACK | 0x20)),
        eth(BCAST, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 16, 4, 1) + b"\0" * 20),
        ip6(58, b"\x80"),  # an ICMPv6 message of 1 byte
        eth(GUEST_MAC, 0x86dd, struct.pack("!IHBB", 6 << 28, 0xffff, 0, 64) + PEER6 + GUEST6
            + bytes([0, 255]) + b"\0" * 6),  # hop-by-hop longer than the frame
        ip6(44, struct.pack("!BBHI", 58, 0, 0xfff8 | 1, 1) + b"\0" * 16),  # a fragment at 65528
        ip4(17, udp(5353, 53, b"\0" * 8)[:4] + struct.pack("!H", 4) + b"\0\0"),  # UDP length 4
        eth(GUEST_MAC, 0x8100, b"\0\x05\x08\x00" + ip4(1, ping)[14:]),  # a VLAN-tagged ping
        ip4(1, ping) + b"\0" * 3000,  # a frame far past the MTU
    ]
    body = b"".join(rec(f) + rec(f, F_FIX_SUMS) for f in bad)
    put(out, "malformed", bytes([0]) + rec(ARP_REQ) + body + rec(ip4(1, ping)))
    put(out, "ring-full", bytes([1]) + rec(arp(2, PEER_MAC, PEER4, GUEST_MAC, GUEST4), F_RING_FULL, 5)
        + op(6, 0, 60) + op(9, 0) + op(9, 0) + rec(ip4(1, ping), F_CSUM_VALID))


GENERATORS = {"elf": seeds_elf, "pyunum_elf": seeds_elf, "initrd": seeds_initrd,
              "bootinfo": seeds_bootinfo, "cmdline": seeds_cmdline, "virtq": seeds_virtq,
              "net": seeds_net}


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir, elfs = argv[0], argv[1:]
    for name, gen in GENERATORS.items():
        d = os.path.join(outdir, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        gen(d, elfs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
