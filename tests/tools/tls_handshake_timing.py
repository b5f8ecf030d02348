#!/usr/bin/env python3
"""tls_handshake_timing.py - synfin's TLS handshake span, duration and round trips against tshark with the key log.

Usage: tls_handshake_timing.py SYNFIN CAPTURE...   (each CAPTURE with its key log beside it, X.keys)

synfin reads without keys; tshark decrypts with the key log, so it sees
every handshake message, TLS 1.3's encrypted ones too.  Per connection
(tcp.stream) from tshark: the start is the frame of the first ClientHello;
the end is the frame of the later Finished (TLS 1.2: the second side's,
after its ChangeCipherSpec; TLS 1.3: the client's); the round trips are
the runs of server handshake messages before the end (frame order).  synfin's
jsonl conn tls.tls_handshake must give the same start_frame and end_frame,
a duration equal to the frames' time difference (to the microsecond) and
the same round_trips.  Exit 1 on any difference.
"""
import json
import os
import subprocess
import sys


def tshark_hs(cap, keys):
    cmd = ["tshark", "-n", "-r", cap, "-o", "tls.keylog_file:" + keys, "-Y", "tls.handshake.type && tcp",
           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "tcp.stream", "-e", "frame.number",
           "-e", "frame.time_epoch", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tls.handshake.type"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    conns = {}
    for line in out.splitlines():
        s, fr, ts, sport, dport, types = line.split("\t")
        c = conns.setdefault(int(s), {"msgs": [], "client_port": None})
        ty = [int(x) for x in types.split(",") if x]
        if 1 in ty and c["client_port"] is None:
            c["client_port"] = sport
        c["msgs"].append((int(fr), float(ts), sport, ty))
    res = {}
    for s, c in conns.items():
        msgs = c["msgs"]
        start = next(((fr, ts) for fr, ts, _, ty in msgs if 1 in ty), None)
        fins = [(fr, ts) for fr, ts, _, ty in msgs if 20 in ty]
        if not start or len(fins) < 2:
            continue
        end = max(fins)
        runs, last = 0, None
        for fr, ts, sport, ty in msgs:
            if fr > end[0]:
                break
            d = "c" if sport == c["client_port"] else "s"
            if d == "s" and last != "s":
                runs += 1
            last = d
        res[s] = {"start_frame": start[0], "end_frame": end[0], "duration_us": round((end[1] - start[1]) * 1e6),
                  "round_trips": runs}
    return res


def synfin_hs(synfin, cap):
    out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        rec = json.loads(line)
        if rec.get("type") != "conn" or not rec.get("tls") or not rec["tls"].get("tls_handshake"):
            continue
        h = rec["tls"]["tls_handshake"]
        if not h.get("complete"):
            continue
        res[rec["conn"]] = {"start_frame": h["start_frame"], "end_frame": h["end_frame"],
                            "duration_us": round(h["duration"] * 1e6), "round_trips": h["round_trips"]}
    return res


def main(argv):
    synfin, caps = argv[1], argv[2:]
    n = agree = 0
    problems = []
    for cap in caps:
        keys = os.path.splitext(cap)[0] + ".keys"
        if not os.path.exists(keys):
            continue
        want, got = tshark_hs(cap, keys), synfin_hs(synfin, cap)
        for s in sorted(set(want) | set(got)):
            n += 1
            if want.get(s) == got.get(s):
                agree += 1
            else:
                problems.append("%s\tconn %d\ttshark=%s synfin=%s" % (cap, s, want.get(s), got.get(s)))
    print("tls_handshake_timing: %d/%d TLS handshakes agree with tshark (start, end, duration, round trips)"
          % (agree, n))
    for p in problems:
        print("  " + p)
    return 1 if problems or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
