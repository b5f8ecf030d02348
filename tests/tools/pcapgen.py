#!/usr/bin/env python3
"""pcapgen.py - writes small, exact TCP conversations as pcap files for tests.

Ethernet / IPv4 (or IPv6) / TCP with correct checksums, documentation
addresses, microsecond timestamps.  A test describes a conversation as
calls on a Conversation: handshake(), send(dir, bytes), ack(dir), close().
Used by tests that need a capture no real stack would produce on demand
(odd bytes in a URI, many objects in flight, ...).

    from pcapgen import Pcap, Conversation
    with Pcap("out.pcap") as pc:
        c = Conversation(pc, "192.0.2.1", 40000, "192.0.2.2", 80)
        c.handshake(); c.send(0, b"GET / HTTP/1.1\\r\\n\\r\\n"); c.close()
"""
import ipaddress
import struct


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Pcap:
    def __init__(self, path, snaplen=262144):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))
        self.t = 1700000000.0

    def frame(self, data, ts=None, wirelen=None):
        if ts is None:
            self.t += 0.0001
            ts = self.t
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        self.f.write(struct.pack("<IIII", sec, usec, len(data), wirelen or len(data)))
        self.f.write(data)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def tcp_frame(src, sport, dst, dport, seq, ack, flags, payload=b"", win=65535, opts=b""):
    """One Ethernet frame carrying a TCP segment (flags: string of F S R P A)."""
    bits = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}
    fl = sum(bits[c] for c in flags)
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    hlen = 20 + len(opts)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (hlen // 4) << 4, fl, win, 0, 0) + opts + payload
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, s.packed, d.packed)
        ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
        eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    else:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", len(tcp), 6)
        tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!IHBB16s16s", 0x60000000, len(tcp), 6, 64, s.packed, d.packed)
        eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x86\xdd"
    return eth + ip + tcp


class Conversation:
    """Both directions of one TCP connection; dir 0 = client."""

    def __init__(self, pcap, caddr, cport, saddr, sport, isn=(1000, 5000), mss=1460):
        self.pc = pcap
        self.ep = [(caddr, cport), (saddr, sport)]
        self.nxt = [isn[0], isn[1]]
        self.mss = mss

    def _emit(self, d, flags, payload=b"", seq=None, ack=None):
        (a, ap), (b, bp) = self.ep[d], self.ep[1 - d]
        seq = self.nxt[d] if seq is None else seq
        ack = self.nxt[1 - d] if ack is None else ack
        self.pc.frame(tcp_frame(a, ap, b, bp, seq, ack, flags, payload))

    def handshake(self):
        mss = struct.pack("!BBH", 2, 4, self.mss)
        (a, ap), (b, bp) = self.ep
        self.pc.frame(tcp_frame(a, ap, b, bp, self.nxt[0], 0, "S", opts=mss))
        self.nxt[0] += 1
        self.pc.frame(tcp_frame(b, bp, a, ap, self.nxt[1], self.nxt[0], "SA", opts=mss))
        self.nxt[1] += 1
        self._emit(0, "A")

    def send(self, d, data, ack=True):
        """data from side d, cut into MSS-sized segments, each ACKed by the peer when ack."""
        for i in range(0, len(data), self.mss):
            chunk = data[i:i + self.mss]
            self._emit(d, "PA", chunk)
            self.nxt[d] += len(chunk)
            if ack:
                self._emit(1 - d, "A")

    def segment(self, d, data, seq_off=0, flags="PA"):
        """One segment at an offset from the next expected byte (for holes and overlaps)."""
        self._emit(d, flags, data, seq=self.nxt[d] + seq_off)

    def ack(self, d):
        self._emit(d, "A")

    def close(self, first=0):
        self._emit(first, "FA")
        self.nxt[first] += 1
        self._emit(1 - first, "FA")
        self.nxt[1 - first] += 1
        self._emit(first, "A")
