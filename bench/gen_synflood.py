#!/usr/bin/env python3
"""gen_synflood.py - a crafted SYN flood for the bounded-memory bench row (issue 10).

    python3 bench/gen_synflood.py OUT.pcap [--count 1000000] [--rate 100000]
                                           [--family 4|6] [--refused N] [--retrans N]

COUNT SYNs to 198.51.100.80:80 (IPv4) or [2001:db8:ffff::80]:80 (IPv6), each
from its own source: IPv4 sources are the documentation networks
192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737, the target left
out) times source ports 1024 and up, so every (address, port) pair is
distinct; IPv6 sources are distinct addresses in 2001:db8::/32 (RFC 3849).
The SYNs carry Linux's options (MSS 1460, SACK permitted, timestamps, window
scale 7: 74-byte frames), RATE per second of capture time, Ethernet, pcap µs.

Nothing answers them, unless:
  --refused N   every Nth SYN is refused by the server (RST+ACK 1 ms later)
  --retrans N   every Nth SYN is sent again (same ISN) 1 s later, as a
                client's SYN retransmission
The expected counts are printed on stderr (connections, unanswered, refused,
frames) so a test can compare a tool's summary with them.
"""
import argparse, struct, sys, heapq

ap = argparse.ArgumentParser()
ap.add_argument('out')
ap.add_argument('--count', type=int, default=1000000)
ap.add_argument('--rate', type=float, default=100000.0)
ap.add_argument('--family', type=int, choices=(4, 6), default=4)
ap.add_argument('--refused', type=int, default=0)
ap.add_argument('--retrans', type=int, default=0)
a = ap.parse_args()

ETH_C = b'\x02\x00\x00\x00\x00\x02' + b'\x02\x00\x00\x00\x00\x01'
ETH_S = b'\x02\x00\x00\x00\x00\x01' + b'\x02\x00\x00\x00\x00\x02'
# MSS 1460, SACK permitted, timestamps (val, ecr 0), NOP, window scale 7
OPTS_HEAD = b'\x02\x04\x05\xb4\x04\x02\x08\x0a'
OPTS_TAIL = b'\x00\x00\x00\x00\x01\x03\x03\x07'

if a.family == 4:
    TARGET = bytes([198, 51, 100, 80])
    nets = [(192, 0, 2), (198, 51, 100), (203, 0, 113)]
    hosts = [bytes(n) + bytes([h]) for n in nets for h in range(1, 255)]
    hosts = [h for h in hosts if h != TARGET]
else:
    TARGET = bytes.fromhex('20010db8ffff00000000000000000080')
    hosts = None

def source(i):
    if a.family == 4:
        return hosts[i % len(hosts)], 1024 + i // len(hosts)
    # 2001:db8:<i> as the low 64 bits: a distinct address for each SYN
    return bytes.fromhex('20010db8') + struct.pack('>IQ', 0, i + 1), 40000 + i % 20000

def ip_header(src, dst, tcp_len):
    if a.family == 4:
        return struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + tcp_len, 0, 0x4000, 64, 6, 0, src, dst)
    return struct.pack('>IHBB16s16s', 0x60000000, tcp_len, 6, 64, src, dst)

ETYPE = b'\x08\x00' if a.family == 4 else b'\x86\xdd'

def frame(c2s, src, sport, dst, dport, seq, ack, flags, opts):
    tcp = struct.pack('>HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      (20 + len(opts)) // 4 << 4, flags, 64240 if c2s else 0, 0, 0) + opts
    return (ETH_C if c2s else ETH_S) + ETYPE + ip_header(src, dst, len(tcp)) + tcp

SYN, RST, ACK = 0x02, 0x04, 0x10
step = int(round(1e6 / a.rate)) if a.rate > 0 else 0
late = []           # (time µs, order, frame): answers and retransmissions
order = 0
n_frames = n_refused = n_retrans = 0
with open(a.out, 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    w = out.write
    t0 = 1764633600 * 1000000   # 2025-12-02 00:00 UTC
    def put(t, fr):
        global n_frames
        w(struct.pack('<IIII', t // 1000000, t % 1000000, len(fr), len(fr)) + fr)
        n_frames += 1
    for i in range(a.count):
        t = t0 + i * step
        while late and late[0][0] <= t:
            lt, _, fr = heapq.heappop(late)
            put(lt, fr)
        src, sport = source(i)
        isn = (i * 2654435761 + 12345) & 0xffffffff
        opts = OPTS_HEAD + struct.pack('>I', (i * 7 + 1) & 0xffffffff) + OPTS_TAIL
        put(t, frame(True, src, sport, TARGET, 80, isn, 0, SYN, opts))
        if a.refused and i % a.refused == a.refused - 1:
            order += 1
            heapq.heappush(late, (t + 1000, order, frame(False, TARGET, 80, src, sport, 0, isn + 1,
                                                          RST | ACK, b'')))
            n_refused += 1
        elif a.retrans and i % a.retrans == a.retrans - 1:
            order += 1
            opts2 = OPTS_HEAD + struct.pack('>I', (i * 7 + 1001) & 0xffffffff) + OPTS_TAIL
            heapq.heappush(late, (t + 1000000, order, frame(True, src, sport, TARGET, 80, isn, 0,
                                                             SYN, opts2)))
            n_retrans += 1
    while late:
        lt, _, fr = heapq.heappop(late)
        put(lt, fr)

print('connections=%d unanswered=%d refused=%d retransmitted=%d frames=%d'
      % (a.count, a.count - n_refused, n_refused, n_retrans, n_frames), file=sys.stderr)
