#!/usr/bin/env python3
"""diff_tls_records.py - per frame, the TLS records synfin names (jsonl packet "tls") against tshark's.

Usage: diff_tls_records.py SYNFIN CAPTURE... [--known TSV] [--root DIR]

For every frame in which tshark or synfin shows a TLS record: the list of
tls.record.content_type (the records the frame completes; tshark shows a
record in the frame that completes it, as synfin does), then the
tls.record.opaque_type of TLS 1.3's encrypted records (their outer type,
23; in a frame they follow the plaintext ones) and the list of
tls.handshake.type of the plaintext handshake messages in them.  tshark
4.0 leaves tls.handshake.type out for encrypted handshake records (after
ChangeCipherSpec), as synfin does.  SSLv2 records are not compared (tshark
names them with other fields).  A capture listed in --known (path
relative to --root, or to the repository for a bundled one, then the
reason) may differ on the frames of its connections; every other
difference fails.  Prints the agreement.
"""
import json
import os
import subprocess
import sys


def tshark_frames(cap):
    cmd = ["tshark", "-n", "-r", cap, "-Y", "tls.record && tcp", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,", "-e", "frame.number", "-e", "tls.record.content_type", "-e", "tls.handshake.type",
           "-e", "tls.record.opaque_type"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        r = line.split("\t")
        if len(r) < 4:
            continue
        types = [int(x) for x in r[1].split(",") if x] + [int(x) for x in r[3].split(",") if x]
        hs = [int(x) for x in r[2].split(",") if x]
        if types:
            frames[int(r[0])] = (types, hs)
    return frames


def synfin_frames(synfin, cap):
    out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        if '"tls":{"handshake_phase"' not in line:
            continue
        rec = json.loads(line)
        if rec.get("type") != "packet":
            continue
        recs = [r for r in rec["tls"]["records"] if r["role"] != "sslv2_client_hello"]
        if not recs:
            continue
        types = [r["content_type"] for r in recs]
        hs = [h for r in recs for h in r.get("handshake_types", [])]
        frames[rec["frame"]] = (types, hs)
    return frames


def main(argv):
    known, root, args = {}, ".", []
    i = 1
    while i < len(argv):
        if argv[i] == "--known":
            for line in open(argv[i + 1]):
                if line.startswith("#") or not line.strip():
                    continue
                p = line.rstrip("\n").split("\t")
                known[p[0]] = p[1] if len(p) > 1 else ""
            i += 2
        elif argv[i] == "--root":
            root = argv[i + 1]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    synfin, caps = args[0], args[1:]
    total = agree = accepted = 0
    problems = []
    for cap in caps:
        rel = os.path.relpath(cap, root)
        if rel.startswith(".."):
            rel = os.path.relpath(cap)
        want, got = tshark_frames(cap), synfin_frames(synfin, cap)
        for f in sorted(set(want) | set(got)):
            total += 1
            if want.get(f) == got.get(f):
                agree += 1
            elif rel in known:
                accepted += 1
            else:
                problems.append("%s\tframe %d\ttshark=%s synfin=%s" % (rel, f, want.get(f), got.get(f)))
    print("diff_tls_records: %d/%d frames with TLS records agree (content types and handshake types), "
          "%d in listed captures, %d problems" % (agree, total, accepted, len(problems)))
    for p in problems[:40]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
