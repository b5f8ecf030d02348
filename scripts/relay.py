#!/usr/bin/env python3
"""scripts/relay.py - a user-space IPv4 router with deterministic impairment.

Runs in the middle namespace of scripts/netns.sh's sf_ns3_up topology (whose
kernel has ip_forward=0, so this process is the only thing that carries
packets between the two sides).  It reads IPv4 frames from one veth with an
AF_PACKET socket and writes them to the other, like a router: destination MAC
set to the next hop, source MAC to the outgoing veth, TTL decremented and the
IP header checksum fixed.  TCP payloads and checksums are never touched.

    relay.py --a vc --a-net 192.0.2.0/24 --a-mac MAC-of-client \
             --b vs --b-net 198.51.100.0/24 --b-mac MAC-of-server \
             [--delay-ms N] [--drop-data N] [--swap-data N] [--rate-kbps R] \
             [--max-seconds S] [--max-packets P]

Impairments (all deterministic, keyed on the TCP data segments that the side
B host (the server) sends towards side A, counted per connection from 1 in
order of first transmission; a retransmission (a sequence number already
seen) is never impaired):
  --delay-ms N    every forwarded frame, both ways, leaves N ms after it came
                  (order kept).
  --drop-data N   the N-th B->A data segment is dropped, once.
  --swap-data N   the N-th B->A data segment is held back and sent right
                  after the (N+1)-th (if that one does not come within
                  200 ms, the held one is sent anyway).
  --rate-kbps R   frames towards side A leave no faster than R kbit/s (the
                  frame's bytes at that rate after the previous one): a
                  bottleneck link with a queue that never drops (bounded by
                  --max-packets), so a sender filling it sees the RTT grow
                  (bufferbloat).

Bounded: exits after --max-seconds (default 30) or --max-packets (default
20000) forwarded frames, or on SIGTERM/SIGINT.  Prints "relay: ready" when
its sockets are bound, one line per impairment, and a summary (frames each
way, impairments, kernel drops on the packet sockets) on exit.  Python 3
standard library only; needs CAP_NET_RAW.
"""

import argparse
import heapq
import ipaddress
import select
import signal
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_RCVBUFFORCE = 33
HOLD_TIMEOUT = 0.2


def log(msg):
    print("relay: " + msg, flush=True)


def mac_bytes(s):
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise argparse.ArgumentTypeError("bad MAC " + s)
    return b


