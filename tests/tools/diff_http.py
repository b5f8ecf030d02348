#!/usr/bin/env python3
"""diff_http.py - HTTP differential: synfin's transactions against tshark, Zeek and suricata-verify baselines.

usage: diff_http.py SYNFIN CAPTURE... --known FILE [--root DIR] [--verbose]

1. tshark (-o tcp.reassemble_out_of_order:TRUE -Y http): per connection
   (tcp.stream), the list of (method, uri) and the list of status codes
   (interim 1xx included, in frame order) must equal synfin's.
2. Zeek http.log baselines beside a capture (<capture>.zeek-http.log.expected):
   method, host, uri, status_code, request/response body lengths and
   trans_depth of each row must match one synfin transaction.
3. suricata-verify test.yaml baselines: the event_type http checks
   (http.url, http.status, http.hostname, http.http_method, count) must hold.

Every remaining difference must be listed in the known-differences file
(capture, conn or "-", kind, reason; tab-separated); a listed difference that
no longer occurs is reported too.  The first output line is the score.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from collections import defaultdict


def synfin_http(synfin, cap):
    out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True,
                         errors="replace").stdout
    txns = []
    for line in out.splitlines():
        if '"type":"http"' not in line[:20]:
            continue
        try:
            t = json.loads(line)
        except json.JSONDecodeError:
            continue
        # HTTP/2 streams are tshark's http2, not http: tests/tools/diff_h2.py.
        if "stream" not in t:
            txns.append(t)
    return txns


def synfin_lists(txns):
    reqs = defaultdict(list)
    stats = defaultdict(list)
    for t in txns:
        c = t["conn"]
        if t["request"]:
            r = t["request"]
            reqs[c].append((r["head_frame"] if "head_frame" in r else r["first_frame"], r["method"], r["uri"]))
        if t["response"]:
            rs = t["response"]
            for i in rs.get("interim", []):
                stats[c].append((i["frame"], i["status"]))
            stats[c].append((rs.get("head_frame", rs["first_frame"]), rs["status"]))
    out_r = {c: [(m, u) for _, m, u in sorted(v)] for c, v in reqs.items()}
    out_s = {c: [s for _, s in sorted(v)] for c, v in stats.items()}
    return out_r, out_s


def tshark_lists(cap):
    p = subprocess.run(["tshark", "-o", "tcp.reassemble_out_of_order:TRUE", "-r", cap, "-Y", "http",
                        "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=\x1f",
                        "-e", "tcp.stream", "-e", "http.request.method", "-e", "http.request.uri",
                        "-e", "http.response.code"], capture_output=True, text=True, errors="replace")
    reqs = defaultdict(list)
    stats = defaultdict(list)
    for line in p.stdout.splitlines():
        f = line.split("\t")
        while len(f) < 4:
            f.append("")
        if not f[0]:
            continue
        c = int(f[0].split("\x1f")[0])
        ms = f[1].split("\x1f") if f[1] else []
        us = f[2].split("\x1f") if f[2] else []
        for i, m in enumerate(ms):
            reqs[c].append((m, us[i] if i < len(us) else ""))
        for s in (f[3].split("\x1f") if f[3] else []):
            stats[c].append(int(s))
    return reqs, stats


def zeek_rows(path, capname):
    """Rows of a Zeek http.log baseline (the block of this trace when several)."""
    rows = []
    fields = None
    with open(path, errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
                continue
            if line.startswith("#") or not line.strip() or fields is None:
                continue
            vals = line.split("\t")
            rows.append(dict(zip(fields, vals)))
    return rows


def check_zeek(txns, rows):
    """Each Zeek row must match a transaction; returns a list of problems."""
    problems = []
    used = set()
    for row in rows:
        want = {}
        for k, jk in (("method", "method"), ("host", "host"), ("uri", "uri")):
            if k in row and row[k] != "-":
                want[jk] = row[k]
        for k in ("status_code", "request_body_len", "response_body_len", "trans_depth"):
            if k in row and row[k] not in ("-", ""):
                want[k] = int(row[k])
        best = None
        for i, t in enumerate(txns):
            if i in used:
                continue
            rq = t["request"] or {}
            rs = t["response"] or {}
            got = {
                "method": rq.get("method"), "host": rq.get("host"), "uri": rq.get("uri"),
                "status_code": rs.get("status"),
                "request_body_len": rq.get("body_decoded_bytes", 0),
                "response_body_len": rs.get("body_decoded_bytes", 0),
                "trans_depth": t["n"],
            }
            if "host" in want and got["host"] is None:
                got["host"] = None
            bad = [k for k, v in want.items() if got.get(k) != v]
            if not bad:
                best = (i, [])
                break
            if best is None or len(bad) < len(best[1]):
                best = (i, bad, got)
        if best is None:
            problems.append("no transaction for %s" % want)
        elif best[1]:
            got = best[2]
            problems.append("%s %s: %s" % (want.get("method"), want.get("uri"),
                            ", ".join("%s zeek=%s synfin=%s" % (k, want[k], got.get(k)) for k in best[1])))
        else:
            used.add(best[0])
    return problems


def parse_suricata(path):
    """The http checks of a suricata-verify test.yaml (a tiny YAML subset)."""
    checks = []
    cur = None
    for line in open(path, errors="replace"):
        s = line.rstrip("\n")
        if re.match(r"^\s*-\s*filter:", s):
            cur = {"count": None, "match": {}}
            checks.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^\s*count:\s*(\d+)", s)
        if m:
            cur["count"] = int(m.group(1))
            continue
        m = re.match(r"^\s+([A-Za-z0-9_.\[\]]+):\s*(.*)$", s)
        if m and m.group(1) not in ("match", "filter"):
            v = m.group(2).strip()
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                v = v[1:-1]
            cur["match"][m.group(1)] = v
    return [c for c in checks if c["match"].get("event_type") == "http"]


def hostname(host):
    """Suricata's http.hostname: the Host header without its port."""
    if not host:
        return None
    if host.startswith("["):
        return host[:host.index("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def check_suricata(txns, checks):
    problems = []
    supported = {"event_type", "http.url", "http.status", "http.hostname", "http.http_method",
                 "http.protocol", "http.length"}
    n = 0
    for c in checks:
        keys = set(c["match"])
        if not keys <= supported:
            continue   # checks on fields synfin does not model (files, tx ids)
        n += 1
        hits = 0
        for t in txns:
            rq = t["request"] or {}
            rs = t["response"] or {}
            got = {"http.url": rq.get("uri"), "http.status": str(rs.get("status")) if rs else None,
                   "http.hostname": hostname(rq.get("host")),
                   "http.http_method": rq.get("method"),
                   "http.protocol": "HTTP/" + rq["version"] if rq.get("version") else None,
                   "http.length": str(rs.get("body_bytes")) if rs else None}
            if all(got.get(k) == v for k, v in c["match"].items() if k != "event_type"):
                hits += 1
        want = c["count"]
        if (want is None and hits == 0) or (want is not None and hits != want):
            problems.append("check %s: %d match(es), expected %s" % (c["match"], hits, want if want is not None else ">= 1"))
    return n, problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("synfin")
    ap.add_argument("captures", nargs="*")
    ap.add_argument("--known", required=True)
    ap.add_argument("--root", default=None)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()

    known = {}
    if os.path.exists(a.known):
        for line in open(a.known):
            if not line.strip() or line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) >= 4:
                known[(f[0], f[1], f[2])] = f[3]
    seen_known = set()
    unexplained = []
    conns_total = conns_equal = 0
    zeek_rows_n = zeek_ok = 0
    suri_n = suri_ok = 0

    def rel(cap):
        if a.root and os.path.abspath(cap).startswith(os.path.abspath(a.root) + os.sep):
            return os.path.relpath(cap, a.root)
        return cap

    def diff(cap, conn, kind, detail):
        key = (rel(cap), str(conn), kind)
        if key in known:
            seen_known.add(key)
        else:
            unexplained.append("%s conn %s %s: %s" % (rel(cap), conn, kind, detail))

    for cap in a.captures:
        txns = synfin_http(a.synfin, cap)
        sreq, sst = synfin_lists(txns)
        treq, tst = tshark_lists(cap)
        conns = sorted(set(sreq) | set(sst) | set(treq) | set(tst))
        for c in conns:
            conns_total += 1
            ok = True
            if sreq.get(c, []) != treq.get(c, []):
                ok = False
                diff(cap, c, "requests", "synfin %s tshark %s" % (sreq.get(c, [])[:6], treq.get(c, [])[:6]))
            if sst.get(c, []) != tst.get(c, []):
                ok = False
                diff(cap, c, "statuses", "synfin %s tshark %s" % (sst.get(c, [])[:12], tst.get(c, [])[:12]))
            conns_equal += ok
        zp = cap + ".zeek-http.log.expected"
        if os.path.exists(zp):
            rows = zeek_rows(zp, os.path.basename(cap))
            probs = check_zeek(txns, rows)
            zeek_rows_n += len(rows)
            zeek_ok += len(rows) - len(probs)
            for p in probs:
                diff(cap, "-", "zeek", p)
        sp = cap + ".suricata-test.yaml.expected"
        if os.path.exists(sp):
            n, probs = check_suricata(txns, parse_suricata(sp))
            suri_n += n
            suri_ok += n - len(probs)
            for p in probs:
                diff(cap, "-", "suricata", p)

    print("http differential: %d/%d connections equal to tshark (method+uri, status lists); "
          "zeek http.log rows %d/%d; suricata-verify http checks %d/%d; %d known difference(s) used"
          % (conns_equal, conns_total, zeek_ok, zeek_rows_n, suri_ok, suri_n, len(seen_known)))
    stale = [k for k in known if k not in seen_known and any(rel(c) == k[0] for c in a.captures)]
    for k in stale:
        print("stale known difference (no longer occurs): %s" % "\t".join(k))
    for u in unexplained:
        print(u)
    return 1 if unexplained or stale else 0


if __name__ == "__main__":
    sys.exit(main())
