#!/usr/bin/env python3
"""diff_h2.py - HTTP/2 differential: synfin's streams against tshark's http2 dissector.

usage: diff_h2.py SYNFIN CAPTURE... --known FILE [--root DIR] [--verbose]

Per connection (tcp.stream), from tshark -T json (-o tcp.reassemble_out_of_order:TRUE):
every HEADERS frame with :method gives (stream, method, path), every
HEADERS with :status gives (stream, status) (interim 1xx included), every
PUSH_PROMISE gives (promised stream, method, path); synfin's http records
with a "stream" give the same from request / response / interim.  The sorted
lists must be equal.  Every remaining difference must be listed in the
known-differences file (capture, conn or "-", kind, reason; tab-separated);
a listed difference that no longer occurs is reported too.  The first
output line is the score.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict


def pairs_hook(pairs):
    # tshark repeats keys (several http2.stream in one layer): keep them all.
    d = {}
    for k, v in pairs:
        if k in d:
            if not isinstance(d[k], list) or not getattr(d[k], "_multi", False):
                m = Multi([d[k]])
                d[k] = m
            d[k].append(v)
        else:
            d[k] = v
    return d


class Multi(list):
    _multi = True


def items(v):
    if isinstance(v, Multi):
        return list(v)
    if isinstance(v, list):
        return v
    return [v]


def walk_streams(layer):
    """Every http2.stream object (one per frame) under an http2 layer."""
    for obj in items(layer):
        if not isinstance(obj, dict):
            continue
        for s in items(obj.get("http2.stream", [])):
            if isinstance(s, dict):
                yield s


def headers_of(s):
    out = []
    for h in items(s.get("http2.header", [])):
        if isinstance(h, dict):
            n, v = h.get("http2.header.name"), h.get("http2.header.value")
            if isinstance(n, str):
                out.append((n, v if isinstance(v, str) else ""))
    return out


def tshark_h2(cap):
    out = subprocess.run(["tshark", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE", "-T", "json",
                          "-J", "tcp http2", "-Y", "http2"], capture_output=True, text=True,
                         errors="replace").stdout
    res = defaultdict(lambda: {"req": [], "status": []})
    if not out.strip():
        return res
    for pkt in json.loads(out, object_pairs_hook=pairs_hook):
        layers = pkt["_source"]["layers"]
        tcp = items(layers.get("tcp"))[0]
        conn = int(tcp["tcp.stream"])
        for s in walk_streams(layers.get("http2", [])):
            try:
                typ = int(s.get("http2.type", "-1"))
                sid = int(s.get("http2.streamid", "0"))
            except (TypeError, ValueError):
                continue
            hd = dict(headers_of(s))
            if typ == 5:
                try:
                    sid = int(s.get("http2.push_promise.promised_stream_id", "0"))
                except (TypeError, ValueError):
                    pass
            if typ in (1, 5) and ":method" in hd:
                res[conn]["req"].append((sid, hd[":method"], hd.get(":path", "")))
            if typ == 1 and ":status" in hd:
                res[conn]["status"].append((sid, int(hd[":status"]) if hd[":status"].isdigit() else 0))
    return res


def synfin_h2(synfin, cap):
    out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True,
                         errors="replace").stdout
    res = defaultdict(lambda: {"req": [], "status": []})
    for line in out.splitlines():
        if '"type":"http"' not in line[:20]:
            continue
        try:
            t = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "stream" not in t:
            continue
        c, sid = t["conn"], t["stream"]
        q, r = t.get("request"), t.get("response")
        if q and q.get("method"):
            res[c]["req"].append((sid, q["method"], q.get("uri") or ""))
        if r:
            for i in r.get("interim", []):
                res[c]["status"].append((sid, i["status"]))
            if r.get("status"):
                res[c]["status"].append((sid, r["status"]))
    return res


def load_known(path):
    known = {}
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if not line.strip() or line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) >= 4:
                known[(f[0], f[1], f[2])] = f[3]
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("synfin")
    ap.add_argument("captures", nargs="+")
    ap.add_argument("--known")
    ap.add_argument("--root", default=".")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    known = load_known(a.known)
    seen = set()
    problems = []
    caps = conns = reqs = stats = agree_r = agree_s = 0
    for cap in a.captures:
        ts = tshark_h2(cap)
        if not ts:
            continue
        caps += 1
        sf = synfin_h2(a.synfin, cap)
        name = os.path.relpath(cap, a.root) if os.path.isabs(cap) or cap.startswith("..") else cap
        for c in sorted(set(ts) | set(sf)):
            conns += 1
            for kind in ("req", "status"):
                want, got = sorted(ts[c][kind]), sorted(sf[c][kind])
                n = len(want)
                ok = sum(min(want.count(x), got.count(x)) for x in set(want))
                if kind == "req":
                    reqs += n
                    agree_r += ok
                else:
                    stats += n
                    agree_s += ok
                if want != got:
                    key = (name, str(c), kind)
                    if key in known:
                        seen.add(key)
                        continue
                    problems.append("%s conn %d %s: tshark %s synfin %s" % (name, c, kind, want[:6], got[:6]))
    for k in known:
        if k not in seen and any(k[0] == (os.path.relpath(p, a.root) if os.path.isabs(p) or p.startswith("..") else p)
                                 for p in a.captures):
            problems.append("stale known difference: %s" % "\t".join(k))
    print("h2: %d captures, %d connections; requests %d/%d, statuses %d/%d agree with tshark; %d problem(s)"
          % (caps, conns, agree_r, reqs, agree_s, stats, len(problems)))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
