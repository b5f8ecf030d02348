#!/usr/bin/env python3
"""gen_ooo.py - a crafted out-of-order capture for the reassembly bench row (issue 10).

    python3 bench/gen_ooo.py OUT.pcap [--conns 1000] [--segs 4000] [--order hole|reverse]

Each connection (192.0.2.1:PORT -> 198.51.100.2:80, Ethernet, pcap µs) does a
3-way handshake, then the client sends SEGS one-byte segments out of order,
the connections interleaved round-robin so all of them hold pieces at once:
  hole     byte 0 last, bytes 1..SEGS-1 ascending before it (a lost first
           segment, the rest in order behind the hole: near-in-order)
  reverse  bytes SEGS-1 down to 0
then FIN/FIN/ACK.  No server ACKs during the data, so nothing is given up as
an acknowledged gap: every byte is held until the hole is filled.
"""
import argparse, struct

ap = argparse.ArgumentParser()
ap.add_argument('out')
ap.add_argument('--conns', type=int, default=1000)
ap.add_argument('--segs', type=int, default=4000)
ap.add_argument('--order', choices=('hole', 'reverse'), default='hole')
a = ap.parse_args()

CLI = bytes([192, 0, 2, 1])
SRV = bytes([198, 51, 100, 2])
ETH_C = b'\x02\x00\x00\x00\x00\x02' + b'\x02\x00\x00\x00\x00\x01' + b'\x08\x00'
ETH_S = b'\x02\x00\x00\x00\x00\x01' + b'\x02\x00\x00\x00\x00\x02' + b'\x08\x00'
t = [0]

def pkt(out, c2s, sport, seq, ack, flags, payload=b''):
    src, dst = (CLI, SRV) if c2s else (SRV, CLI)
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0, src, dst)
    ports = (sport, 80) if c2s else (80, sport)
    tcp = struct.pack('>HHIIBBHHH', ports[0], ports[1], seq & 0xffffffff, ack & 0xffffffff,
                      0x50, flags, 65535, 0, 0)
    fr = (ETH_C if c2s else ETH_S) + ip + tcp + payload
    t[0] += 1
    out.write(struct.pack('<IIII', t[0] // 1000000, t[0] % 1000000, len(fr), len(fr)) + fr)

SYN, ACK, FIN, PSH = 0x02, 0x10, 0x01, 0x08
with open(a.out, 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    conns = [(10000 + i, 1000 * i + 1, 5000 * i + 7) for i in range(a.conns)]
    for sport, ci, si in conns:
        pkt(out, True, sport, ci, 0, SYN)
        pkt(out, False, sport, si, ci + 1, SYN | ACK)
        pkt(out, True, sport, ci + 1, si + 1, ACK)
    order = (list(range(1, a.segs)) + [0]) if a.order == 'hole' else list(range(a.segs - 1, -1, -1))
    for k in order:
        b = bytes([65 + k % 26])
        for sport, ci, si in conns:
            pkt(out, True, sport, ci + 1 + k, si + 1, PSH | ACK, b)
    for sport, ci, si in conns:
        pkt(out, True, sport, ci + 1 + a.segs, si + 1, FIN | ACK)
        pkt(out, False, sport, si + 1, ci + 2 + a.segs, FIN | ACK)
        pkt(out, True, sport, ci + 2 + a.segs, si + 2, ACK)
