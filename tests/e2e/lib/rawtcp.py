"""Raw Ethernet/IPv4/TCP frames to and from a guest on QEMU's `-netdev
dgram` (each frame one UDP datagram between QEMU's port and the test's,
both on 127.0.0.1: no root, no tap), with the checksums computed here.
Used by tests/e2e/net-badtcp.py; the frames are the test's own, so a
malformed one is exactly as malformed as it says."""
import random
import select
import socket
import struct
import time

GUEST_IP = bytes([10, 9, 0, 2])
HOST_IP = bytes([10, 9, 0, 1])
GUEST_MAC = bytes.fromhex("525400123456")  # QEMU's default for the first NIC
HOST_MAC = bytes.fromhex("5254000a0b0c")
KERNEL_ARGS = "ip=10.9.0.2/24 gw=10.9.0.1"

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


class Fail(Exception):
    pass


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(payload, ethertype=0x0800, dst=GUEST_MAC):
    return dst + HOST_MAC + struct.pack("!H", ethertype) + payload


def ipv4(payload, proto=6, ihl=5, total=None, bad_csum=False, ident=0x1234, frag=0,
         src=HOST_IP):
    """an IPv4 header (20 bytes, or ihl words of zero options) and payload;
    frag: the flags and fragment offset field as sent"""
    opts = bytes(max(0, ihl - 5) * 4)
    total = 20 + len(opts) + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, frag, 64, proto, 0,
                      src, GUEST_IP) + opts
    c = csum(hdr) ^ (0x5555 if bad_csum else 0)
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def tcp(sport, dport, seq, ack, flags, data=b"", opts=b"", win=65535, bad_csum=False,
        doff=None, src=HOST_IP):
    """a TCP segment with its checksum over RFC 793's pseudo-header;
    doff (words) as sent, else the header's own length"""
    doff = (20 + len(opts)) // 4 if doff is None else doff
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      doff << 4, flags, win, 0, 0) + opts
    seg = hdr + data
    pseudo = src + GUEST_IP + struct.pack("!BBH", 0, 6, len(seg))
    c = csum(pseudo + seg) ^ (0x3333 if bad_csum else 0)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def arp_request():
    body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + HOST_MAC + HOST_IP + bytes(6) + GUEST_IP
    return eth(body, 0x0806, b"\xff" * 6)


def is_arp_reply(frame):
    return (len(frame) >= 42 and frame[12:14] == b"\x08\x06" and
            struct.unpack("!H", frame[20:22])[0] == 2 and frame[28:32] == GUEST_IP)


def arp_reply_to(frame):
    """our answer to the guest's ARP request for one of our addresses"""
    if len(frame) < 42 or frame[12:14] != b"\x08\x06":
        return None
    if struct.unpack("!H", frame[20:22])[0] != 1 or frame[38:41] != HOST_IP[:3]:
        return None
    body = (struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + HOST_MAC + frame[38:42] +
            frame[22:28] + frame[28:32])
    return eth(body, 0x0806, frame[6:12])


def parse_tcp(frame):
    """(src ip, sport, dport, seq, ack, flags, win, data) of a TCP/IPv4
    frame from the guest whose checksums hold, else None"""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 15) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    if ip[9] != 6 or ihl < 20 or total > len(ip) or csum(ip[:ihl]) != 0:
        return None
    seg = ip[ihl:total]
    pseudo = ip[12:16] + ip[16:20] + struct.pack("!BBH", 0, 6, len(seg))
    if len(seg) < 20 or csum(pseudo + seg) != 0:
        raise Fail(f"the guest sent a TCP segment with a bad checksum: {seg[:20].hex()}")
    sport, dport, seq, ack, off, flags, win = struct.unpack("!HHIIBBH", seg[:16])
    return ip[16:20], sport, dport, seq, ack, flags, win, seg[(off >> 4) * 4:]


