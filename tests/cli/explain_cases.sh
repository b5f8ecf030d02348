# Explanations that must fit the case: Linux's zero-window probe (Wireshark: keep_alive) inside a
# zero-window episode is called a zero-window probe; a repeated SYN is a SYN sent again after the
# retransmission timeout, with its attempt number, not "bytes sent again".
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/explain_cases.XXXXXX")
cap=captures/tcp-zero-window.pcap
frames=$(tshark -r "$cap" -Y tcp.analysis.keep_alive -T fields -e frame.number 2>/dev/null)
[ -n "$frames" ] || fail "$cap: tshark flags no keep-alive"
"$SYNFIN" --color=never -r "$cap" >"$TMP/zw.text"
for f in $frames; do
    grep -Eq "^ +$f  .*zero-window probe: the server asks whether the client's window has opened" "$TMP/zw.text" \
        || fail "$cap frame $f: not explained as a zero-window probe"
done
grep -q "keep-alive: the server checks" "$TMP/zw.text" && fail "$cap: a probe still called keep-alive"
cap=captures/tcp-syn-dropped.pcap
n=0
for f in $(tshark -r "$cap" -Y 'tcp.analysis.retransmission && tcp.flags.syn == 1 && tcp.flags.ack == 0' \
           -T fields -e frame.number 2>/dev/null); do
    n=$((n + 1))
    "$SYNFIN" --color=never --conn 0 -r "$cap" | grep -A2 -E "^ +$f  " | grep -q "SYN sent again (attempt $((n + 1)), " \
        || fail "$cap frame $f: not explained as SYN attempt $((n + 1))"
done
[ "$n" -ge 1 ] || fail "$cap: tshark sees no SYN retransmission"
"$SYNFIN" --color=never -r "$cap" | grep -q 'sent these bytes again' && fail "$cap: a SYN called 'bytes sent again'"
echo "zero-window probes and SYN retries explained as what they are"