def ip_checksum(hdr):
    if len(hdr) % 2:
        hdr += b"\0"
    s = sum(struct.unpack("!%dH" % (len(hdr) // 2), hdr))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Side:
    def __init__(self, name, ifname, net, next_mac):
        self.name = name
        self.ifname = ifname
        self.net = ipaddress.ip_network(net)
        self.next_mac = next_mac
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
        except OSError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((ifname, ETH_P_IP))
        self.sock.setblocking(False)
        self.own_mac = self.sock.getsockname()[4][:6]
        self.frames_out = 0

    def kernel_drops(self):
        raw = self.sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        return struct.unpack("II", raw)[1]


class Relay:
    def __init__(self, args):
        self.args = args
        self.a = Side("A", args.a, args.a_net, args.a_mac)
        self.b = Side("B", args.b, args.b_net, args.b_mac)
        self.queue = []  # (due, order, frame, out side)
        self.order = 0
        self.delay = args.delay_ms / 1000.0
        self.rate = args.rate_kbps * 1000.0 / 8.0  # bytes per second, 0 = no limit
        self.link_free = 0.0  # when the bottleneck towards A is free again
        self.conns = {}  # (src, sport, dst, dport) of a B->A flow -> state
        self.held = None  # (deadline, frame, out side, label)
        self.impairments = 0
        self.forwarded = 0
        self.ignored = 0
        self.stop = False

    # -- routing --------------------------------------------------------
    def route(self, frame, came_from):
        """Rewrite FRAME for the other side; None if it is not transit."""
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            return None
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[0] >> 4 != 4 or ihl < 20 or len(ip) < ihl:
            return None
        dst = ipaddress.ip_address(ip[16:20])
        out = self.b if came_from is self.a else self.a
        if dst not in out.net or ip[8] <= 1:
            return None
        hdr = bytearray(ip[:ihl])
        hdr[8] -= 1
        hdr[10:12] = b"\0\0"
        hdr[10:12] = struct.pack("!H", ip_checksum(bytes(hdr)))
        return out, out.next_mac + out.own_mac + frame[12:14] + bytes(hdr) + ip[ihl:]

    # -- impairment -----------------------------------------------------
    def classify(self, frame, came_from):
        """For a B->A TCP segment with payload: (label, first-time index)."""
        if came_from is not self.b:
            return None
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6:
            return None
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:]
        if len(tcp) < 20:
            return None
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        flags = tcp[13]
        doff = (tcp[12] >> 4) * 4
        plen = total - ihl - doff
        key = (bytes(ip[12:16]), sport, bytes(ip[16:20]), dport)
        st = self.conns.get(key)
        if flags & 0x02:  # SYN: (re)start this flow's count
            st = self.conns[key] = {"isn": seq, "n": 0, "seen": set()}
            return None
        if st is None or plen <= 0:
            return None
        if seq in st["seen"]:
            return None  # a retransmission: never impaired
        st["seen"].add(seq)
        st["n"] += 1
        rel = (seq - st["isn"]) & 0xFFFFFFFF
        label = "%s:%d->%s:%d data segment #%d (rel seq %d, len %d)" % (
            socket.inet_ntoa(key[0]), sport, socket.inet_ntoa(key[2]), dport,
            st["n"], rel, plen)
        return label, st["n"]

    def push(self, frame, out, due):
        self.order += 1
        heapq.heappush(self.queue, (due, self.order, frame, out))

    def handle(self, raw, came_from, now):
        r = self.route(raw, came_from)
        if r is None:
            self.ignored += 1
            return
        out, frame = r
        due = now + self.delay
        if self.rate and out is self.a:
            # serialised at the bottleneck rate, in arrival order
            due = max(due, self.link_free)
            self.link_free = due + len(frame) / self.rate
        c = self.classify(frame, came_from)
        if c is not None:
            label, n = c
            if n == self.args.drop_data:
                self.impairments += 1
                log("dropped " + label)
                return
            if n == self.args.swap_data:
                self.impairments += 1
                log("holding " + label)
                self.held = (now + HOLD_TIMEOUT, frame, out, label)
                return
            if self.held is not None and n == self.args.swap_data + 1:
                self.push(frame, out, due)
                log("sent " + label + " first; then the held one")
                _, hframe, hout, _ = self.held
                self.held = None
                self.push(hframe, hout, due)
                return
        self.push(frame, out, due)

    def flush_due(self, now):
        while self.queue and self.queue[0][0] <= now:
            _, _, frame, out = heapq.heappop(self.queue)
            out.sock.send(frame)
            out.frames_out += 1
            self.forwarded += 1
        if self.held is not None and self.held[0] <= now:
            _, hframe, hout, label = self.held
            self.held = None
            log("no next segment within %d ms: sending held %s" % (HOLD_TIMEOUT * 1000, label))
            self.push(hframe, hout, now + self.delay)

    def run(self):
        end = time.monotonic() + self.args.max_seconds
        socks = {self.a.sock: self.a, self.b.sock: self.b}
        log("ready: %s(%s) <-> %s(%s), delay %g ms, drop-data %d, swap-data %d, rate %g kbps" % (
            self.a.ifname, self.a.net, self.b.ifname, self.b.net, self.args.delay_ms,
            self.args.drop_data, self.args.swap_data, self.args.rate_kbps))
        while not self.stop:
            now = time.monotonic()
            if now >= end:
                log("max-seconds reached")
                break
            if self.forwarded >= self.args.max_packets:
                log("max-packets reached")
                break
            self.flush_due(now)
            timeout = end - now
            if self.queue:
                timeout = min(timeout, self.queue[0][0] - now)
            if self.held is not None:
                timeout = min(timeout, self.held[0] - now)
            try:
                ready, _, _ = select.select(list(socks), [], [], max(0.0, min(timeout, 0.5)))
            except InterruptedError:
                continue
            now = time.monotonic()
            for s in ready:
                side = socks[s]
                for _ in range(256):
                    try:
                        raw, addr = s.recvfrom(65535)
                    except BlockingIOError:
                        break
                    if addr[2] == PACKET_OUTGOING:
                        continue
                    self.handle(raw, side, now)
        # deliver what is still queued (bounded: it is at most the delay)
        while self.queue and not self.stop:
            self.flush_due(time.monotonic())
            if self.queue:
                time.sleep(max(0.0, min(0.05, self.queue[0][0] - time.monotonic())))
        log("summary: forwarded %d (to %s %d, to %s %d), impairments %d, not transit %d, "
            "kernel drops %s %d %s %d" % (
                self.forwarded, self.a.ifname, self.a.frames_out, self.b.ifname,
                self.b.frames_out, self.impairments, self.ignored, self.a.ifname,
                self.a.kernel_drops(), self.b.ifname, self.b.kernel_drops()))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--a", required=True, help="veth towards the client")
    p.add_argument("--a-net", required=True, help="subnet behind --a")
    p.add_argument("--a-mac", required=True, type=mac_bytes, help="next hop MAC behind --a")
    p.add_argument("--b", required=True, help="veth towards the server")
    p.add_argument("--b-net", required=True, help="subnet behind --b")
    p.add_argument("--b-mac", required=True, type=mac_bytes, help="next hop MAC behind --b")
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--drop-data", type=int, default=0, metavar="N")
    p.add_argument("--swap-data", type=int, default=0, metavar="N")
    p.add_argument("--rate-kbps", type=float, default=0.0, metavar="R")
    p.add_argument("--max-seconds", type=float, default=30.0)
    p.add_argument("--max-packets", type=int, default=20000)
    args = p.parse_args()
    if args.rate_kbps < 0 or (args.rate_kbps and args.rate_kbps < 64):
        p.error("--rate-kbps must be 0 (no limit) or at least 64")
    if args.delay_ms < 0 or args.delay_ms > 2000:
        p.error("--delay-ms must be within 0..2000")
    if args.max_seconds <= 0 or args.max_seconds > 600:
        p.error("--max-seconds must be within (0, 600]")
    relay = Relay(args)

    def on_signal(_sig, _frm):
        relay.stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    relay.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