class Link:
    """Our end of the dgram netdev."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))  # QEMU binds its own end: a port free now
        self.qemu_port = probe.getsockname()[1]
        probe.close()
        self.sent = 0

    def netdev(self):
        return ("dgram,id=n0,local.type=inet,local.host=127.0.0.1,"
                f"local.port={self.qemu_port},remote.type=inet,remote.host=127.0.0.1,"
                f"remote.port={self.port}")

    def send(self, frame):
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))
        self.sent += 1

    def frames(self, deadline):
        """frames from the guest until the deadline, its ARP requests
        answered on the way"""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return
            frame, _ = self.sock.recvfrom(65536)
            reply = arp_reply_to(frame)
            if reply:
                self.send(reply)
                continue
            yield frame

    def drain(self, wait=0.0):
        """read and discard what the guest sent (answering ARP)"""
        for _ in self.frames(time.monotonic() + wait):
            pass


class Conn:
    """One TCP connection to the guest, driven segment by segment."""

    def __init__(self, link, dport, sport=None, src=HOST_IP):
        self.link, self.dport, self.src = link, dport, src
        self.sport = sport or random.randrange(20000, 60000)
        self.iss = random.randrange(1 << 32)
        self.snd_nxt = self.iss
        self.rcv_nxt = None
        self.data = b""
        self.fin = False

    def send(self, flags, data=b"", seq=None, ack=None, **kw):
        seg = tcp(self.sport, self.dport, self.snd_nxt if seq is None else seq,
                  (self.rcv_nxt or 0) if ack is None else ack, flags, data, src=self.src, **kw)
        self.link.send(eth(ipv4(seg, src=self.src)))

    def segments(self, wait):
        """the guest's segments of this connection, for 'wait' s"""
        for f in self.link.frames(time.monotonic() + wait):
            t = parse_tcp(f)
            if t and t[0] == self.src and t[1] == self.dport and t[2] == self.sport:
                yield t

    def handshake(self, wait=10, opts=b"\x02\x04\x05\xb4"):
        """SYN, the guest's SYN-ACK, our ACK; False when no SYN-ACK came in
        'wait' s. The SYN goes again each second unanswered, as a real
        client's does (a listener may drop a SYN it has no room for)"""
        end = time.monotonic() + wait
        while time.monotonic() < end:
            self.snd_nxt = self.iss
            self.send(SYN, opts=opts, ack=0)
            self.snd_nxt = (self.iss + 1) & 0xFFFFFFFF
            for _, _, _, seq, ack, flags, _, _ in self.segments(
                    min(1.0, max(end - time.monotonic(), 0.01))):
                if flags & RST:
                    raise Fail(f"port {self.dport}: RST to our SYN")
                if flags & (SYN | ACK) == SYN | ACK:
                    if ack != self.snd_nxt:
                        raise Fail(f"SYN-ACK acks {ack}, our SYN was {self.iss}")
                    self.rcv_nxt = (seq + 1) & 0xFFFFFFFF
                    self.send(ACK)
                    return True
        return False

    def request(self, data, wait=10):
        """send data; collect the guest's bytes (ACKing them) until it
        sends FIN or 'wait' s pass; the bytes, and whether FIN came"""
        self.send(PSH | ACK, data)
        self.snd_nxt += len(data)
        return self.collect(wait)

    def collect(self, wait, until=None):
        """the guest's bytes in order until FIN, until 'until' bytes are
        in, or 'wait' s"""
        deadline = time.monotonic() + wait
        for _, _, _, seq, ack, flags, _, payload in self.segments(wait):
            if flags & RST:
                raise Fail(f"RST from the guest after {len(self.data)} bytes")
            if seq == self.rcv_nxt:
                self.data += payload
                self.rcv_nxt = (self.rcv_nxt + len(payload)) & 0xFFFFFFFF
                if flags & FIN:
                    self.rcv_nxt = (self.rcv_nxt + 1) & 0xFFFFFFFF
                    self.fin = True
            if payload or flags & FIN:
                self.send(ACK)  # in order or not: ACK what we hold
            if self.fin or (until is not None and len(self.data) >= until):
                break
            if time.monotonic() > deadline:
                break
        return self.data, self.fin

    def close(self):
        """our FIN after theirs (their last ACK is not waited for)"""
        self.send(FIN | ACK)
        self.snd_nxt += 1

    def abort(self):
        self.send(RST | ACK)
