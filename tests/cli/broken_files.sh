# Broken captures: a one-line error naming the offset, and everything before it analysed.
. "$(dirname "$0")/lib.sh"
cap=captures/http-get-segmented.pcap
size=$(stat -c %s "$cap")
head -c $((size - 100)) "$cap" >"$TMP/cut.pcap"
want=$( (tshark -n -r "$TMP/cut.pcap" 2>/dev/null || true) | wc -l)
out=$("$SYNFIN" -F jsonl -r "$TMP/cut.pcap" 2>"$TMP/e") && fail "truncated file: exit 0"
[ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "truncated file: error is not one line: $(cat "$TMP/e")"
grep -q "offset" "$TMP/e" || fail "truncated file: error does not name the offset: $(cat "$TMP/e")"
got=$(printf '%s\n' "$out" | summary_field frames)
[ "$got" -eq "$want" ] || fail "truncated file: $got frames analysed, tshark reads $want"
# Garbage bytes and an empty file.
head -c 4096 /dev/urandom >"$TMP/garbage.pcap"
"$SYNFIN" -r "$TMP/garbage.pcap" >/dev/null 2>"$TMP/e" && fail "garbage accepted"
[ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "garbage: not one line"
: >"$TMP/empty.pcap"
"$SYNFIN" -r "$TMP/empty.pcap" >/dev/null 2>"$TMP/e" && fail "empty file accepted"
[ "$(wc -l <"$TMP/e")" -eq 1 ] || fail "empty: not one line"
echo "cut file: $got frames analysed before a one-line error; garbage and empty files rejected in one line"
