#!/usr/bin/env python3
"""scripts/h2_raw_client.py - a tiny h2c (prior knowledge) client that writes
frames by hand, for the control frames ordinary clients do not send on demand.

    h2_raw_client.py HOST PORT AUTHORITY

Sequence: preface + SETTINGS; SETTINGS ACK of the server's SETTINGS; PING
(opaque "synfin01") and wait for its ACK; GET /large.bin on stream 1 and
RST_STREAM(CANCEL) it after the first DATA frame, WINDOW_UPDATE
(connection, +1 MiB); GET /index.html on
stream 3 read to END_STREAM; GOAWAY(NO_ERROR, last stream 0); close.
HPACK is written with static-table indices and literals without Huffman
coding, so every request byte is fixed.  Bounded: 10 s socket timeout.
"""
import socket
import struct
import sys

DATA, HEADERS, RST, SETTINGS, PING, GOAWAY, WINUPD = 0, 1, 3, 4, 6, 7, 8


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", sid) + payload


def lit(idx, value):
    # literal header field without indexing, name from the static table
    v = value.encode()
    return bytes([idx]) + bytes([len(v)]) + v


def get(path, authority):
    # :method GET (2), :scheme http (6), :path (4, literal), :authority (1, literal)
    return b"\x82\x86" + lit(0x04, path) + lit(0x01, authority)


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=10)
        self.buf = b""

    def send(self, b):
        self.s.sendall(b)

    def read_frame(self):
        while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
            chunk = self.s.recv(65536)
            if not chunk:
                raise SystemExit("h2_raw_client: connection closed early")
            self.buf += chunk
        n = int.from_bytes(self.buf[:3], "big")
        ftype, flags = self.buf[3], self.buf[4]
        sid = int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF
        payload = self.buf[9:9 + n]
        self.buf = self.buf[9 + n:]
        return ftype, flags, sid, payload

    def until(self, pred, limit=10000):
        for _ in range(limit):
            f = self.read_frame()
            if f[0] == SETTINGS and not f[1] & 1:
                self.send(frame(SETTINGS, 1, 0))
            if pred(f):
                return f
        raise SystemExit("h2_raw_client: frame limit reached")


def main():
    host, port, authority = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    c = Conn(host, port)
    c.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(SETTINGS, 0, 0))
    c.until(lambda f: f[0] == SETTINGS and f[1] & 1)
    c.send(frame(PING, 0, 0, b"synfin01"))
    c.until(lambda f: f[0] == PING and f[1] & 1)
    c.send(frame(HEADERS, 0x5, 1, get("/large.bin", authority)))
    c.until(lambda f: f[0] == DATA and f[2] == 1)
    c.send(frame(RST, 0, 1, struct.pack(">I", 8)))  # CANCEL
    # stream 1 may have used the whole connection window: reopen it
    c.send(frame(WINUPD, 0, 0, struct.pack(">I", 1 << 20)))
    c.send(frame(HEADERS, 0x5, 3, get("/index.html", authority)))
    c.until(lambda f: f[2] == 3 and f[0] in (DATA, HEADERS) and f[1] & 1)
    c.send(frame(GOAWAY, 0, 0, struct.pack(">II", 0, 0)))
    c.s.shutdown(socket.SHUT_WR)
    try:
        while c.s.recv(65536):
            pass
    except OSError:
        pass
    c.s.close()
    print("ok")


if __name__ == "__main__":
    main()
