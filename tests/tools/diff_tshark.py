#!/usr/bin/env python3
"""Differential test: synfin's per-frame TCP view against tshark on the same capture.

For every TCP frame tshark dissects, synfin must report the same connection
number (tcp.stream), relative seq and ack, payload length and flags.  A
difference is accepted only when tests/tshark-known-differences.tsv lists it
(file, frame, field) with its reason; an unlisted difference fails the test,
and so does a listed one that no longer happens (the list stays true).

usage: diff_tshark.py SYNFIN CAPTURE... [--known FILE] [--report FILE]
"""
import json
import os
import subprocess
import sys

FIELDS = ["frame.number", "tcp.stream", "tcp.seq", "tcp.ack", "tcp.len", "tcp.flags"]
FLAG_BITS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10,
             "URG": 0x20, "ECE": 0x40, "CWR": 0x80, "AE": 0x100}


def tshark_frames(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=f", "-Y", "tcp"] + sum([["-e", f] for f in FIELDS], [])
    res = subprocess.run(cmd, capture_output=True, text=True)
    out = {}
    for line in res.stdout.splitlines():
        cols = line.split("\t")
        if len(cols) < len(FIELDS) or not cols[1]:
            continue
        frame = int(cols[0])
        out[frame] = {
            "conn": int(cols[1]),
            "seq": int(cols[2]) if cols[2] else None,
            "ack": int(cols[3]) if cols[3] else None,
            "len": int(cols[4]) if cols[4] else None,
            "flags": int(cols[5], 16) & 0x1ff if cols[5] else None,
        }
    return out


def synfin_frames(synfin, path):
    res = subprocess.run([synfin, "-F", "jsonl", "-r", path], capture_output=True, text=True)
    out = {}
    for line in res.stdout.splitlines():
        rec = json.loads(line)
        if rec.get("type") != "packet" or "conn" not in rec:
            continue
        flags = 0
        for f in rec["flags"]:
            flags |= FLAG_BITS[f]
        out[rec["frame"]] = {"conn": rec["conn"], "seq": rec["seq"], "ack": rec["ack"],
                             "len": rec["len"], "flags": flags}
    return out, res.returncode, res.stderr.strip()


def load_known(path):
    known = {}
    if not path or not os.path.exists(path):
        return known
    with open(path) as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            known[(cols[0], cols[1], cols[2])] = cols[3] if len(cols) > 3 else ""
    return known


def main(argv):
    args = argv[1:]
    known_path = None
    report = None
    if "--known" in args:
        i = args.index("--known")
        known_path = args[i + 1]
        del args[i:i + 2]
    root = os.getcwd()
    if "--root" in args:
        i = args.index("--root")
        root = args[i + 1]
        del args[i:i + 2]
    if "--report" in args:
        i = args.index("--report")
        report = args[i + 1]
        del args[i:i + 2]
    synfin, captures = args[0], args[1:]
    known = load_known(known_path)
    used = set()
    total = equal = 0
    unexpected = []
    for cap in captures:
        name = os.path.relpath(os.path.abspath(cap), os.path.abspath(root))
        if name.startswith(".."):
            name = cap
        ts = tshark_frames(cap)
        sf, rc, err = synfin_frames(synfin, cap)
        for frame, t in sorted(ts.items()):
            total += 1
            s = sf.get(frame)
            diffs = []
            if s is None:
                diffs.append(("missing", "tcp frame not reported by synfin"))
            else:
                for field in ("conn", "seq", "ack", "len", "flags"):
                    tv = t[field]
                    if tv is not None and tv != s[field]:
                        diffs.append((field, "tshark %s synfin %s" % (tv, s[field])))
            if not diffs:
                equal += 1
                continue
            for field, what in diffs:
                k = (name, str(frame), field)
                if k in known:
                    used.add(k)
                else:
                    unexpected.append("%s frame %d %s: %s" % (name, frame, field, what))
        extra = sorted(set(sf) - set(ts))
        for frame in extra:
            k = (name, str(frame), "extra")
            if k in known:
                used.add(k)
            else:
                unexpected.append("%s frame %d: synfin saw TCP where tshark did not" % (name, frame))
    stale = sorted(set(known) - used)
    pct = 100.0 * equal / total if total else 100.0
    summary = "tshark differential: %d TCP frames in %d captures, %d identical (%.3f%%), %d listed differences, %d unexpected, %d stale list entries" % (
        total, len(captures), equal, pct, len(used), len(unexpected), len(stale))
    print(summary)
    for u in unexpected[:50]:
        print("  UNEXPECTED " + u)
    if len(unexpected) > 50:
        print("  ... %d more" % (len(unexpected) - 50))
    for k in stale:
        print("  STALE known difference no longer seen: %s" % "\t".join(k))
    if report:
        with open(report, "w") as fh:
            fh.write(summary + "\n")
            for u in unexpected:
                fh.write(u + "\n")
    return 1 if unexpected or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
