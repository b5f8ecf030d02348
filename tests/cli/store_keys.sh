# The store keys of conn, http and packet records (docs/jsonl.md): uid,
# capture_id, file, community_id, ts_ns, end_ns; --capture-id,
# --community-id-seed and --packet-keys.  Oracles: tshark's frame times and
# communityid, Zeek's community-id baseline, the spec's published example.
. "$(dirname "$0")/lib.sh"
a=captures/http-keepalive-3get.pcap
b=captures/http-gzip.pcap

# Default capture id: the file names without directory and extension; uid = id/conn.
"$SYNFIN" -F jsonl -r "$a" >"$TMP/sk1.jsonl"
python3 - "$TMP/sk1.jsonl" <<'EOF' || fail "default capture_id / uid"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
conns = {r["conn"]: r for r in recs if r["type"] == "conn"}
http = [r for r in recs if r["type"] == "http"]
assert conns and http, "no conn or http records"
for r in list(conns.values()) + http:
    assert r["capture_id"] == "http-keepalive-3get", r["capture_id"]
    assert r["uid"] == "http-keepalive-3get/%d" % r["conn"], r["uid"]
    assert r["file"] == "captures/http-keepalive-3get.pcap", r["file"]
for h in http:   # a transaction names its connection's uid and flow hash
    assert h["uid"] == conns[h["conn"]]["uid"] and h["community_id"] == conns[h["conn"]]["community_id"]
EOF

# ts_ns and end_ns are tshark's frame.time_epoch of the first and last frame.
tshark -n -r "$a" -T fields -e frame.number -e frame.time_epoch >"$TMP/sk.times" 2>/dev/null
python3 - "$TMP/sk1.jsonl" "$TMP/sk.times" <<'EOF' || fail "ts_ns/end_ns differ from tshark's frame times"
import json, sys
from decimal import Decimal
t = {}
for l in open(sys.argv[2]):
    n, e = l.split()
    t[int(n)] = int(Decimal(e) * 1000000000)
recs = [json.loads(l) for l in open(sys.argv[1])]
n = 0
for r in recs:
    if r["type"] == "conn":
        assert r["ts_ns"] == t[r["first_frame"]] and r["end_ns"] == t[r["last_frame"]], r["conn"]
        n += 1
    if r["type"] == "http":
        assert r["ts_ns"] == t[r["request"]["first_frame"]], r
        assert r["end_ns"] == t[r["response"]["last_frame"]], r
        n += 1
assert n >= 4, n
EOF

# Two inputs: the id joins both names; file = the -r a connection started in
# (each connection of a file run alone must say that file in the merged run).
"$SYNFIN" -F jsonl -r "$a" -r "$b" >"$TMP/sk2.jsonl"
"$SYNFIN" -F jsonl -r "$b" >"$TMP/sk3.jsonl"
python3 - "$TMP/sk1.jsonl" "$TMP/sk3.jsonl" "$TMP/sk2.jsonl" "$a" "$b" <<'EOF' || fail "file / two-input capture_id"
import json, sys
def conns(p):
    return [json.loads(l) for l in open(p) if '"type":"conn"' in l]
want = {}
for path, f in ((sys.argv[1], sys.argv[4]), (sys.argv[2], sys.argv[5])):
    for r in conns(path):
        want[(r["client"], r["client_port"], r["ts_ns"])] = f
merged = conns(sys.argv[3])
assert len(merged) == len(want), (len(merged), len(want))
for r in merged:
    assert r["capture_id"] == "http-keepalive-3get+http-gzip", r["capture_id"]
    assert r["file"] == want[(r["client"], r["client_port"], r["ts_ns"])], r
assert len({r["file"] for r in merged}) == 2
EOF

# --capture-id; a bad one is refused (exit 2), as is a seed out of range.
"$SYNFIN" -F jsonl --capture-id sensor1.2026-12-02 -r "$a" >"$TMP/sk5.jsonl"
grep -q '"type":"conn","conn":0,"uid":"sensor1.2026-12-02/0","capture_id":"sensor1.2026-12-02"' "$TMP/sk5.jsonl" ||
    fail "--capture-id not used"
for bad in "" "a/b" "has space" "$(printf 'x%.0s' $(seq 130))"; do
    rc=0; "$SYNFIN" -F jsonl --capture-id "$bad" -r "$a" >/dev/null 2>&1 || rc=$?
    [ $rc -eq 2 ] || fail "--capture-id '$bad' accepted (exit $rc)"
done
rc=0; "$SYNFIN" -F jsonl --community-id-seed 65536 -r "$a" >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "--community-id-seed 65536 accepted"

# Community ID: Zeek's baseline for its reordered-handshake trace, and the
# spec's published example (community-id-spec baseline, tcp.pcap) with seeds 0 and 1.
z="$CORPUS/zeek/handshake-reorder.pcap"
if [ -f "$z" ]; then
    want=$(grep -v '^#' "$z.zeek-conn.log.cut.expected" | awk -F'\t' '{print $7}')
    got=$("$SYNFIN" -F jsonl -r "$z" | python3 -c 'import json,sys
print([json.loads(l) for l in sys.stdin if "\"type\":\"conn\"" in l][0]["community_id"])')
    [ "$want" = "$got" ] || fail "community_id $got, Zeek's baseline $want"
fi
t="$CORPUS/zeek/communityid-tcp.pcap"
if [ -f "$t" ]; then
    for pair in "0 1:LQU9qZlK+B5F3KDmev6m5PMibrg=" "1 1:3V71V58M3Ksw/yuFALMcW0LAHvc="; do
        set -- $pair
        "$SYNFIN" -F jsonl --community-id-seed "$1" -r "$t" >"$TMP/sk6.jsonl"
        grep '"type":"conn"' "$TMP/sk6.jsonl" | grep -F "\"community_id\":\"$2\"" >/dev/null ||
            fail "seed $1: not the spec's $2"
    done
fi

# --packet-keys: every packet record of a connection carries its uid and
# flow hash, ts_ns its frame's time; without it packet records are unchanged.
"$SYNFIN" -F jsonl --packet-keys -r "$a" >"$TMP/sk4.jsonl"
python3 - "$TMP/sk4.jsonl" "$TMP/sk1.jsonl" "$TMP/sk.times" <<'EOF' || fail "--packet-keys"
import json, sys
from decimal import Decimal
t = {int(l.split()[0]): int(Decimal(l.split()[1]) * 1000000000) for l in open(sys.argv[3])}
with_k = [json.loads(l) for l in open(sys.argv[1])]
without = [json.loads(l) for l in open(sys.argv[2])]
conns = {r["conn"]: r for r in with_k if r["type"] == "conn"}
pk = [r for r in with_k if r["type"] == "packet"]
assert pk
for r in pk:
    c = conns[r["conn"]]
    assert r["uid"] == c["uid"] and r["community_id"] == c["community_id"] and r["ts_ns"] == t[r["frame"]]
for r in without:
    if r["type"] == "packet":
        assert "uid" not in r and "ts_ns" not in r
EOF
echo "uid, capture_id, file, ts_ns/end_ns (= tshark), community_id (= Zeek, spec), --packet-keys"
