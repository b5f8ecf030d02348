#!/usr/bin/env python3
"""community_id.py - synfin's community_id of every connection against tshark 4.0's
communityid post-dissector (the Corelight spec's reference plugin, enabled with
--enable-protocol communityid), with seed 0 and another seed.

Connections are matched by their unordered (address, port) pair, so a
numbering difference cannot hide or invent a mismatch.  Tunnelled
connections are left out: tshark hashes the outermost IP header it sees,
the connection is the inner flow.

usage: community_id.py SYNFIN [--seed N] CAPTURE...
Prints one line "community_id: N connections in M captures equal tshark's
(seed S)"; exits 1 on any difference or when nothing was compared.
"""
import json
import subprocess
import sys


def tshark_ids(cap, seed):
    out = subprocess.run(
        ["tshark", "-n", "-r", cap, "--enable-protocol", "communityid", "-o", "communityid.seed:%d" % seed,
         "-Y", "tcp && !icmp && !icmpv6", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
         "-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
         "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "communityid"],
        capture_output=True, text=True).stdout
    ids = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 7:
            continue
        src, dst = (f[0], f[1]) if f[0] else (f[2], f[3])
        # One IP layer and one TCP header only: nothing tunnelled or quoted.
        if "|" in src or "|" in dst or "|" in f[4] or (f[0] and f[2]) or not f[6] or "|" in f[6]:
            continue
        key = frozenset([(src, int(f[4])), (dst, int(f[5]))])
        ids.setdefault(key, set()).add(f[6])
    return ids


def main():
    args = sys.argv[1:]
    synfin = args.pop(0)
    seed = 0
    if args and args[0] == "--seed":
        seed = int(args[1])
        args = args[2:]
    compared = caps = 0
    bad = []
    for cap in args:
        theirs = tshark_ids(cap, seed)
        run = subprocess.run([synfin, "-F", "jsonl", "--community-id-seed", str(seed), "-r", cap],
                             capture_output=True, text=True)
        n = 0
        for line in run.stdout.splitlines():
            r = json.loads(line)
            if r["type"] != "conn" or "tunnel" in r:
                continue
            key = frozenset([(r["client"], r["client_port"]), (r["server"], r["server_port"])])
            if key not in theirs:
                continue
            n += 1
            if theirs[key] != {r["community_id"]}:
                bad.append("%s conn %d: synfin %s, tshark %s" % (cap, r["conn"], r["community_id"],
                                                                 ",".join(sorted(theirs[key]))))
        compared += n
        caps += n > 0
    for b in bad[:20]:
        print(b)
    if bad or compared == 0:
        print("community_id: %d differences in %d connections compared (seed %d)" % (len(bad), compared, seed))
        return 1
    print("community_id: %d connections in %d captures equal tshark's (seed %d)" % (compared, caps, seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
