#!/usr/bin/env python3
"""html_check.py - helpers of tests/browser/check_html.sh (python3 stdlib only).

  mkpcap OUT N           N small HTTP connections (documentation addresses);
                         connection 0 asks for a URI that tries to end the
                         report's <script> elements
  dom DOM JSONL [opts]   the DOM chromium dumped holds what synfin -F jsonl says
  png FILE               the screenshot is not blank

Each check prints one line, "ok ..." or "FAIL ...", and the exit status is
non-zero when any failed.
"""
import json
import re
import struct
import sys
import zlib

failed = 0


def ok(msg):
    print("ok " + msg)


def fail(msg):
    global failed
    failed += 1
    print("FAIL " + msg)


def check(cond, msg, detail=""):
    if cond:
        ok(msg)
    else:
        fail(msg + (": " + detail if detail else ""))


# ------------------------------------------------------------------ pcap
def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b""):
    hlen = 20 + len(opts)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (hlen // 4) << 4, flags, 64240, 0, 0) + opts + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp


def mkpcap(out, n):
    FIN, SYN, PSH, ACK = 0x01, 0x02, 0x08, 0x10
    mss = b"\x02\x04\x05\xb4\x01\x01\x04\x02"     # MSS 1460, NOP, NOP, SACK permitted
    recs = []
    for i in range(n):
        cli = bytes([192, 0, 2, 1 + i % 250])
        srv = bytes([198, 51, 100, 1 + i % 8]) if i % 2 else bytes([203, 0, 113, 1 + i % 8])
        cp, sp = 20000 + i, 80
        ci, si = 1000 + i * 7, 5000 + i * 11
        uri = "/x</script><script>document.body.dataset.pwned=1</script><!--" if i == 0 else "/item/%d" % i
        req = ("GET %s HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n" % uri).encode()
        body = b"hello %d\n" % i
        resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        t = 1700000000.0 + i * 0.01
        pk = [
            (cli, srv, cp, sp, ci, 0, SYN, b"", mss),
            (srv, cli, sp, cp, si, ci + 1, SYN | ACK, b"", mss),
            (cli, srv, cp, sp, ci + 1, si + 1, ACK, b"", b""),
            (cli, srv, cp, sp, ci + 1, si + 1, PSH | ACK, req, b""),
            (srv, cli, sp, cp, si + 1, ci + 1 + len(req), ACK, b"", b""),
            (srv, cli, sp, cp, si + 1, ci + 1 + len(req), PSH | ACK, resp, b""),
            (cli, srv, cp, sp, ci + 1 + len(req), si + 1 + len(resp), ACK, b"", b""),
            (cli, srv, cp, sp, ci + 1 + len(req), si + 1 + len(resp), FIN | ACK, b"", b""),
            (srv, cli, sp, cp, si + 1 + len(resp), ci + 2 + len(req), FIN | ACK, b"", b""),
            (cli, srv, cp, sp, ci + 2 + len(req), si + 2 + len(resp), ACK, b"", b""),
        ]
        for k, p in enumerate(pk):
            recs.append((t + k * 0.0001, frame(*p)))
    recs.sort(key=lambda r: r[0])
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, data in recs:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)) + data)


# ------------------------------------------------------------------- DOM
def jsonl_ids(path):
    conns, txns = [], []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "conn":
                conns.append(r["conn"])
            elif r.get("type") == "http":
                txns.append("%d:%d" % (r["conn"], r["n"]))
    return conns, txns


