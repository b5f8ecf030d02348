#!/usr/bin/env python3
"""Turns a differential's --report (or diff_http --verbose output) into rows of
a tests/*-known-differences.tsv file, each with the reason of its class.

A developer's tool, never run by the suite: the rows it writes are reviewed
and committed like any assertion.  RULES is a TSV of `regex<TAB>reason`; the
first regex that matches a report line gives that line's reason; lines that no
rule matches are printed to stderr and not listed (find out why first).

usage: known_from_report.py frames|analysis|facts|http REPORT RULES >> KNOWN.tsv
"""
import re
import sys


def keys(kind, line):
    """The (capture, id, field) keys a report line stands for."""
    if kind == "frames":
        m = re.match(r"^(\S+) frame (\d+) (\w+): ", line)
        if m:
            return [(m.group(1), m.group(2), m.group(3))]
        m = re.match(r"^(\S+) frame (\d+): synfin saw TCP where tshark did not", line)
        return [(m.group(1), m.group(2), "extra")] if m else []
    if kind == "analysis":
        m = re.match(r"^(\S+) frame (\d+): (.*)$", line)
        if not m:
            return []
        return [(m.group(1), m.group(2), item.split(":")[0].strip()) for item in m.group(3).split("; ")]
    if kind == "facts":
        m = re.match(r"^(\S+) conn (\d+): (.*)$", line)
        if not m:
            return []
        out = []
        for item in m.group(3).split("; "):
            field = re.split(r" tshark |:", item)[0].strip()
            out.append((m.group(1), m.group(2), field))
        return out
    if kind == "http":
        m = re.match(r"^(\S+) conn (\S+) (requests|statuses|zeek|suricata): ", line)
        return [(m.group(1), m.group(2), m.group(3))] if m else []
    raise SystemExit("unknown kind " + kind)


def main(argv):
    kind, report, rules_path = argv[1:4]
    rules = []
    for line in open(rules_path):
        if line.strip() and not line.startswith("#"):
            rx, reason = line.rstrip("\n").split("\t", 1)
            rules.append((re.compile(rx), reason))
    seen = set()
    unmatched = 0
    for line in open(report):
        line = line.rstrip("\n")
        ks = keys(kind, line)
        if not ks:
            continue
        reason = next((r for rx, r in rules if rx.search(line)), None)
        if reason is None:
            unmatched += 1
            print("no rule: " + line, file=sys.stderr)
            continue
        for k in ks:
            if k not in seen:
                seen.add(k)
                print("\t".join(k + (reason,)))
    if unmatched:
        print("%d report lines matched no rule" % unmatched, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
