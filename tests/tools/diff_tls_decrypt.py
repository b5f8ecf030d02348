#!/usr/bin/env python3
"""diff_tls_decrypt.py - HTTPS decrypted by synfin against tshark decrypting with the same secrets.

Usage: diff_tls_decrypt.py SYNFIN CAPTURE... [--known TSV] [--root DIR]

For each capture, the secrets are CAPTURE's name with .keys instead of its
extension (given to synfin as --keylog and to tshark as -o
tls.keylog_file:); a capture without one (a pcapng carrying a Decryption
Secrets Block) is read by both without the option.  Per connection
(tcp.stream):

  requests   HTTP/1.x (method, uri, frame) of tshark's http.request, in order
  responses  HTTP/1.x (status, frame) of tshark's http.response, in order
  h2         HTTP/2 (stream, method, path, frame) of HEADERS with :method and
             (stream, status, frame) with :status, sorted
  follow     for every connection synfin says it decrypted: the payload text
             of `tshark -q -z follow,tls,ascii,N` per direction equals the
             runs synfin's --follow N marks "decrypted" (\\r and line ends
             dropped, other bytes outside printable ASCII as '.'), and
             tshark's chunk sizes add up to synfin's plaintext byte counts
             (jsonl tls.decryption.c2s/s2c_plaintext_bytes)
  handshake  the handshake message types synfin read from decrypted records
             (jsonl tls.decryption.c2s/s2c_handshake) per direction equal
             tshark's tls.handshake.type (TLS 1.3: all but the hellos; TLS
             1.2: the Finished messages)
  objects    per capture, the SHA-256 of every HTTP/1.x body: synfin's
             --export-objects against tshark's --export-objects http (tshark
             4.0 exports no HTTP/2 objects: those connections are left out)
  decrypted  a connection where tshark decrypts any application data is
             one synfin says "decrypted"

synfin's side comes from -F jsonl ("http" records: request/response frame,
"stream" for HTTP/2; conn "tls.decryption.status").  A difference listed in
--known (capture relative to --root or to the repository, conn, check,
reason; tab-separated) is accepted; a listed one that no longer occurs is
reported.  Exit 1 on any other difference.  The first output line is the score.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict


def keys_for(cap):
    base = re.sub(r"\.(pcapng|pcap)(\.gz)?$", "", cap)
    k = base + ".keys"
    return k if os.path.exists(k) else None


def tshark(cap, keys, args):
    cmd = ["tshark", "-n", "-o", "tcp.reassemble_out_of_order:TRUE", "-r", cap]
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    # Bytes, not text: universal newlines would turn the payload's \r\n into
    # \n and break follow's byte counts.
    return subprocess.run(cmd + args, capture_output=True).stdout.decode("latin-1")


def tshark_http(cap, keys):
    req, resp, h2 = defaultdict(list), defaultdict(list), defaultdict(list)
    out = tshark(cap, keys, ["-Y", "http.request || http.response", "-T", "fields", "-e", "frame.number",
                             "-e", "tcp.stream", "-e", "http.request.method", "-e", "http.request.uri",
                             "-e", "http.response.code", "-E", "occurrence=f"])
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 5 or not f[1]:
            continue
        s = int(f[1])
        if f[2]:
            req[s].append((f[2], f[3], int(f[0])))
        if f[4]:
            resp[s].append((int(f[4]), int(f[0])))
    out = tshark(cap, keys, ["-Y", "http2.type == 1", "-T", "fields", "-e", "frame.number", "-e", "tcp.stream",
                             "-e", "http2.type", "-e", "http2.streamid", "-e", "http2.headers.method",
                             "-e", "http2.headers.path", "-e", "http2.headers.status",
                             "-E", "occurrence=a", "-E", "aggregator=|"])
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 7:
            continue
        frame, s = int(f[0]), int(f[1])
        types, sids = f[2].split("|"), f[3].split("|")
        hs = [int(sids[i]) for i in range(min(len(types), len(sids))) if types[i] == "1"]
        methods = [x for x in f[4].split("|") if x]
        paths = f[5].split("|")
        statuses = [x for x in f[6].split("|") if x]
        # One direction per packet: its HEADERS are all requests or all responses.
        for i, m in enumerate(methods):
            if i < len(hs):
                h2[s].append((hs[i], m, paths[i] if i < len(paths) else "", frame))
        for i, st in enumerate(statuses):
            if i < len(hs):
                h2[s].append((hs[i], int(st), frame))
    return req, resp, h2


def synfin_http(synfin, cap, keys):
    cmd = [synfin, "-F", "jsonl", "-r", cap] + (["--keylog", keys] if keys else [])
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    req, resp, h2, status, plain, hs = defaultdict(list), defaultdict(list), defaultdict(list), {}, {}, {}
    for line in out.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if r.get("type") == "http":
            c, q, a = r["conn"], r.get("request"), r.get("response")
            if r.get("stream"):
                if q:
                    h2[c].append((r["stream"], q["method"], q["uri"], q["frame"]))
                if a:
                    h2[c].append((r["stream"], a["status"], a["frame"]))
                continue
            if q:
                req[c].append((q["method"], q["uri"], q["frame"]))
            if a:
                resp[c].append((a["status"], a["frame"]))
        elif r.get("type") == "conn" and "tls" in r:
            d = r["tls"].get("decryption") or {}
            status[r["conn"]] = d.get("status")
            plain[r["conn"]] = [d.get("c2s_plaintext_bytes", 0), d.get("s2c_plaintext_bytes", 0)]
            hs[r["conn"]] = (r["client_port"], r["tls"].get("version"), [d.get("c2s_handshake", []), d.get("s2c_handshake", [])])
    return req, resp, h2, status, plain, hs


def tshark_handshake(cap, keys):
    """Per (tcp.stream, source port) the handshake message types tshark shows, in order."""
    types = defaultdict(list)
    out = tshark(cap, keys, ["-Y", "tls.handshake.type", "-T", "fields", "-e", "tcp.stream", "-e", "tcp.srcport",
                             "-e", "tls.handshake.type", "-E", "occurrence=a", "-E", "aggregator=,"])
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) == 3 and f[0]:
            types[(int(f[0]), int(f[1]))] += [int(x) for x in f[2].split(",") if x]
    return types


def digests(d):
    return sorted(hashlib.sha256(open(os.path.join(d, f), "rb").read()).hexdigest()
                  for f in os.listdir(d) if f != "index.json" and os.path.isfile(os.path.join(d, f)))


def objects(synfin, cap, keys, h2_conns):
    """SHA-256 of every HTTP/1.x body: tshark --export-objects http vs synfin --export-objects."""
    tmp = tempfile.mkdtemp(prefix="tlsdec-")
    try:
        tdir, sdir = os.path.join(tmp, "t"), os.path.join(tmp, "s")
        os.mkdir(tdir)
        tshark(cap, keys, ["-q", "--export-objects", "http," + tdir])
        subprocess.run([synfin, "-F", "summary", "-r", cap, "--export-objects", sdir]
                       + (["--keylog", keys] if keys else []), capture_output=True)
        mine = []
        if os.path.exists(os.path.join(sdir, "index.json")):
            for o in json.load(open(os.path.join(sdir, "index.json")))["objects"]:
                # tshark 4.0 exports HTTP/1.x objects only.
                if o["conn"] not in h2_conns and o.get("file"):
                    mine.append(hashlib.sha256(open(os.path.join(sdir, o["file"]), "rb").read()).hexdigest())
        return sorted(mine), digests(tdir)
    finally:
        shutil.rmtree(tmp)


def printable(text):
    # tshark's ascii follow shows a tab as '.', synfin's text follow keeps it.
    return "".join(ch if ch == "\n" or " " <= ch <= "~" else "." for ch in text.replace("\r", ""))


def tshark_follow(cap, keys, conn):
    """Per node (0, 1) the text and byte count of tshark's follow,tls,ascii; node 0's address."""
    out = tshark(cap, keys, ["-q", "-z", "follow,tls,ascii,%d" % conn])
    m = re.search(r"^Node 0: (\S+)$", out, re.M)
    node0 = m.group(1) if m else ""
    body = out.split("=" * 67)
    text, nbytes = ["", ""], [0, 0]
    if len(body) < 3:
        return node0, text, nbytes
    lines = body[1].split("\n")
    # Skip the header lines (Follow:, Filter:, Node 0:, Node 1:).
    i = 0
    while i < len(lines) and not re.match(r"^\t?\d+$", lines[i]):
        i += 1
    rest = "\n".join(lines[i:])
    pos = 0
    while pos < len(rest):
        m = re.compile(r"(\t?)(\d+)\n").match(rest, pos)
        if not m:
            break
        node, n = (1 if m.group(1) else 0), int(m.group(2))
        start = m.end()
        chunk = rest[start:start + n]
        text[node] += chunk
        nbytes[node] += n
        pos = start + n + 1
    return node0, text, nbytes


def synfin_follow(synfin, cap, keys, conn):
    cmd = [synfin, "-r", cap, "--follow", str(conn)] + (["--keylog", keys] if keys else [])
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    text, nbytes, client = ["", ""], [0, 0], ""
    m = re.search(r"^Node 0: (\S+) \(client\)$", out, re.M)
    if m:
        client = m.group(1)
    cur = None
    parts = out.split("=" * 67 + "\n")
    body = parts[2] if len(parts) > 2 else ""
    for line in body.splitlines(keepends=True):
        m = re.match(r"^(>>> client -> server|<<< server -> client), frame \d+(, decrypted)?\n$", line)
        if m:
            # Only the decrypted runs: the plaintext of a CONNECT before TLS is not tshark's follow,tls.
            cur = (0 if m.group(1).startswith(">>>") else 1) if m.group(2) else None
            continue
        if cur is not None:
            text[cur] += line
    return client, text, nbytes


def norm_runs(t):
    # Both tools end a chunk with a newline of their own (tshark per record,
    # synfin per run of one direction): line ends are not compared, the
    # exact byte counts are (jsonl tls.decryption.*_plaintext_bytes).
    return t.replace("\n", "")


def main(argv):
    known, root, caps, i = {}, ".", [], 1
    while i < len(argv):
        if argv[i] == "--known":
            for line in open(argv[i + 1]):
                if line.startswith("#") or not line.strip():
                    continue
                f = line.rstrip("\n").split("\t")
                if len(f) >= 4:
                    known[(f[0], f[1], f[2])] = f[3]
            i += 2
        elif argv[i] == "--root":
            root = argv[i + 1]
            i += 2
        else:
            caps.append(argv[i])
            i += 1
    synfin, caps = caps[0], caps[1:]

    def rel(cap):
        a = os.path.abspath(cap)
        for base in (os.path.abspath(root), os.getcwd()):
            if a.startswith(base + os.sep):
                return os.path.relpath(a, base)
        return cap

    seen_known, problems, listed = set(), [], 0
    checks = agree = 0
    for cap in caps:
        keys = keys_for(cap)
        if not keys and not cap.endswith(".pcapng"):
            continue
        treq, tresp, th2 = tshark_http(cap, keys)
        sreq, sresp, sh2, status, plain, shs = synfin_http(synfin, cap, keys)
        ths = tshark_handshake(cap, keys)
        conns = sorted(set(treq) | set(tresp) | set(th2) | set(sreq) | set(sresp) | set(sh2) | set(status))

        def diff(conn, check, detail):
            k = (rel(cap), str(conn), check)
            if k in known:
                seen_known.add(k)
                return 1
            problems.append("%s conn %s %s: %s" % (rel(cap), conn, check, detail))
            return 0

        checks += 1
        mine, theirs = objects(synfin, cap, keys, set(sh2))
        if mine == theirs:
            agree += 1
        else:
            listed += diff("-", "objects", "synfin %d bodies, tshark %d, %d in common"
                           % (len(mine), len(theirs), len(set(mine) & set(theirs))))
        for c in conns:
            for check, a, b in (("requests", sreq.get(c, []), treq.get(c, [])),
                                ("responses", sresp.get(c, []), tresp.get(c, [])),
                                ("h2", sorted(map(str, sh2.get(c, []))), sorted(map(str, th2.get(c, []))))):
                checks += 1
                if a == b:
                    agree += 1
                else:
                    listed += diff(c, check, "synfin %s tshark %s" % (a[:8], b[:8]))
            if status.get(c) == "decrypted" and c in shs:
                # The messages read from decrypted records: in TLS 1.3 all but the
                # hellos; in TLS 1.2 the Finished after each ChangeCipherSpec.
                port, version, mine = shs[c]
                checks += 1
                ok = True
                for d in (0, 1):
                    theirs = [t for (st, sp), v in ths.items() if st == c and (sp == port) == (d == 0) for t in v]
                    theirs = [t for t in theirs if t not in (1, 2)] if version == "0x0304" else [t for t in theirs if t == 20]
                    if theirs != mine[d]:
                        ok = False
                        listed += diff(c, "handshake", "dir %d synfin %s tshark %s" % (d, mine[d], theirs))
                        break
                if ok:
                    agree += 1
            tnode0, ttext, tbytes = tshark_follow(cap, keys, c)
            checks += 1
            if status.get(c) != "decrypted":
                if tbytes[0] + tbytes[1]:
                    listed += diff(c, "decrypted", "tshark decrypts %s bytes, synfin says %s" % (tbytes, status.get(c)))
                else:
                    agree += 1
                continue
            sclient, stext, _ = synfin_follow(synfin, cap, keys, c)
            sbytes = plain.get(c, [0, 0])
            # tshark's node 0 is the sender of the first decrypted data; map it to client/server.
            if tnode0 and tnode0 != sclient:
                ttext, tbytes = [ttext[1], ttext[0]], [tbytes[1], tbytes[0]]
            a = [norm_runs(printable(x)) for x in stext]
            b = [norm_runs(printable(x)) for x in ttext]
            if a == b and sbytes == tbytes:
                agree += 1
            elif a == b:
                listed += diff(c, "follow", "text equal, bytes synfin %s tshark %s" % (sbytes, tbytes))
            else:
                for d in (0, 1):
                    if a[d] != b[d]:
                        j = next((k for k in range(min(len(a[d]), len(b[d]))) if a[d][k] != b[d][k]),
                                 min(len(a[d]), len(b[d])))
                        listed += diff(c, "follow", "dir %d differs at %d: synfin %r tshark %r"
                                       % (d, j, a[d][j:j + 40], b[d][j:j + 40]))
                        break
    stale = [k for k in known if k not in seen_known and os.path.exists(os.path.join(root, k[0]))
             and any(rel(c) == k[0] for c in caps)]
    for k in stale:
        problems.append("listed difference no longer occurs: %s conn %s %s" % k)
    print("diff_tls_decrypt: %d/%d checks agree with tshark, %d with listed differences, %d problems"
          % (agree, checks, listed, len(problems)))
    for p in problems:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
