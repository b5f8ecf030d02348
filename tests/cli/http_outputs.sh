# HTTP outputs: -F har valid against HAR 1.2, --follow (text, raw), --export-objects (safe names, never overwrite).
. "$(dirname "$0")/lib.sh"
caps=(captures/http-keepalive-3get.pcap)
for f in zeek/pipelined-requests.pcap zeek/100-continue.pcap suricata-verify/http-sticky-start.pcap \
         zeek/wstunnel-http.pcap suricata-verify/http-gap-simple.pcap; do
    [ -f "$CORPUS/$f" ] && caps+=("$CORPUS/$f")
done
entries=0
for cap in "${caps[@]}"; do
    for bodies in "" --har-bodies; do
        "$SYNFIN" -F har $bodies -r "$cap" >"$TMP/out.har" || fail "-F har $bodies failed on $cap"
        out=$(python3 tests/tools/har_check.py "$TMP/out.har" --min-entries 1) || fail "$cap $bodies: $out"
    done
    entries=$((entries + $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["log"]["entries"]))' "$TMP/out.har")))
done
# --har-bodies carries the decoded body: the 3-GET capture's first body is text/html.
"$SYNFIN" -F har --har-bodies -r captures/http-keepalive-3get.pcap | python3 -c '
import json,sys
e=json.load(sys.stdin)["log"]["entries"]
assert e[0]["response"]["content"]["text"].lstrip().lower().startswith("<"), e[0]["response"]["content"]
assert e[0]["timings"]["connect"] >= 0 and e[1]["timings"]["connect"] == -1' || fail "HAR bodies or connect timing wrong"

# --follow: both directions marked, the bytes equal to tshark's follow.
"$SYNFIN" --follow 0 -r captures/http-keepalive-3get.pcap >"$TMP/follow.txt"
grep -q '^>>> client -> server, frame 4$' "$TMP/follow.txt" || fail "--follow: no client marker"
grep -q '^<<< server -> client, frame 6$' "$TMP/follow.txt" || fail "--follow: no server marker"
"$SYNFIN" --follow 0 --follow-format raw -r captures/http-keepalive-3get.pcap >"$TMP/raw.bin"
want=$(tshark -r captures/http-keepalive-3get.pcap -q -z follow,tcp,raw,0 2>/dev/null | grep -E '^\s*[0-9a-f]+$' | tr -d ' \t\n')
got=$(od -An -v -tx1 "$TMP/raw.bin" | tr -d ' \n')
[ "$want" = "$got" ] || fail "--follow raw bytes differ from tshark's follow,tcp,raw"
if [ -f "$CORPUS/suricata-verify/http-gap-simple.pcap" ]; then
    "$SYNFIN" --follow 0 -r "$CORPUS/suricata-verify/http-gap-simple.pcap" | grep -q 'bytes missing\]' \
        || fail "--follow: gap not shown"
fi

# --export-objects: files = response bodies, decoded; names safe; never overwrite.
d="$TMP/objects"
"$SYNFIN" -F summary --export-objects "$d" -r captures/http-keepalive-3get.pcap >/dev/null
[ -f "$d/index.json" ] || fail "no index.json"
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["objects"]))' "$d/index.json")
[ "$n" -eq 3 ] || fail "expected 3 objects, index has $n"
[ "$(stat -c %s "$d/0-2-page.html")" -eq 20399 ] || fail "0-2-page.html size"
"$SYNFIN" -F summary --export-objects "$d" -r captures/http-keepalive-3get.pcap >/dev/null
[ -f "$d/0-2-page-1.html" ] && [ -f "$d/index-1.json" ] || fail "second export overwrote or did not write new names"
if [ -f "$CORPUS/zeek/pipelined-requests.pcap" ]; then
    "$SYNFIN" -F summary --export-objects "$TMP/o2" -r "$CORPUS/zeek/pipelined-requests.pcap" >/dev/null
    python3 - "$TMP/o2" <<'PY' || fail "export-objects: decoded sizes or names wrong"
import json, os, re, sys
d = sys.argv[1]
idx = json.load(open(os.path.join(d, "index.json")))["objects"]
for o in idx:
    assert re.match(r"^[0-9]+-[0-9]+-[A-Za-z0-9_-][A-Za-z0-9._-]*$", o["file"]), o["file"]
    assert os.path.getsize(os.path.join(d, o["file"])) == o["bytes"]
gz = [o for o in idx if o["content_encoding"] == "gzip"]
assert gz and all(o["decode"] == "ok" for o in gz), gz
PY
fi
echo "HAR 1.2 valid ($entries entries over ${#caps[@]} captures), follow text/raw (= tshark), export-objects"
