# A trailing BPF expression keeps exactly the frames tcpdump keeps with it.
. "$(dirname "$0")/lib.sh"
n=0
for cap in "$(corpus_or_bundled zeek/wikipedia.pcap captures/http-get-segmented.pcap)" \
           "$(corpus_or_bundled suricata-verify/http-ipv6.pcap captures/http-ipv6.pcap)" \
           "$(corpus_or_bundled suricata-verify/http-gap-simple.pcap captures/http-refused.pcap)"; do
    for expr in "tcp port 80" "udp" "ip6" "tcp[tcpflags] & tcp-syn != 0"; do
        want=$(tcpdump -n -r "$cap" "$expr" 2>/dev/null | wc -l)
        out=$("$SYNFIN" -F jsonl -r "$cap" $expr)
        frames=$(printf '%s\n' "$out" | summary_field frames)
        filtered=$(printf '%s\n' "$out" | summary_field filtered)
        got=$((frames - filtered))
        [ "$got" -eq "$want" ] || fail "$cap '$expr': synfin kept $got frames, tcpdump $want"
        # Every frame kept is printed as a packet record.
        recs=$(printf '%s\n' "$out" | grep -c '"type":"packet"' || true)
        [ "$recs" -eq "$want" ] || fail "$cap '$expr': $recs packet records for $want frames"
        n=$((n + 1))
    done
done
# libpcap (so tcpdump) cannot read a pcapng mixing link types: tshark's
# equivalent display filter is the oracle there, the BPF is compiled per link type.
mixed="$CORPUS/pcapplusplus/many_interfaces-1.pcapng"
if [ -f "$mixed" ]; then
    want=$(tshark -n -r "$mixed" -Y 'tcp.port == 443' 2>/dev/null | wc -l)
    got=$("$SYNFIN" -F jsonl -r "$mixed" tcp port 443 | grep -c '"type":"packet"' || true)
    [ "$got" -eq "$want" ] || fail "mixed link types: synfin kept $got frames, tshark $want"
    n=$((n + 1))
fi
"$SYNFIN" -r captures/http-get-segmented.pcap 'tcp port nonsense(' >/dev/null 2>"$TMP/e" && fail "bad filter accepted"
grep -q "bad filter" "$TMP/e" || fail "bad filter message missing: $(cat "$TMP/e")"
echo "$n filter/capture pairs agree with tcpdump; a bad filter is one clear error"
