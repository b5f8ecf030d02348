# The ladder diagram fits 80 columns, accounts for every packet, and says what it folds.
. "$(dirname "$0")/lib.sh"
n=0
for c in captures/*.pcap; do
    packets=$("$SYNFIN" -F jsonl -r "$c" | grep '"type":"packet"' | grep -c '"conn":' || true)
    for mode in "" "--ascii"; do
        out=$("$SYNFIN" -F ladder $mode -r "$c")
        wide=$(printf '%s\n' "$out" | python3 -c '
import sys, unicodedata
for line in sys.stdin:
    line = line.rstrip("\n")
    w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
    if w > 80: print(w, line)')
        [ -z "$wide" ] || fail "$c $mode: lines wider than 80 columns: $wide"
        if [ -n "$mode" ]; then
            printf '%s' "$out" | LC_ALL=C grep -q '[^[:print:][:space:]]' && fail "$c --ascii: non-ASCII output"
        fi
        # arrows shown + packets folded = TCP packets
        shown=$(printf '%s\n' "$out" | grep -cE '^ +[0-9]+ +[0-9.]+ [|│]' || true)
        folded=$(printf '%s\n' "$out" | sed -n 's/.*[:⋮] \([0-9]*\) more: .*/\1/p' | awk '{s+=$1} END {print s+0}')
        [ $((shown + folded)) -eq "$packets" ] || fail "$c $mode: $shown shown + $folded folded != $packets packets"
        # A fold line only where it saves lines (it hides 2 or more), with
        # nouns that agree with their numbers, and parts that add up.
        printf '%s\n' "$out" | python3 -c '
import re, sys
for line in sys.stdin:
    m = re.search(r"[:⋮] (\d+) more: (\d+) segments?, .*?, (\d+) ACKs? \(--full\)", line)
    if not m:
        continue
    more, segs, acks = map(int, m.groups())
    if more < 2: sys.exit("fold line hiding one packet: " + line)
    if segs + acks != more: sys.exit("fold parts do not add up: " + line)
    if re.search(r"\b1 (segments|bytes|ACKs)\b", line) or re.search(r"\b([02-9]|\d\d+) (segment|byte|ACK)\b", line):
        sys.exit("plural does not agree: " + line)' || fail "$c $mode: bad fold line"
        n=$((n + 1))
    done
    full=$("$SYNFIN" -F ladder --full -r "$c" | grep -cE '^ +[0-9]+ +[0-9.]+ [|│]' || true)
    [ "$full" -eq "$packets" ] || fail "$c --full: $full arrows for $packets packets"
done
out=$("$SYNFIN" -F ladder -r captures/http-get-segmented.pcap)
printf '%s' "$out" | grep -q 'GET /page.html' || fail "no HTTP request label"
printf '%s' "$out" | grep -q '200 OK' || fail "no HTTP response label"
printf '%s' "$out" | grep -q 'iRTT' || fail "no iRTT on the phase separator"
printf '%s' "$out" | grep -q '3-way close' || fail "no close kind"
echo "$n ladders within 80 columns, every packet shown or counted in a fold (folds hide 2 or more, plurals agree), --full shows all, HTTP labels and iRTT present"
