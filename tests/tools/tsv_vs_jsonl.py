#!/usr/bin/env python3
"""tsv_vs_jsonl.py - -F tsv against -F jsonl of the same run, for every capture given:
the same records in the same order, every column equal to the jsonl value it
stands for (docs/tsv.md names the key of each column), and the header of each
table equal to the columns docs/tsv.md lists.

usage: tsv_vs_jsonl.py SYNFIN TMPDIR CAPTURE...
"""
import json
import os
import re
import subprocess
import sys
from decimal import Decimal


def unescape(field):
    """A TSV field back to its value (PostgreSQL COPY text rules): None for \\N."""
    if field == "\\N":
        return None
    out, i = [], 0
    while i < len(field):
        ch = field[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = field[i + 1]
        if nxt == "x":
            out.append(chr(int(field[i + 2:i + 4], 16)))
            i += 4
            continue
        out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[nxt])
        i += 2
    return "".join(out)


def canon(v):
    """A jsonl value as the TSV writes it."""
    if v is None:
        return None
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, Decimal):
        return format(v, "f")
    return str(v)


def get(rec, path):
    for k in path.split("."):
        if rec is None:
            return None
        rec = rec.get(k)
    return rec


def half(d, key):
    return lambda r: get(r, "data.%s.%s" % (d, key))


CONN = {
    "tunnel": lambda r: ",".join(t["type"] for t in r["tunnel"]) if "tunnel" in r else None,
    "handshake_complete": lambda r: r["handshake"]["complete"],
    "syn_frame": lambda r: r["handshake"]["syn_frame"],
    "syn_ack_frame": lambda r: r["handshake"]["syn_ack_frame"],
    "ack_frame": lambda r: r["handshake"]["ack_frame"],
    "syn_retransmissions": lambda r: r["handshake"]["syn_retransmissions"],
    "syn_ack_retransmissions": lambda r: r["handshake"]["syn_ack_retransmissions"],
    "irtt": lambda r: r["handshake"]["irtt"],
    "close_kind": lambda r: r["close"]["kind"],
    "close_by": lambda r: r["close"]["by"],
    "rst_phase": lambda r: r["close"].get("rst_phase"),
    "rtt_samples": lambda r: r["rtt"]["samples"],
    "rtt_min": lambda r: r["rtt"]["min"],
    "rtt_median": lambda r: r["rtt"]["median"],
    "rtt_max": lambda r: r["rtt"]["max"],
    "zeek_conn_state": lambda r: r["zeek"]["conn_state"],
    "zeek_history": lambda r: r["zeek"]["history"],
    "zeek_missed_bytes": lambda r: r["zeek"]["missed_bytes"],
    "tls_sni": lambda r: get(r, "tls.sni"),
    "tls_version": lambda r: get(r, "tls.version"),
    "tls_alpn": lambda r: get(r, "tls.alpn"),
}
for d in ("c2s", "s2c"):
    for col, key in (("packets", "packets"), ("bytes", "bytes"), ("wire_bytes", "wire_bytes"),
                     ("segments", "segments")):
        CONN["%s_%s" % (d, col)] = half(d, key)
    for key in ("retransmissions", "retransmitted_bytes", "fast_retransmissions", "spurious_retransmissions",
                "out_of_order", "lost_segments", "dup_acks", "zero_windows", "keep_alives"):
        CONN["%s_%s" % (d, key)] = (lambda d_, k_: lambda r: r["analysis"][d_][k_])(d, key)

