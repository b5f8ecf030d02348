#!/usr/bin/env python3
"""scripts/http_client.py - raw-socket HTTP/1.1 clients for the capture scripts.

    http_client.py slowread  HOST PORT PATH   tiny SO_RCVBUF, slow reads -> zero windows
    http_client.py pipeline  HOST PORT PATH1 PATH2 PATH3   3 GETs in one send()
    http_client.py split     HOST PORT PATH   request written a few bytes at a time
    http_client.py posts     HOST PORT PATH   --count POSTs on one connection, each
                                              written as two send()s: headers, then body

Each mode reads the response(s) until the server closes (the last request
says "Connection: close"), then closes.  Everything is bounded: a socket
timeout of 5 s, and --max-seconds (default 8) for the whole run.  Prints a
one-line summary (bytes received, status lines seen) on stdout.  Python 3
standard library only.
"""

import argparse
import re
import socket
import sys
import time

UA = "synfin-capture/1"


def request(host, path, close, extra=""):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n%s%s\r\n" % (
        path, host, UA, extra, "Connection: close\r\n" if close else "")).encode()


def connect(host, port, rcvbuf=None, nodelay=False):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        # before connect(), so the window scale and first window follow it
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(5)
    s.connect((host, port))
    return s


def read_all(s, deadline, chunk=65536):
    data = bytearray()
    while time.monotonic() < deadline:
        b = s.recv(chunk)
        if not b:
            break
        data += b
    return bytes(data)


def summary(mode, data, t0):
    status = re.findall(rb"HTTP/1\.[01] \d{3}[^\r\n]*", data)
    print("%s: %d bytes in %.2f s; status lines: %s" % (
        mode, len(data), time.monotonic() - t0,
        ", ".join(x.decode() for x in status) or "none"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["slowread", "pipeline", "split", "posts"])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("paths", nargs="+")
    p.add_argument("--max-seconds", type=float, default=8.0)
    p.add_argument("--rcvbuf", type=int, default=2048, help="slowread: SO_RCVBUF")
    p.add_argument("--read-size", type=int, default=1024, help="slowread: bytes per recv()")
    p.add_argument("--read-gap-ms", type=float, default=4.0, help="slowread: sleep between recv()s")
    p.add_argument("--stall-every", type=int, default=40960,
                   help="slowread: stall after each this many bytes")
    p.add_argument("--stall-ms", type=float, default=600.0, help="slowread: stall length")
    p.add_argument("--split-bytes", type=int, default=4, help="split: bytes per send()")
    p.add_argument("--split-gap-ms", type=float, default=4.0, help="split: sleep between send()s")
    p.add_argument("--count", type=int, default=5, help="posts: requests")
    p.add_argument("--body-bytes", type=int, default=300, help="posts: body size")
    p.add_argument("--gap-ms", type=float, default=50.0, help="posts: pause between requests")
    p.add_argument("--nodelay", action="store_true", help="posts: TCP_NODELAY (Nagle off)")
    a = p.parse_args()
    if not 0 < a.max_seconds <= 30:
        p.error("--max-seconds must be within (0, 30]")
    t0 = time.monotonic()
    deadline = t0 + a.max_seconds
    host = a.host

    if a.mode == "slowread":
        s = connect(host, a.port, rcvbuf=a.rcvbuf)
        s.sendall(request(host, a.paths[0], close=True))
        data = bytearray()
        next_stall = a.stall_every
        # a first stall right away: the receive buffer fills, the window closes
        time.sleep(a.stall_ms / 1000.0)
        while time.monotonic() < deadline:
            b = s.recv(a.read_size)
            if not b:
                break
            data += b
            if len(data) >= next_stall:
                next_stall += a.stall_every
                time.sleep(a.stall_ms / 1000.0)
            else:
                time.sleep(a.read_gap_ms / 1000.0)
        s.close()
        summary(a.mode, bytes(data), t0)
    elif a.mode == "pipeline":
        if len(a.paths) < 2:
            p.error("pipeline needs at least two paths")
        s = connect(host, a.port)
        reqs = b"".join(request(host, path, close=(i == len(a.paths) - 1))
                        for i, path in enumerate(a.paths))
        s.sendall(reqs)  # one send(): all requests before any response
        data = read_all(s, deadline)
        s.close()
        summary(a.mode, data, t0)
    elif a.mode == "split":
        s = connect(host, a.port, nodelay=True)
        req = request(host, a.paths[0], close=True)
        for i in range(0, len(req), a.split_bytes):
            if time.monotonic() >= deadline:
                break
            s.send(req[i:i + a.split_bytes])
            time.sleep(a.split_gap_ms / 1000.0)
        data = read_all(s, deadline)
        s.close()
        summary(a.mode, data, t0)
    elif a.mode == "posts":
        # write(headers), write(body): with Nagle on, the body waits for the
        # ACK of the headers, which the server (in delayed-ACK "pingpong"
        # mode after its first answers) holds ~40 ms
        if not 0 < a.count <= 20 or not 0 < a.body_bytes <= 1000:
            p.error("posts: --count within 1..20, --body-bytes within 1..1000")
        s = connect(host, a.port, nodelay=a.nodelay)
        body = bytes(97 + i % 26 for i in range(a.body_bytes))
        data = bytearray()
        for i in range(a.count):
            if time.monotonic() >= deadline:
                break
            last = i == a.count - 1
            s.send(("POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nContent-Length: %d\r\n%s\r\n"
                    % (a.paths[0], host, UA, len(body), "Connection: close\r\n" if last else "")).encode())
            s.send(body)
            # read this answer (a short one: its head and body end in "\n")
            got = bytearray()
            while time.monotonic() < deadline and not re.search(rb"\r\n\r\n[^\n]*\n", bytes(got)):
                b = s.recv(65536)
                if not b:
                    break
                got += b
            data += got
            if not last:
                time.sleep(a.gap_ms / 1000.0)
        data += read_all(s, deadline)
        s.close()
        summary(a.mode, bytes(data), t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
