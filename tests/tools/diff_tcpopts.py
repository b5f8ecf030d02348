#!/usr/bin/env python3
"""TCP options in packet records against tshark: tsval/tsecr (tcp.options.timestamp.*), the SACK
blocks (tcp.options.sack_le/_re, relative) and the D-SACK block (tcp.options.sack.dsack_le/_re),
frame by frame.  Differences must be listed in the known-differences file (capture, frame,
field, reason); listed ones that no longer differ fail too.

usage: diff_tcpopts.py SYNFIN CAPTURE... [--root DIR] [--known FILE]
"""
import json
import os
import subprocess
import sys

FIELDS = ["frame.number", "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr",
          "tcp.options.sack_le", "tcp.options.sack_re", "tcp.options.sack.dsack_le",
          "tcp.options.sack.dsack_re"]


def ints(s):
    return [int(x) for x in s.split(",") if x] if s else []


def tshark(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-Y", "tcp"] + sum([["-e", f] for f in FIELDS], [])
    out = {}
    for line in subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines():
        c = line.split("\t")
        if len(c) < len(FIELDS):
            continue
        tv, te = ints(c[1]), ints(c[2])
        le, re_ = ints(c[3]), ints(c[4])
        dl, dr = ints(c[5]), ints(c[6])
        out[int(c[0])] = {
            "tsval": tv[0] if tv else None, "tsecr": te[0] if te else None,
            "sack": [list(x) for x in zip(le, re_)] or None,
            "dsack": [dl[0], dr[0]] if dl and dr else None,
        }
    return out


def synfin(binary, path):
    out = {}
    res = subprocess.run([binary, "-F", "jsonl", "-r", path], capture_output=True, text=True)
    for line in res.stdout.splitlines():
        r = json.loads(line)
        if r.get("type") == "packet" and "conn" in r:
            out[r["frame"]] = {k: r.get(k) for k in ("tsval", "tsecr", "sack", "dsack")}
    return out


def main(argv):
    args = argv[1:]
    opts = {"--root": os.getcwd(), "--known": None}
    for o in list(opts):
        if o in args:
            i = args.index(o)
            opts[o] = args[i + 1]
            del args[i:i + 2]
    known = {}
    if opts["--known"] and os.path.exists(opts["--known"]):
        for line in open(opts["--known"]):
            if line.strip() and not line.startswith("#"):
                c = line.rstrip("\n").split("\t")
                known[(c[0], c[1], c[2])] = c[3] if len(c) > 3 else ""
    binary, caps = args[0], args[1:]
    total = same = absent = 0
    used, problems = set(), []
    for cap in caps:
        name = os.path.relpath(os.path.abspath(cap), os.path.abspath(opts["--root"]))
        if name.startswith(".."):
            name = cap
        ts, sf = tshark(cap), synfin(binary, cap)
        for frame, t in sorted(ts.items()):
            if not any(v is not None for v in t.values()):
                continue
            s = sf.get(frame)
            if s is None:
                absent += 1   # a frame synfin does not report: the tshark differential counts it
                continue
            for k, tv in t.items():
                total += 1
                if s.get(k) == tv:
                    same += 1
                    continue
                key = (name, str(frame), k)
                if key in known:
                    used.add(key)
                else:
                    problems.append("%s frame %d %s: tshark %s synfin %s" % (name, frame, k, tv, s.get(k)))
    stale = sorted(set(known) - used)
    print("tcp options vs tshark: %d values (tsval, tsecr, sack, dsack) on frames with options, %d identical, "
          "%d listed, %d unexpected, %d stale; %d frames not reported by synfin (the tshark differential "
          "counts those)" % (total, same, len(used), len(problems), len(stale), absent))
    for p in problems[:40]:
        print("  " + p)
    for k in stale:
        print("  STALE known difference no longer seen: %s" % "\t".join(k))
    return 1 if problems or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