HTTP = {
    "method": lambda r: get(r, "request.method"),
    "uri": lambda r: get(r, "request.uri"),
    "host": lambda r: get(r, "request.host"),
    "request_version": lambda r: get(r, "request.version"),
    "user_agent": lambda r: get(r, "request.user_agent"),
    "referrer": lambda r: get(r, "request.referrer"),
    "status": lambda r: get(r, "response.status"),
    "reason": lambda r: get(r, "response.reason"),
    "response_version": lambda r: get(r, "response.version"),
    "response_body_decoded_bytes": lambda r: get(r, "response.body_decoded_bytes"),
    "content_type": lambda r: get(r, "response.content_type"),
    "content_encoding": lambda r: get(r, "response.content_encoding"),
    "connect": lambda r: r["timings"]["connect"],
    "send": lambda r: r["timings"]["send"],
    "wait": lambda r: r["timings"]["wait"],
    "receive": lambda r: r["timings"]["receive"],
}
for m in ("request", "response"):
    for col, key in (("first_frame", "first_frame"), ("header_bytes", "header_bytes"),
                     ("body_bytes", "body_bytes"), ("complete", "complete"),
                     ("retransmissions", "retransmissions"), ("gap_bytes", "gap_bytes")):
        HTTP["%s_%s" % (m, col)] = (lambda m_, k_: lambda r: get(r, "%s.%s" % (m_, k_)))(m, key)

PACKET = {
    "flags": lambda r: ",".join(r["flags"]) if "flags" in r else None,
    "analysis": lambda r: ",".join(r["analysis"]) if "analysis" in r else None,
}

MAPS = {"conn": CONN, "http": HTTP, "packet": PACKET}


def documented_columns():
    """The column names of each table in docs/tsv.md (first cell of its table rows)."""
    cols, cur = {}, None
    for line in open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "tsv.md")):
        m = re.match(r"^## `(\w+)` table", line)
        if m:
            cur = m.group(1)
            cols[cur] = []
            continue
        m = re.match(r"^\| `(\w+)` \|", line)
        if m and cur:
            cols[cur].append(m.group(1))
    return cols


def main():
    synfin, tmp, caps = sys.argv[1], sys.argv[2], sys.argv[3:]
    docs = documented_columns()
    problems, counts = [], {"conn": 0, "http": 0, "packet": 0}
    for idx, cap in enumerate(caps):
        j = subprocess.run([synfin, "-F", "jsonl", "--packet-keys", "-r", cap], capture_output=True, text=True)
        recs = {"conn": [], "http": [], "packet": []}
        for line in j.stdout.splitlines():
            r = json.loads(line, parse_float=Decimal)
            if r["type"] in recs:
                recs[r["type"]].append(r)
        out = os.path.join(tmp, "tsv-%d-%s" % (idx, os.path.basename(cap)))
        t = subprocess.run([synfin, "-F", "tsv", "--packet-keys", "-o", out + "/", "-r", cap],
                           capture_output=True, text=True)
        if t.returncode != j.returncode:
            problems.append("%s: exit %d with tsv, %d with jsonl" % (cap, t.returncode, j.returncode))
        if not os.path.isdir(out) and t.returncode and not any(recs.values()):
            continue   # a file that does not open: no tables, no records
        for table in ("conn", "http", "packet"):
            lines = open(os.path.join(out, table + ".tsv"), encoding="utf-8").read().split("\n")
            assert lines[-1] == "", "no final newline"
            header = lines[0].split("\t")
            if header != docs.get(table):
                problems.append("%s.tsv header differs from docs/tsv.md: %s" % (table, header))
            rows = [[unescape(f) for f in ln.split("\t")] for ln in lines[1:-1]]
            if len(rows) != len(recs[table]):
                problems.append("%s %s: %d rows, %d jsonl records" % (cap, table, len(rows), len(recs[table])))
                continue
            for row, rec in zip(rows, recs[table]):
                if len(row) != len(header):
                    problems.append("%s %s: a row of %d fields" % (cap, table, len(row)))
                    continue
                for col, val in zip(header, row):
                    fn = MAPS[table].get(col, lambda r, c=col: r.get(c))
                    want = canon(fn(rec))
                    if val != want:
                        problems.append("%s %s %s: tsv %r, jsonl %r" % (cap, table, col, val, want))
                counts[table] += 1
    for p in problems[:30]:
        print(p)
    if problems or not counts["conn"] or not counts["http"]:
        print("tsv vs jsonl: %d problems" % len(problems))
        return 1
    print("tsv = jsonl: %d conn, %d http, %d packet rows of %d captures, every column" %
          (counts["conn"], counts["http"], counts["packet"], len(caps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
