# Every numeric option refuses NaN, infinities, negative numbers, leading blanks, trailing
# junk and values that overflow: a usage error (exit 2) in exactly one line on stderr, never a
# run with an undefined timeout or a wrapped-around count (issue 10, item 6).
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/numeric.XXXXXX")
cap=captures/http-keepalive-3get.pcap
bad=(nan NaN -nan inf -inf infinity -1 -0.5 " 5" "5 " 5x "" 0x10 1e400 -1e400
     99999999999999999999999 18446744073709551616 "+-1")
# option, then a value it must accept (so a rejection above is about the value, not the option)
opts=("-c 1" "--idle-timeout 0.5" "--close-linger 2" "--max-conns 10" "--follow 0"
      "--conn 0" "--reasm-max 4096" "--reasm-memcap 65536" "--syn-timeout 30" "--memcap 1000000")
for ov in "${opts[@]}"; do
    opt=${ov%% *} good=${ov#* }
    set +e
    fmt=(-F jsonl); [ "$opt" = --follow ] && fmt=()
    "$SYNFIN" "$opt" "$good" "${fmt[@]}" -r "$cap" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    set -e
    [ "$rc" = 0 ] || fail "$opt $good: exit $rc ($(head -1 "$TMP/err"))"
    for v in "${bad[@]}"; do
        set +e
        "$SYNFIN" "$opt" "$v" -r "$cap" >"$TMP/out" 2>"$TMP/err"
        rc=$?
        set -e
        [ "$rc" = 2 ] || fail "$opt '$v': exit $rc, want 2"
        [ "$(wc -l <"$TMP/err")" = 1 ] || fail "$opt '$v': stderr is not one line: $(cat "$TMP/err")"
        grep -q "^synfin: $opt" "$TMP/err" || fail "$opt '$v': message does not name $opt: $(cat "$TMP/err")"
        [ ! -s "$TMP/out" ] || fail "$opt '$v': output written despite the usage error"
    done
done
# -B and -s belong to -i; their value is still checked before anything is opened.
for opt in -B -s; do
    for v in "${bad[@]}"; do
        set +e
        "$SYNFIN" "$opt" "$v" -i lo >"$TMP/out" 2>"$TMP/err"
        rc=$?
        set -e
        [ "$rc" = 2 ] || fail "$opt '$v': exit $rc, want 2"
        [ "$(wc -l <"$TMP/err")" = 1 ] || fail "$opt '$v': stderr is not one line: $(cat "$TMP/err")"
        grep -q "^synfin: $opt" "$TMP/err" || fail "$opt '$v': message does not name $opt: $(cat "$TMP/err")"
    done
done
echo "numeric options: ok"
