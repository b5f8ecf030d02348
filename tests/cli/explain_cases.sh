# Explanations that must fit the case: Linux's zero-window probe (Wireshark: keep_alive) inside a
# zero-window episode is called a zero-window probe; a repeated SYN is a SYN sent again after the
# retransmission timeout, with its attempt number, not "bytes sent again".
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/explain_cases.XXXXXX")
cap=captures/tcp-zero-window.pcap
frames=$(tshark -r "$cap" -Y tcp.analysis.keep_alive -T fields -e frame.number 2>/dev/null)
[ -n "$frames" ] || fail "$cap: tshark flags no keep-alive"
"$SYNFIN" --color=never -r "$cap" >"$TMP/zw.text"
# A flag is explained at its first packet in the connection, later ones are marked (and
# listed under the connection); --no-notes marks every one.
first=1
for f in $frames; do
    if [ $first = 1 ]; then
        grep -A1 -E "^ +$f  " "$TMP/zw.text" | grep -q "zero-window probe: the server asks whether the client's window has opened" \
            || fail "$cap frame $f: not explained as a zero-window probe"
        first=0
    else
        grep -Eq "^ +$f  .* !keep_alive$" "$TMP/zw.text" || fail "$cap frame $f: not marked !keep_alive"
    fi
done
grep -q "^    [ a-z:]*keep_alive ×$(printf '%s\n' $frames | wc -l): frames $(printf '%s\n' $frames | head -n 8 | paste -sd, | sed 's/,/, /g')" "$TMP/zw.text" \
    || fail "$cap: the keep-alive frames are not listed under the connection"
"$SYNFIN" --color=never --no-notes -r "$cap" >"$TMP/zw-nonotes.text"
grep -q '^ *! ' "$TMP/zw-nonotes.text" && fail "$cap --no-notes: a flag is still explained"
for f in $frames; do
    grep -Eq "^ +$f  .* !keep_alive$" "$TMP/zw-nonotes.text" || fail "$cap --no-notes frame $f: not marked"
done
grep -q "keep-alive: the server checks" "$TMP/zw.text" && fail "$cap: a probe still called keep-alive"
cap=captures/tcp-syn-dropped.pcap
n=0
for f in $(tshark -r "$cap" -Y 'tcp.analysis.retransmission && tcp.flags.syn == 1 && tcp.flags.ack == 0' \
           -T fields -e frame.number 2>/dev/null); do
    n=$((n + 1))
    if [ $n = 1 ]; then
        "$SYNFIN" --color=never --conn 0 -r "$cap" | grep -A2 -E "^ +$f  " | grep -q "SYN sent again (attempt $((n + 1)), " \
            || fail "$cap frame $f: not explained as SYN attempt $((n + 1))"
    else
        "$SYNFIN" --color=never --conn 0 -r "$cap" >"$TMP/syn.text"
        grep -Eq "^ +$f  .*!retransmission$" "$TMP/syn.text" \
            || fail "$cap frame $f: a repeated SYN not marked !retransmission"
    fi
done
[ "$n" -ge 1 ] || fail "$cap: tshark sees no SYN retransmission"
"$SYNFIN" --color=never -r "$cap" | grep -q 'sent these bytes again' && fail "$cap: a SYN called 'bytes sent again'"
echo "zero-window probes and SYN retries explained as what they are, once per connection, repeats marked and listed; --no-notes marks only"
