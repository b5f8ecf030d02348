# pcapng packet blocks naming an interface with no description block (an EPB with id 5 where
# only interface 0 exists, an SPB before any IDB) are frames of the file: counted in "frames
# read", skipped with reason no-interface, and the reader's warnings shown in the summary.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/orphans.XXXXXX")
python3 - "$TMP/o.pcapng" <<'PY'
import struct, sys
def blk(t, body):
    body += b'\0' * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack('<II', t, n) + body + struct.pack('<I', n)
# An IPv4 TCP SYN 192.0.2.1:1000 -> 192.0.2.2:80 on Ethernet.
ip = bytes.fromhex('45000028000140004006') + b'\0\0' + bytes([192,0,2,1,192,0,2,2])
tcp = struct.pack('>HHIIBBHHH', 1000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)
eth = b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip + tcp
def epb(iface, ts, data):
    return blk(6, struct.pack('<IIIII', iface, ts >> 32, ts & 0xffffffff, len(data), len(data)) + data)
out = blk(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))
out += blk(3, struct.pack('<I', len(eth)) + eth)          # SPB, no IDB yet
out += blk(1, struct.pack('<HHI', 1, 0, 0))               # IDB 0: Ethernet
out += epb(0, 1000000, eth)
out += epb(5, 2000000, eth)                               # no interface 5
out += epb(0, 3000000, eth)
open(sys.argv[1], 'wb').write(out)
PY
"$SYNFIN" -F summary -r "$TMP/o.pcapng" >"$TMP/sum" 2>"$TMP/err" || fail "summary: exit $? ($(cat "$TMP/err"))"
grep -q '^frames: *4 read = 2 TCP analysed + 2 skipped + 0 filtered out' "$TMP/sum" || fail "frames: $(grep frames "$TMP/sum")"
grep -q '^skipped: *no-interface 2$' "$TMP/sum" || fail "skipped: $(grep skipped "$TMP/sum")"
grep -q '^warnings: *2 from the capture reader' "$TMP/sum" || fail "no warnings line: $(cat "$TMP/sum")"
"$SYNFIN" -F jsonl -r "$TMP/o.pcapng" >"$TMP/j"
[ "$(summary_field frames <"$TMP/j")" = 4 ] || fail "jsonl frames"
[ "$(summary_field reader_warnings <"$TMP/j")" = 2 ] || fail "jsonl reader_warnings"
python3 -c 'import json,sys
recs=[json.loads(l) for l in open(sys.argv[1])]
s=[r for r in recs if r["type"]=="summary"][-1]
assert s["skip_reasons"]=={"no-interface":2}, s["skip_reasons"]
p=[r for r in recs if r["type"]=="packet" and r.get("skip")=="no-interface"]
assert [r["frame"] for r in p]==[1,3], p' "$TMP/j" || fail "jsonl skip records"
# A BPF filter neither matches nor drops them: they stay skipped (no-interface).
"$SYNFIN" -F summary -r "$TMP/o.pcapng" 'tcp port 80' >"$TMP/bpf"
grep -q '2 TCP analysed + 2 skipped + 0 filtered out' "$TMP/bpf" || fail "bpf: $(grep frames "$TMP/bpf")"
# -w keeps the frames it can write (one link type); the orphans have none.
"$SYNFIN" -r "$TMP/o.pcapng" -w "$TMP/w.pcap" 2>"$TMP/werr"
[ "$("$SYNFIN" -F jsonl -r "$TMP/w.pcap" | summary_field frames)" = 2 ] || fail "-w wrote $(cat "$TMP/werr")"
echo "pcapng orphans: ok"
