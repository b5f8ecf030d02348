#!/usr/bin/env python3
"""diff_tls.py - per TCP connection, the TLS facts synfin reads without keys against tshark's.

Usage: diff_tls.py SYNFIN CAPTURE... [--known TSV] [--root DIR] [--report FILE]

Per tcp.stream with a ClientHello or ServerHello in tshark or synfin:
SNI (tls.handshake.extensions_server_name of the ClientHello), offered ALPN
(tls.handshake.extensions_alpn_str of the ClientHello, joined with ','),
chosen version (the ServerHello's supported_versions, else its
tls.handshake.version), chosen suite (tls.handshake.ciphersuite) and chosen
ALPN, of the last ServerHello (after a HelloRetryRequest, the real one);
the fingerprints tls.handshake.ja3 and ja3_full of the first ClientHello,
ja3s and ja3s_full of the last ServerHello.
A difference listed in --known (capture path relative to --root, or to the
repository for a bundled one, conn,
field, reason) is accepted.  Exit 1 on any other difference.
"""
import json
import os
import subprocess
import sys


def tshark_rows(cap, filt, fields, aggregator=","):
    cmd = ["tshark", "-n", "-r", cap, "-Y", filt, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + aggregator]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        yield line.split("\t")


def tshark_facts(cap):
    facts = {}
    for r in tshark_rows(cap, "tls.handshake.type==1 && tcp",
                         ["tcp.stream", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str"]):
        s = int(r[0])
        if s in facts:
            continue   # the second ClientHello after a HelloRetryRequest repeats the first's
        facts[s] = {"sni": r[1].split(",")[0] or None, "alpn_offered": r[2]}
    for r in tshark_rows(cap, "tls.handshake.type==2 && tcp",
                         ["tcp.stream", "tls.handshake.version", "tls.handshake.extensions.supported_version",
                          "tls.handshake.ciphersuite", "tls.handshake.extensions_alpn_str"]):
        s = int(r[0])
        f = facts.setdefault(s, {"sni": None, "alpn_offered": ""})
        f["version"] = (r[2] or r[1]).split(",")[-1]
        f["cipher_suite"] = r[3].split(",")[-1]
        f["alpn"] = r[4]
    # The JA3 strings hold commas: another aggregator, and a query of their own.
    for r in tshark_rows(cap, "(tls.handshake.type==1 || tls.handshake.type==2) && tcp",
                         ["tcp.stream", "tls.handshake.ja3", "tls.handshake.ja3_full",
                          "tls.handshake.ja3s", "tls.handshake.ja3s_full"], aggregator="|"):
        s = int(r[0])
        f = facts.get(s)
        if f is None:
            continue
        if r[1] and "ja3" not in f:
            f["ja3"], f["ja3_full"] = r[1].split("|")[0], r[2].split("|")[0]
        if r[3]:
            f["ja3s"], f["ja3s_full"] = r[3].split("|")[-1], r[4].split("|")[-1]
    return facts


def synfin_facts(synfin, cap):
    out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True).stdout
    facts = {}
    for line in out.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("type") != "conn" or "tls" not in rec:
            continue
        t = rec["tls"]
        if not t["client_hello"] and not t["server_hello"]:
            continue
        f = {"sni": t["sni"], "alpn_offered": t["alpn_offered"]}
        for k in ("ja3", "ja3_full", "ja3s", "ja3s_full"):
            if t.get(k):
                f[k] = t[k]
        if t["server_hello"]:
            f["version"] = t["version"]
            f["cipher_suite"] = t["cipher_suite"]
            f["alpn"] = t["alpn"]
        facts[rec["conn"]] = f
    return facts


def main(argv):
    known, root, report, args = {}, ".", None, []
    i = 1
    while i < len(argv):
        if argv[i] in ("--known", "--root", "--report"):
            if argv[i] == "--known":
                for line in open(argv[i + 1]):
                    if line.startswith("#") or not line.strip():
                        continue
                    p = line.rstrip("\n").split("\t")
                    known[(p[0], int(p[1]), p[2])] = p[3] if len(p) > 3 else ""
            elif argv[i] == "--root":
                root = argv[i + 1]
            else:
                report = argv[i + 1]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    synfin, caps = args[0], args[1:]
    conns = agree = accepted = 0
    fp_pairs = fp_equal = 0   # connections where both sides have a JA3 or JA3S, and where those agree
    problems = []
    for cap in caps:
        rel = os.path.relpath(cap, root)
        if rel.startswith(".."):
            rel = os.path.relpath(cap)   # a bundled capture: named from the repository
        want, got = tshark_facts(cap), synfin_facts(synfin, cap)
        for s in sorted(set(want) | set(got)):
            conns += 1
            w, g = want.get(s), got.get(s)
            bad = []
            if w is None or g is None:
                bad.append(("tls", "tshark" if w else "synfin", "only"))
            else:
                for k in ("sni", "alpn_offered", "version", "cipher_suite", "alpn",
                          "ja3", "ja3_full", "ja3s", "ja3s_full"):
                    if w.get(k) != g.get(k):
                        bad.append((k, w.get(k), g.get(k)))
            if w is not None and g is not None:
                keys = [k for k in ("ja3", "ja3s") if k in w or k in g]
                if keys:
                    fp_pairs += 1
                    fp_equal += all(w.get(k) == g.get(k) and w.get(k + "_full") == g.get(k + "_full") for k in keys)
            if not bad:
                agree += 1
                continue
            if all((rel, s, b[0]) in known for b in bad):
                accepted += 1
                continue
            for b in bad:
                if (rel, s, b[0]) not in known:
                    problems.append("%s\t%d\t%s\ttshark=%s synfin=%s" % (rel, s, b[0], b[1], b[2]))
    print("diff_tls: %d/%d connections agree, %d with listed differences, %d problems; JA3/JA3S equal on %d/%d"
          % (agree, conns, accepted, len(problems), fp_equal, fp_pairs))
    if report:
        with open(report, "w") as f:
            f.write("\n".join(problems) + ("\n" if problems else ""))
    for p in problems[:40]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
