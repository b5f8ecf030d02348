# -r IN -w OUT [BPF] [--conn N] [-Y EXPR]: the selected frames saved, as tcpdump -r IN -w OUT BPF does.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/write_selected.XXXXXX")
records() {  # every record of a pcap (either timestamp precision): "ts_ns caplen wirelen hex"
    python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
magic = struct.unpack("<I", d[:4])[0]
order = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
m = struct.unpack(order + "I", d[:4])[0]
scale = 1 if m == 0xa1b23c4d else 1000
print("linktype", struct.unpack(order + "I", d[20:24])[0])
off = 24
while off + 16 <= len(d):
    s, frac, cl, wl = struct.unpack(order + "IIII", d[off:off + 16])
    print(s * 1000000000 + frac * scale, cl, wl, d[off + 16:off + 16 + cl].hex())
    off += 16 + cl
PY
}
cap=captures/http-keepalive-3get.pcap
cap2=$(corpus_or_bundled zeek/bro.org.pcap captures/http-pipelining.pcap)
for c in "$cap" "$cap2"; do
    for bpf in "" "tcp port 80" "tcp[tcpflags] & tcp-syn != 0" "src host 192.0.2.1"; do
        rm -f "$TMP/ours.pcap" "$TMP/theirs.pcap"
        "$SYNFIN" -r "$c" -w "$TMP/ours.pcap" $bpf >"$TMP/stdout" 2>"$TMP/stderr" || fail "-w '$bpf' failed: $(cat "$TMP/stderr")"
        [ ! -s "$TMP/stdout" ] || fail "-w without -F wrote to standard output"
        grep -q '^synfin: saved [0-9]* of [0-9]* frames to ' "$TMP/stderr" || fail "no saved line: $(cat "$TMP/stderr")"
        tcpdump -r "$c" -w "$TMP/theirs.pcap" $bpf 2>/dev/null || fail "tcpdump -w '$bpf' failed"
        [ "$(records "$TMP/ours.pcap")" = "$(records "$TMP/theirs.pcap")" ] \
            || fail "$c '$bpf': saved frames differ from tcpdump -w"
    done
done
# --conn and -Y: the frames saved are the frames shown.
shown() { python3 -c 'import json,sys
print("\n".join(str(r["frame"]) for r in map(json.loads, sys.stdin) if r["type"]=="packet"))'; }
for sel in "--conn 1" "-Y packet.len>0" "-Y conn.close.by==server" "--conn 0 -Y packet.flags==FIN"; do
    # shellcheck disable=SC2086
    "$SYNFIN" -r "$cap2" -w "$TMP/sel.pcap" $sel 2>/dev/null || fail "-w $sel failed"
    # shellcheck disable=SC2086
    want=$("$SYNFIN" -F jsonl -r "$cap2" $sel | shown | wc -l)
    got=$(($(records "$TMP/sel.pcap" | wc -l) - 1))
    [ "$want" -gt 0 ] && [ "$want" = "$got" ] || fail "-w $sel: $got frames saved, $want shown"
done
# With -F the analysis is written too; the file still holds the frames.
"$SYNFIN" -F summary -r "$cap" -w "$TMP/both.pcap" >"$TMP/stdout" 2>/dev/null || fail "-F summary -w failed"
grep -q 'three_way\|four_way' "$TMP/stdout" || fail "-F summary -w: no summary"
[ "$(($(records "$TMP/both.pcap" | wc -l) - 1))" = "$(tshark -r "$cap" 2>/dev/null | wc -l)" ] || fail "-F summary -w: not every frame saved"
# Nothing selected: a valid, empty capture.
"$SYNFIN" -r "$cap" -w "$TMP/none.pcap" -Y 'packet.len > 100000' 2>/dev/null || fail "-w with nothing selected failed"
[ "$(records "$TMP/none.pcap")" = "linktype 1" ] || fail "empty -w file: $(records "$TMP/none.pcap" | head -2)"
