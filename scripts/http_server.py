#!/usr/bin/env python3
"""scripts/http_server.py - a tiny HTTP/1.1 server for the capture scripts.

    http_server.py ADDR PORT [--max-seconds S]

Serves (all content deterministic, no Date header):
  GET  /chunked   200, Transfer-Encoding: chunked, chunks of 100, 3000, 1,
                  5000, 700 and 2500 bytes, each written by its own send()
                  (TCP_NODELAY), then the last chunk with two trailer fields
                  (X-Checksum: crc32 of the body, X-Chunk-Count), announced
                  in a "Trailer:" header.
  POST /upload    with "Expect: 100-continue": "HTTP/1.1 100 Continue" first,
                  then reads Content-Length bytes and answers 200 with a
                  short text body (without Expect: no interim response).
  GET  /close     "HTTP/1.0 200 OK" with no Content-Length: a 5,000-byte body
                  ended by the server closing the connection (FIN).
  GET  /pause     200 with a 30,000-byte body written in three 10,000-byte
                  send()s 300 ms apart (an application that stalls mid-body).
  GET  /big       200 with a 102,400-byte body in one send().
  GET  /huge      200 with a 250,000-byte body in one send().
  other           404 with a short body.
Keep-alive: after a response with a length the server waits for the next
request on the connection (5 s idle timeout).  Bounded: exits after
--max-seconds (default 30) or on SIGTERM/SIGINT.  Prints "listening on
ADDR:PORT" when ready and one line per request.  Python 3 stdlib only.
"""

import argparse
import signal
import socket
import socketserver
import sys
import threading
import time
import zlib

SERVER = "synfin-test"
CHUNK_SIZES = (100, 3000, 1, 5000, 700, 2500)


def text_block(tag, size):
    """SIZE bytes of numbered text lines, the same on every run."""
    out = bytearray()
    i = 0
    while len(out) < size:
        i += 1
        out += b"%s line %04d: the quick brown fox jumps over the lazy dog.\n" % (tag, i)
    return bytes(out[:size])


def log(msg):
    print(msg, flush=True)


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.request.settimeout(5)
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise ValueError("header too big")
            b = self.request.recv(65536)
            if not b:
                return None
            self.buf += b
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return method, target, version, hdrs

    def read_body(self, n):
        while len(self.buf) < n:
            b = self.request.recv(65536)
            if not b:
                break
            self.buf += b
        body, self.buf = self.buf[:n], self.buf[n:]
        return body

    def send(self, data):
        self.request.sendall(data)

    def simple(self, code, reason, body, ctype="text/plain"):
        self.send(b"HTTP/1.1 %d %s\r\nServer: %s\r\nContent-Type: %s\r\n"
                  b"Content-Length: %d\r\n\r\n" % (code, reason.encode(), SERVER.encode(),
                                                   ctype.encode(), len(body)) + body)

    def handle(self):
        peer = "%s:%d" % self.client_address[:2]
        try:
            while True:
                req = self.read_head()
                if req is None:
                    return
                method, target, version, hdrs = req
                log("%s %s %s %s" % (peer, method, target, version))
                body = b""
                if method == "POST":
                    if hdrs.get("expect", "").lower() == "100-continue":
                        self.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                    body = self.read_body(int(hdrs.get("content-length", "0")))
                if method == "GET" and target == "/chunked":
                    self.chunked()
                elif method == "POST" and target == "/upload":
                    self.simple(200, "OK", b"received %d bytes, crc32 %08x\n" % (
                        len(body), zlib.crc32(body)))
                elif method == "GET" and target == "/pause":
                    body = text_block(b"pause", 30000)
                    self.send(b"HTTP/1.1 200 OK\r\nServer: %s\r\nContent-Type: text/plain\r\n"
                              b"Content-Length: %d\r\n\r\n" % (SERVER.encode(), len(body)))
                    for i in range(0, len(body), 10000):
                        if i:
                            time.sleep(0.3)
                        self.send(body[i:i + 10000])
                elif method == "GET" and target == "/big":
                    self.simple(200, "OK", text_block(b"big", 102400))
                elif method == "GET" and target == "/huge":
                    self.simple(200, "OK", text_block(b"huge", 250000))
                elif method == "GET" and target == "/close":
                    self.send(b"HTTP/1.0 200 OK\r\nServer: %s\r\nContent-Type: text/plain\r\n\r\n"
                              % SERVER.encode())
                    self.send(text_block(b"close", 5000))
                    self.request.shutdown(socket.SHUT_WR)  # the FIN ends the body
                    return
                else:
                    self.simple(404, "Not Found", b"not found\n")
                if hdrs.get("connection", "").lower() == "close" or version == "HTTP/1.0":
                    return
        except (OSError, ValueError) as e:
            log("%s: %s" % (peer, e))

    def chunked(self):
        chunks = [text_block(b"chunk%d" % i, n) for i, n in enumerate(CHUNK_SIZES, 1)]
        body = b"".join(chunks)
        self.send(b"HTTP/1.1 200 OK\r\nServer: %s\r\nContent-Type: text/plain\r\n"
                  b"Transfer-Encoding: chunked\r\nTrailer: X-Checksum, X-Chunk-Count\r\n\r\n"
                  % SERVER.encode())
        for c in chunks:
            time.sleep(0.002)
            self.send(b"%x\r\n" % len(c) + c + b"\r\n")
        time.sleep(0.002)
        self.send(b"0\r\nX-Checksum: crc32=%08x\r\nX-Chunk-Count: %d\r\n\r\n" % (
            zlib.crc32(body), len(chunks)))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--max-seconds", type=float, default=30.0)
    a = p.parse_args()
    if not 0 < a.max_seconds <= 600:
        p.error("--max-seconds must be within (0, 600]")
    srv = Server((a.addr, a.port), Handler)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    t.start()
    log("listening on %s:%d" % (a.addr, a.port))
    stop.wait(a.max_seconds)
    srv.shutdown()
    srv.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
