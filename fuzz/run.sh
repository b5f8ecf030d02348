#!/usr/bin/env bash
# run.sh - runs each built libFuzzer harness for a while on its committed corpus.
#   fuzz/run.sh BUILD_DIR SECONDS      (make fuzz; FUZZ_SECONDS sets the time)
# New inputs go to a scratch copy, so the committed corpus stays small; a
# crash leaves its reproducer in fuzz/ (crash-*), to be committed as a test.
set -euo pipefail
dir=$1
secs=${2:-20}
cd "$(dirname "$0")/.."
for bin in "$dir"/fuzz_*; do
    name=$(basename "$bin")
    target=${name#fuzz_}
    seeds=fuzz/corpus/$target
    work=$(mktemp -d)
    [ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
    # Captures the project made itself are good seeds for the whole pipeline.
    if [ "$target" = pipeline ] || [ "$target" = reader ]; then cp captures/*.pcap "$work"/ 2>/dev/null || true; fi
    echo "  RUN   $name for ${secs}s"
    if ! "$bin" -max_total_time="$secs" -max_len=65536 -artifact_prefix=fuzz/ "$work" >"$work.log" 2>&1; then
        tail -30 "$work.log"
        echo "fuzz: $name found a problem (reproducer in fuzz/)" >&2
        rm -rf "$work" "$work.log"
        exit 1
    fi
    grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units' "$work.log" | tail -1 || true
    rm -rf "$work" "$work.log"
done