def dom(path, jsonl, opts):
    name = opts.get("name", path)
    html = open(path, encoding="utf-8", errors="replace").read()
    conns, txns = jsonl_ids(jsonl)
    body = re.search(r"<body([^>]*)>", html)
    attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', body.group(1))) if body else {}
    check(attrs.get("data-ready") == "1", name + ": the page's script ran to the end (data-ready)")
    errs = re.search(r'id="sf-errors"[^>]*data-errors="([^"]*)"', html) or \
        re.search(r'data-errors="([^"]*)"[^>]*id="sf-errors"', html)
    check(errs is not None and errs.group(1) == "", name + ": no script error recorded (data-errors empty)",
          errs.group(1) if errs else "no #sf-errors element")
    check(attrs.get("data-conns") == str(len(conns)) and attrs.get("data-txns") == str(len(txns)),
          name + ": %d connections and %d transactions, as -F jsonl" % (len(conns), len(txns)),
          "page says %s and %s" % (attrs.get("data-conns"), attrs.get("data-txns")))
    rows = [int(x) for x in re.findall(r'<tr class="conn[^"]*" data-conn="(\d+)"', html)]
    want = sorted(conns)[:100]
    check(rows == want, name + ": first page lists connections %s" % short(want), "got " + short(rows))
    bars = re.findall(r'class="wf-row" data-txn="(\d+:\d+)"', html)
    check(sorted(bars, key=txn_key) == sorted(txns, key=txn_key)[:100] if len(txns) <= 100 else len(bars) == 100,
          name + ": waterfall holds transactions %s" % short(sorted(txns, key=txn_key)[:100]), "got " + short(bars))
    if "ladder" in opts:
        cid = opts["ladder"]
        m = re.search(r'<svg[^>]*data-ladder-conn="%s".*?</svg>' % cid, html, re.S)
        check(m is not None, name + ": connection %s opened with its ladder" % cid)
        if m:
            svg = m.group(0)
            arrows = len(re.findall(r'<g class="pkt', svg))
            check(arrows > 0, name + ": ladder has %d arrows" % arrows)
            for text in opts.get("texts", []):
                check(text in svg, name + ": ladder shows %r" % text)
    if opts.get("anomaly"):
        m = re.search(r'<g class="pkt anomaly"[^>]*><title>([^<]*)</title>', html)
        check(m is not None and "\u26a0" in m.group(1),
              name + ": an anomaly arrow is red with its explanation as tooltip",
              m.group(1)[:120] if m else "no anomaly arrow")
    if opts.get("hostile"):
        # Attribute values may hold '<' as is (HTML serialization): look
        # for an injected element outside them.
        bare = re.sub(r'"[^"]*"', '""', html)
        check("data-pwned" not in attrs and "<script>document.body" not in bare,
              name + ": a URI holding </script> stays text (no injected script)")
        check("&lt;/script&gt;&lt;script&gt;document.body" in html,
              name + ": the hostile URI is shown as text in the waterfall")


def txn_key(s):
    a, b = s.split(":")
    return (int(a), int(b))


def short(lst):
    lst = list(lst)
    if len(lst) <= 8:
        return "[" + ", ".join(map(str, lst)) + "]"
    return "[%s, ... %s] (%d)" % (", ".join(map(str, lst[:4])), ", ".join(map(str, lst[-2:])), len(lst))


# ------------------------------------------------------------------- PNG
def png_pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack("!I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack("!IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unexpected PNG format %r" % (hdr,))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def png(path, name):
    try:
        w, h, bpp, rows = png_pixels(path)
    except (OSError, ValueError, zlib.error, struct.error) as e:
        fail(name + ": screenshot unreadable: %s" % e)
        return
    colours, count = {}, 0
    for y in range(0, h, 2):
        r = rows[y]
        for x in range(0, w, 2):
            px = r[x * bpp:x * bpp + 3]
            colours[px] = colours.get(px, 0) + 1
            count += 1
    bg = max(colours.values())
    check(len(colours) > 50 and bg < 0.95 * count,
          name + ": screenshot %dx%d is not blank (%d colours, %.0f%% background)"
          % (w, h, len(colours), 100.0 * bg / count))


def main(argv):
    if len(argv) >= 3 and argv[0] == "mkpcap":
        mkpcap(argv[1], int(argv[2]))
        return 0
    if len(argv) >= 3 and argv[0] == "dom":
        opts = {"texts": []}
        it = iter(argv[3:])
        for a in it:
            if a == "--name":
                opts["name"] = next(it)
            elif a == "--ladder":
                opts["ladder"] = next(it)
            elif a == "--text":
                opts["texts"].append(next(it))
            elif a in ("--anomaly", "--hostile"):
                opts[a[2:]] = True
        dom(argv[1], argv[2], opts)
    elif len(argv) >= 2 and argv[0] == "png":
        png(argv[1], argv[2] if len(argv) > 2 else argv[1])
    else:
        print(__doc__)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
