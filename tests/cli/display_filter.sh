# -Y: the display filter.  Packet terms agree with tshark -Y on the same capture (frame numbers);
# connection and HTTP terms select what the unfiltered jsonl says they should (whole connections);
# every format accepts it; a bad expression is one error naming its column, exit 2.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/display_filter.XXXXXX")
caps=(captures/tcp-loss-retransmit.pcap captures/http-keepalive-3get.pcap captures/http-refused.pcap)
for f in zeek/bro.org.pcap suricata-verify/http-range-multi.pcap; do
    [ -f "$CORPUS/$f" ] && caps+=("$CORPUS/$f")
done
frames() { python3 -c 'import json,sys
print(" ".join(str(r["frame"]) for r in map(json.loads, sys.stdin) if r["type"]=="packet"))'; }
# synfin expression | tshark expression: the same frames.
pairs=(
    "packet.flags contains SYN|tcp.flags.syn == 1"
    "packet.flags contains RST or packet.flags contains FIN|tcp.flags.reset == 1 || tcp.flags.fin == 1"
    "packet.analysis contains retransmission|tcp.analysis.retransmission"
    "packet.analysis contains duplicate_ack and not packet.len > 0|tcp.analysis.duplicate_ack && tcp.len == 0"
    "packet.len >= 1000|tcp.len >= 1000"
    "packet.dport in {80 8080}|tcp.dstport in {80, 8080}"
)
for cap in "${caps[@]}"; do
    for pair in "${pairs[@]}"; do
        ours=${pair%%|*}
        theirs=${pair#*|}
        want=$(tshark -r "$cap" -Y "$theirs" -T fields -e frame.number 2>"$TMP/terr") \
            || fail "tshark -Y '$theirs': $(cat "$TMP/terr")"
        want=$(printf '%s' "$want" | tr '\n' ' ' | sed 's/ $//')
        got=$("$SYNFIN" -F jsonl -Y "$ours" -r "$cap" | frames)
        [ "$want" = "$got" ] || fail "$cap: -Y '$ours' shows frames [$got], tshark -Y '$theirs' [$want]"
    done
done
# The frames that complete an HTTP message are tshark's http frames on the bundled captures
# (bro.org has a listed HTTP difference: tests/http-known-differences.tsv).
for cap in captures/http-*.pcap; do
    want=$(tshark -r "$cap" -Y http -T fields -e frame.number 2>/dev/null | tr '\n' ' ' | sed 's/ $//')
    got=$("$SYNFIN" -F jsonl -Y packet.http -r "$cap" | frames)
    [ "$want" = "$got" ] || fail "$cap: -Y packet.http shows frames [$got], tshark -Y http [$want]"
done
# Connection and HTTP terms: the records chosen are those the full jsonl says match.
for cap in "${caps[@]}"; do
    "$SYNFIN" -F jsonl -r "$cap" >"$TMP/all.jsonl"
    for expr in 'conn.close == three_way' 'conn.close.by == server and conn.packets > 10' \
                'http.status == 200' 'not conn.zeek.state in {SF RSTO}' 'conn.analysis contains retransmission'; do
        "$SYNFIN" -F jsonl -Y "$expr" -r "$cap" >"$TMP/sel.jsonl"
        python3 - "$TMP/all.jsonl" "$TMP/sel.jsonl" "$expr" <<'PY' || fail "$cap: -Y '$expr' chose the wrong records"
import json, sys
allr = [json.loads(l) for l in open(sys.argv[1])]
sel = [json.loads(l) for l in open(sys.argv[2])]
expr = sys.argv[3]
conns = {r["conn"]: r for r in allr if r["type"] == "conn"}
https = {}
for r in allr:
    if r["type"] == "http":
        https.setdefault(r["conn"], []).append(r)
an_names = {"retransmissions": "retransmission"}
def conn_ok(c):
    if expr == "conn.close == three_way":
        return c["close"]["kind"] == "three_way"
    if expr.startswith("conn.close.by"):
        return c["close"]["by"] == "server" and c["packets"] > 10
    if expr == "http.status == 200":
        return any(h["response"] and h["response"]["status"] == 200 for h in https.get(c["conn"], []))
    if expr.startswith("not conn.zeek.state"):
        return c["zeek"]["conn_state"] not in ("SF", "RSTO")
    if expr.startswith("conn.analysis"):
        return any(c["analysis"][d]["retransmissions"] for d in ("c2s", "s2c"))
    raise SystemExit("no oracle for " + expr)
want = [r for r in allr if r["type"] == "packet" and "conn" in r and conn_ok(conns[r["conn"]])]
want += [r for r in allr if r["type"] == "conn" and conn_ok(r)]
if expr.startswith("http."):
    want += [r for r in allr if r["type"] == "http" and r["response"] and r["response"]["status"] == 200]
else:
    want += [r for r in allr if r["type"] == "http" and conn_ok(conns[r["conn"]])]
key = lambda r: (r["type"], r.get("frame"), r.get("conn"), r.get("n"))
got = sorted(map(key, [r for r in sel if r["type"] != "summary"]), key=str)
exp = sorted(map(key, want), key=str)
if got != exp:
    print("want", exp[:8], "got", got[:8], len(exp), len(got))
    sys.exit(1)
summ = [r for r in sel if r["type"] == "summary"][0]
assert summ["display_filter"] == expr and summ["displayed"] == sum(1 for r in want if r["type"] == "packet"), summ
PY
    done
done
# Every format takes it.
for fmt in text summary ladder har html; do
    "$SYNFIN" -F "$fmt" -Y 'conn.close == three_way' -r captures/http-keepalive-3get.pcap >"$TMP/o" \
        || fail "-F $fmt -Y failed"
done
grep -q "displayed:" <("$SYNFIN" -Y 'packet.len > 0' -r captures/http-keepalive-3get.pcap) || fail "text: no displayed line"
# A bad expression: one error with its column, exit 2.
set +e
"$SYNFIN" -Y 'packet.len > big' -r captures/http-keepalive-3get.pcap >/dev/null 2>"$TMP/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "bad -Y: exit $rc, want 2"
grep -q '^synfin: -Y: column 14: packet.len is a number' "$TMP/err" || fail "bad -Y message: $(cat "$TMP/err")"
# Standard input with a connection term needs two passes: refused, with the reason.
set +e
"$SYNFIN" -Y 'conn.close == three_way' -r - <captures/http-keepalive-3get.pcap >/dev/null 2>"$TMP/err"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q 'reads the capture twice' "$TMP/err" || fail "two-pass -Y on stdin: exit $rc $(cat "$TMP/err")"
# Packet terms work on standard input (one pass).
"$SYNFIN" -F jsonl -Y 'packet.flags contains SYN' -r - <captures/http-keepalive-3get.pcap | frames >"$TMP/stdin" \
    || fail "-Y on stdin"
[ "$(cat "$TMP/stdin")" = "$("$SYNFIN" -F jsonl -Y 'packet.flags contains SYN' -r captures/http-keepalive-3get.pcap | frames)" ] \
    || fail "-Y on stdin differs from the file"
# --list-fields names every field the docs list.
"$SYNFIN" --list-fields | awk '{print $1}' | while read -r f; do
    grep -q "\`$f\`" docs/filter.md || fail "field $f is not in docs/filter.md"
done
