#!/usr/bin/env python3
"""Checks the README's examples against the bundled captures.

An example is an indented block whose first line is "    $ synfin ARGS"; the
lines after it, up to the next blank line or "$ " line, are the output that
ARGS must produce with the build under test (colour off, run from the
repository root).  A line "    ..." stands for any number of output lines
(the README shortens long outputs); every other line must appear, in order,
exactly.  usage: readme_examples.py SYNFIN [README]
"""
import shlex
import subprocess
import sys


def examples(text):
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("    $ synfin "):
            cmd = line[len("    $ "):]
            out = []
            i += 1
            while i < len(lines) and lines[i].startswith("    ") and not lines[i].startswith("    $ "):
                out.append(lines[i][4:])
                i += 1
            yield cmd, out
            continue
        i += 1


def matches(want, got):
    """want may hold '...' lines (any number of lines); returns the first line that fails."""
    gi = 0
    skip = False
    for w in want:
        if w.strip() == "...":
            skip = True
            continue
        if skip:
            while gi < len(got) and got[gi] != w:
                gi += 1
            if gi == len(got):
                return w
            gi += 1
            skip = False
        else:
            if gi >= len(got) or got[gi] != w:
                return w
            gi += 1
    if not skip and gi != len(got):
        return "(output goes on: %r)" % got[gi]
    return None


def main(argv):
    synfin = argv[1]
    readme = argv[2] if len(argv) > 2 else "README.md"
    n = bad = 0
    for cmd, want in examples(open(readme, encoding="utf-8").read()):
        n += 1
        args = shlex.split(cmd)[1:]
        res = subprocess.run([synfin, "--color=never"] + args, capture_output=True, text=True)
        got = res.stdout.rstrip("\n").split("\n")
        miss = matches(want, got)
        if miss is not None:
            bad += 1
            print("README example '%s': this line differs or is missing: %r" % (cmd, miss))
    print("%d README examples, %d produced exactly by the build" % (n, n - bad))
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
