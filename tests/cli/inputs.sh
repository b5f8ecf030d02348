# -r - reads standard input, -c stops, several -r merge by time like mergecap.
. "$(dirname "$0")/lib.sh"
cap=captures/http-get-segmented.pcap
# The same records but for the keys that name the input (capture_id, uid, file:
# "http-get-segmented" and the path, "stdin" and "-").
strip_input() { python3 -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    for k in ("capture_id", "uid", "file"):
        r.pop(k, None)
    print(json.dumps(r))'; }
"$SYNFIN" -F jsonl -r "$cap" >"$TMP/in-file.jsonl"
cat "$cap" | "$SYNFIN" -F jsonl -r - >"$TMP/in-stdin.jsonl"
[ "$(strip_input <"$TMP/in-file.jsonl")" = "$(strip_input <"$TMP/in-stdin.jsonl")" ] ||
    fail "stdin output differs from the file output"
grep -q '"type":"conn","conn":0,"uid":"stdin/0","capture_id":"stdin","file":"-"' "$TMP/in-stdin.jsonl" ||
    fail "standard input is not named stdin / -"
n=$("$SYNFIN" -F jsonl -c 5 -r "$cap" | grep -c '"type":"packet"')
[ "$n" -eq 5 ] || fail "-c 5 gave $n packets"
# Merge: frame order must equal mergecap's (chronological) order.
other=captures/http-keepalive-3get.pcap
mergecap -w "$TMP/merged.pcap" "$cap" "$other"
want=$(tshark -n -r "$TMP/merged.pcap" -T fields -e frame.time_epoch -e frame.len 2>/dev/null | awk '{printf "%.6f %s\n", $1, $2}')
got=$("$SYNFIN" -F jsonl -r "$cap" -r "$other" | python3 -c 'import json,sys
for l in sys.stdin:
    r=json.loads(l)
    if r["type"]=="packet": print("%.6f %d" % (float(r["ts"]), r["wirelen"]))')
[ "$want" = "$got" ] || fail "merged order differs from mergecap"
# Same output twice: deterministic.
[ "$("$SYNFIN" -r "$cap" -r "$other")" = "$("$SYNFIN" -r "$cap" -r "$other")" ] || fail "output not deterministic"
# Usage errors are one line and exit 2.
rc=0; "$SYNFIN" >/dev/null 2>"$TMP/e" || rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "no input: exit $rc, $(cat "$TMP/e")"
"$SYNFIN" -r /nonexistent.pcap >/dev/null 2>"$TMP/e" && fail "missing file accepted"
grep -q "nonexistent" "$TMP/e" || fail "missing-file message does not name it"
echo "stdin, -c, merge (= mergecap order), determinism and usage errors"
