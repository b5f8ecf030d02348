# tcpdump and tshark habits: -n/-nn accepted, -V alone, -D as tcpdump -D, conflicting options are
# usage errors, one program name in every message, no doubled path, missing connections reported,
# --help within 80 columns.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/habits.XXXXXX")
cap=captures/http-keepalive-3get.pcap
expect() {  # expect RC STDERR-REGEX command...
    local want=$1 re=$2 rc
    shift 2
    set +e
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "$*: exit $rc, want $want ($(head -2 "$TMP/err"))"
    if [ -n "$re" ]; then
        grep -Eq "$re" "$TMP/err" || fail "$*: stderr '$(cat "$TMP/err")' does not match /$re/"
    fi
    # Every message line names the program once.
    if [ -s "$TMP/err" ] && grep -v '^synfin: ' "$TMP/err" | grep -Eqv '^  |^Try '; then
        fail "$*: a message without 'synfin: ': $(cat "$TMP/err")"
    fi
    ! grep -q 'synfin: synfin' "$TMP/err" || fail "$*: doubled program name"
}
"$SYNFIN" -F jsonl -r "$cap" >"$TMP/plain"
"$SYNFIN" -n -F jsonl -r "$cap" >"$TMP/n"
"$SYNFIN" -nn -F jsonl -r "$cap" >"$TMP/nn"
cmp -s "$TMP/plain" "$TMP/n" && cmp -s "$TMP/plain" "$TMP/nn" || fail "-n/-nn change the output"
expect 0 "" "$SYNFIN" -V
grep -Eq '^synfin [0-9]+\.[0-9]+' "$TMP/out" || fail "-V: $(cat "$TMP/out")"
expect 2 "^synfin: -V prints the version" "$SYNFIN" -V -r "$cap"
expect 2 "not the option '-r'" "$SYNFIN" -F -r "$cap"
expect 2 "does not take -F" "$SYNFIN" --follow 0 -F summary -r "$cap"
expect 2 "does not take -Y" "$SYNFIN" --follow 0 -Y packet.len -r "$cap"
expect 2 "^synfin: -Z, -B and -s go with -i" "$SYNFIN" -s 96 -r "$cap"
expect 1 "^synfin: --conn 999: no such connection" "$SYNFIN" --conn 999 -r "$cap"
expect 1 "^synfin: --follow 5: no such connection" "$SYNFIN" --follow 5 -r "$cap"
expect 1 "^synfin: $TMP/nope.pcap: No such file or directory$" "$SYNFIN" -r "$TMP/nope.pcap"
expect 1 "^synfin: README.md: not a pcap" "$SYNFIN" -r README.md
expect 2 "^synfin: unknown format" "$SYNFIN" -F xml -r "$cap"
expect 2 "^synfin: option requires an argument -- 'r'" "$SYNFIN" -r
# -D lists what tcpdump -D lists.
if command -v tcpdump >/dev/null; then
    want=$(tcpdump -D 2>/dev/null | sed 's/^[0-9]*\.\([^ ]*\).*/\1/' | sort)
    got=$("$SYNFIN" -D | sed 's/^[0-9]*\.\([^ ]*\).*/\1/' | sort)
    [ -n "$got" ] && [ "$want" = "$got" ] || fail "-D: [$got], tcpdump -D: [$want]"
fi
expect 2 "^synfin: -D lists" "$SYNFIN" -D -r "$cap"
# --help fits 80 columns.
"$SYNFIN" --help | awk 'length > 80 { print; bad = 1 } END { exit bad }' >"$TMP/wide" || fail "--help wider than 80 columns: $(head -2 "$TMP/wide")"
