#!/usr/bin/env python3
"""Connection facts against tshark (two-pass) on the same captures.

For every tcp.stream: the packet count, the bytes on the wire and of TCP
payload, the handshake (SYN / SYN+ACK seen = tcp.completeness bits 1 and 2),
FIN and RST seen (bits 16 and 32), the iRTT (tcp.analysis.initial_rtt), the
frame that starts the close (tcp.connection.fin_active) and the one that
answers it (tcp.connection.fin_passive) must equal synfin's conn record.

A difference is accepted only when tests/conn-facts-known-differences.tsv
lists it (capture, conn, fact prefix, reason); listed entries that no longer
differ fail the test too, so the list stays true.

usage: conn_facts.py SYNFIN CAPTURE... [--root DIR] [--known FILE]
"""
import json
import os
import subprocess
import sys

FIELDS = ["frame.number", "tcp.stream", "frame.len", "tcp.len", "tcp.flags",
          "tcp.completeness", "tcp.analysis.initial_rtt", "tcp.connection.fin_active",
          "tcp.connection.fin_passive"]


def tshark_streams(path):
    cmd = ["tshark", "-2", "-n", "-r", path, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=f", "-Y", "tcp"] + sum([["-e", f] for f in FIELDS], [])
    res = subprocess.run(cmd, capture_output=True, text=True)
    streams = {}
    for line in res.stdout.splitlines():
        c = line.split("\t")
        if len(c) < len(FIELDS) or not c[1]:
            continue
        s = streams.setdefault(int(c[1]), {"packets": 0, "wire": 0, "payload": 0,
                                           "completeness": 0, "irtt": None,
                                           "fin_active": [], "fin_passive": []})
        s["packets"] += 1
        s["wire"] += int(c[2])
        s["payload"] += int(c[3] or 0)
        if c[5]:
            s["completeness"] = int(c[5])
        if c[6] and s["irtt"] is None:
            s["irtt"] = float(c[6])
        if c[7]:
            s["fin_active"].append(int(c[0]))
        if c[8]:
            s["fin_passive"].append(int(c[0]))
    return streams


def synfin_conns(synfin, path):
    res = subprocess.run([synfin, "-F", "jsonl", "-r", path], capture_output=True, text=True)
    conns = {}
    for line in res.stdout.splitlines():
        rec = json.loads(line)
        if rec.get("type") == "conn":
            conns[rec["conn"]] = rec
    return conns


def compare(t, s):
    d = []
    c2s, s2c = s["data"]["c2s"], s["data"]["s2c"]
    if t["packets"] != s["packets"]:
        d.append("packets tshark %d synfin %d" % (t["packets"], s["packets"]))
    if t["wire"] != c2s["wire_bytes"] + s2c["wire_bytes"]:
        d.append("wire bytes tshark %d synfin %d" % (t["wire"], c2s["wire_bytes"] + s2c["wire_bytes"]))
    if t["payload"] != c2s["bytes"] + s2c["bytes"]:
        d.append("payload bytes tshark %d synfin %d" % (t["payload"], c2s["bytes"] + s2c["bytes"]))
    bits = t["completeness"]
    hs, cl = s["handshake"], s["close"]
    checks = [
        ("SYN seen", bool(bits & 1), hs["syn_frame"] is not None),
        ("SYN+ACK seen", bool(bits & 2), hs["syn_ack_frame"] is not None),
        ("FIN seen", bool(bits & 16), cl["client_fin_frame"] is not None or cl["server_fin_frame"] is not None),
        ("RST seen", bool(bits & 32), cl["client_rst_frame"] is not None or cl["server_rst_frame"] is not None),
    ]
    for what, tv, sv in checks:
        if tv != sv:
            d.append("%s: tshark %s synfin %s" % (what, tv, sv))
    if t["irtt"] is not None or hs["irtt"] is not None:
        if t["irtt"] is None or hs["irtt"] is None or abs(t["irtt"] - hs["irtt"]) > 1e-9:
            d.append("iRTT tshark %s synfin %s" % (t["irtt"], hs["irtt"]))
    fins = sorted(f for f in (cl["client_fin_frame"], cl["server_fin_frame"]) if f is not None)
    if t["fin_active"][:1] != fins[:1]:
        d.append("first FIN (fin_active) tshark %s synfin %s" % (t["fin_active"][:1], fins[:1]))
    if t["fin_passive"][:1] != fins[1:2]:
        d.append("answering FIN (fin_passive) tshark %s synfin %s" % (t["fin_passive"][:1], fins[1:2]))
    return d


def main(argv):
    args = argv[1:]
    root = os.getcwd()
    if "--root" in args:
        i = args.index("--root")
        root = args[i + 1]
        del args[i:i + 2]
    report = None
    if "--report" in args:
        i = args.index("--report")
        report = args[i + 1]
        del args[i:i + 2]
    known = {}
    if "--known" in args:
        i = args.index("--known")
        with open(args[i + 1]) as fh:
            for line in fh:
                if line.strip() and not line.startswith("#"):
                    c = line.rstrip("\n").split("\t")
                    known[(c[0], c[1], c[2])] = c[3] if len(c) > 3 else ""
        del args[i:i + 2]
    used = set()
    synfin, caps = args[0], args[1:]
    total = same = 0
    listed = 0
    problems = []
    for cap in caps:
        name = os.path.relpath(os.path.abspath(cap), os.path.abspath(root))
        if name.startswith(".."):
            name = cap
        ts = tshark_streams(cap)
        sf = synfin_conns(synfin, cap)
        for sid in sorted(set(ts) | set(sf)):
            total += 1
            if sid not in sf:
                d = ["no synfin record"]
            elif sid not in ts:
                d = ["not a tshark stream"]
            else:
                d = compare(ts[sid], sf[sid])
            rest = []
            for item in d:
                hit = [k for k in known if k[0] == name and k[1] == str(sid) and item.startswith(k[2])]
                if hit:
                    used.update(hit)
                else:
                    rest.append(item)
            if d and not rest:
                listed += 1
            elif not d:
                same += 1
            if rest:
                problems.append("%s conn %d: %s" % (name, sid, "; ".join(rest)))
    stale = sorted(set(known) - used)
    print("connection facts vs tshark -2: %d connections in %d captures, %d identical, %d listed differences, %d unexpected, %d stale list entries" % (
        total, len(caps), same, listed, len(problems), len(stale)))
    for k in stale:
        problems.append("STALE known difference no longer seen: %s" % "\t".join(k))
    for p in problems[:60]:
        print("  " + p)
    if report:
        with open(report, "w") as fh:
            for p in problems:
                fh.write(p + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
