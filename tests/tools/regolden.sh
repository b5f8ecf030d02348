#!/usr/bin/env bash
# regolden.sh - rewrites tests/golden/* from the current build.  Review the
# diff before committing: a golden file is an assertion.
set -euo pipefail
cd "$(dirname "$0")/../.."
for cap in captures/*.pcap captures/*.pcapng; do
    [ -f "$cap" ] || continue
    name=$(basename "$cap")
    name=${name%.*}
    for fmt in text jsonl summary; do
        build/synfin -F "$fmt" --color=never -r "$cap" >"tests/golden/$name.$fmt"
    done
done
git --no-pager diff --stat -- tests/golden || true
