# UTF-8 end to end: a URI with é and Hangul, a Host with a byte that is not UTF-8.  Every
# output must be valid UTF-8; JSON/HAR carry the URI as tshark decodes it (not \u00XX per
# byte), the bad byte becomes U+FFFD and the message says so ("invalid_utf8": true).
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/utf8.XXXXXX")
python3 - "$TMP/utf8.pcap" <<'PY'
import sys
sys.path.insert(0, "tests/tools")
from pcapgen import Pcap, Conversation
with Pcap(sys.argv[1]) as pc:
    c = Conversation(pc, "192.0.2.1", 40000, "192.0.2.2", 80)
    c.handshake()
    c.send(0, b"GET /caf\xc3\xa9/\xed\x95\x9c\xea\xb5\xad.txt HTTP/1.1\r\nHost: ex\xffample.org\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 OK \xe2\x9c\x93\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello")
    c.close()
PY
cap="$TMP/utf8.pcap"
# tshark 4.0's http.request.uri field is decoded as ASCII (every byte >= 0x80 becomes U+FFFD);
# its Info column shows the request line as UTF-8, the oracle here.
want_uri=$(tshark -r "$cap" -Y http.request -T fields -e _ws.col.Info 2>/dev/null | sed -n 's/^GET \(.*\) HTTP\/1\.1 *$/\1/p')
[ "$want_uri" = "/café/한국.txt" ] || fail "tshark shows the URI as '$want_uri'"
for fmt in text jsonl summary ladder har html; do
    "$SYNFIN" -F "$fmt" --explain -r "$cap" >"$TMP/out.$fmt" 2>"$TMP/err" || fail "-F $fmt failed: $(cat "$TMP/err")"
    python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$TMP/out.$fmt" \
        || fail "-F $fmt output is not valid UTF-8"
done
python3 - "$TMP/out.jsonl" "$TMP/out.har" "$want_uri" <<'PY' || fail "UTF-8 values wrong in jsonl/HAR"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
h = [r for r in recs if r["type"] == "http"][0]
req = h["request"]
assert req["uri"] == sys.argv[3], req["uri"]
assert req["host"] == "ex\ufffdample.org", req["host"]
assert req.get("invalid_utf8") is True, req
assert "invalid_utf8" not in h["response"], h["response"]
assert h["response"]["reason"] == "OK \u2713", h["response"]["reason"]
raw = open(sys.argv[1], "rb").read()
assert "/café/한국.txt".encode() in raw, "the URI is escaped byte by byte"
har = json.load(open(sys.argv[2], encoding="utf-8"))
assert har["log"]["entries"][0]["request"]["url"].endswith("/café/한국.txt"), har["log"]["entries"][0]["request"]["url"]
PY
grep -q 'HTTP GET /café/한국.txt' "$TMP/out.text" || fail "text view does not show the URI as UTF-8"
grep -q '200 OK ✓' "$TMP/out.ladder" || fail "ladder does not show the reason as UTF-8"
# Export names keep readable letters of other scripts, still safe.
"$SYNFIN" --export-objects "$TMP/objs" -r "$cap" >/dev/null || fail "--export-objects failed"
[ -f "$TMP/objs/0-1-한국.txt" ] || fail "export name: $(ls "$TMP/objs")"
python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$TMP/objs/index.json" || fail "index.json not valid UTF-8 JSON"
# Percent-encoded letters are decoded; a right-to-left override (which could make a name lie
# about its extension) and a slash encoded as %2F are not kept.
python3 - "$TMP/pct.pcap" <<'PY'
import sys
sys.path.insert(0, "tests/tools")
from pcapgen import Pcap, Conversation
with Pcap(sys.argv[1]) as pc:
    c = Conversation(pc, "192.0.2.1", 40001, "192.0.2.2", 80)
    c.handshake()
    c.send(0, b"GET /d/%D0%BF%D1%80%D0%B8%E2%80%AEtxt.exe HTTP/1.1\r\nHost: example.org\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
    c.send(0, b"GET /e/..%2F..%2Fetc HTTP/1.1\r\nHost: example.org\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
    c.close()
PY
"$SYNFIN" --export-objects "$TMP/pct" -r "$TMP/pct.pcap" >/dev/null || fail "--export-objects failed (percent-encoded)"
[ -f "$TMP/pct/0-1-при_txt.exe" ] || fail "percent-decoded export name: $(ls "$TMP/pct")"
[ -f "$TMP/pct/0-2-_.._etc" ] || fail "encoded slash export name: $(ls "$TMP/pct")"
