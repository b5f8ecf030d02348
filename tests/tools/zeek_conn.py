#!/usr/bin/env python3
"""Zeek's conn.log baselines shipped with the corpus against synfin's conn records.

For every TCP connection a `*.zeek-conn.log*.expected` file lists, the
conn_state, history and missed_bytes it gives (whichever columns the
baseline has: some are cut) must equal synfin's `zeek` object.  Connections
are matched by the originator and responder addresses and ports the
baseline gives.

usage: zeek_conn.py SYNFIN CORPUS_DIR
"""
import glob
import json
import os
import subprocess
import sys


def baseline_rows(path):
    header, rows = None, []
    for line in open(path).read().splitlines():
        if line.startswith("#fields"):
            header = line.split("\t")[1:]
            continue
        if line.startswith("#"):
            continue
        if header is None:          # a ".cut" baseline: first line is the header
            header = line.split("\t")
            continue
        rows.append(dict(zip(header, line.split("\t"))))
    return rows


def main(argv):
    synfin, corpus = argv[1], argv[2]
    total = same = 0
    problems = []
    for exp in sorted(glob.glob(os.path.join(corpus, "zeek", "*conn.log*.expected"))):
        cap = exp[:exp.index(".zeek-")]
        if not os.path.exists(cap):
            continue
        out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True).stdout
        conns = [json.loads(l) for l in out.splitlines() if l.startswith('{"type":"conn"')]
        for row in baseline_rows(exp):
            if row.get("proto", "tcp") != "tcp":
                continue
            if not any(k in row for k in ("conn_state", "history", "missed_bytes")):
                continue
            total += 1
            match = [c for c in conns
                     if row.get("id.orig_h", c["client"]) == c["client"]
                     and row.get("id.orig_p", str(c["client_port"])) == str(c["client_port"])
                     and row.get("id.resp_h", c["server"]) == c["server"]
                     and row.get("id.resp_p", str(c["server_port"])) == str(c["server_port"])]
            if len(match) != 1:
                problems.append("%s: %d synfin connections match %s" % (os.path.basename(cap), len(match), row))
                continue
            z = match[0]["zeek"]
            diffs = ["%s: zeek %s synfin %s" % (k, row[k], z[k]) for k in ("conn_state", "history", "missed_bytes")
                     if k in row and str(z[k]) != row[k]]
            if diffs:
                problems.append("%s conn %d: %s" % (os.path.basename(cap), match[0]["conn"], "; ".join(diffs)))
            else:
                same += 1
    print("zeek conn.log baselines: %d/%d TCP connections with equal conn_state, history and missed_bytes" % (same, total))
    for p in problems:
        print("  " + p)
    return 0 if total and not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
