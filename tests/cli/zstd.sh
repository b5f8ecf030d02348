# Content-Encoding: zstd (RFC 9659) is decoded like gzip and br: the body the zstd tool wrote comes
# back byte for byte (one frame, two frames), a corrupt one is a decode error.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/zstd.XXXXXX")
command -v zstd >/dev/null || fail "zstd is not installed (scripts/deps.sh test installs it)"
python3 -c 'import sys; sys.stdout.write("".join("line %05d of a zstd body\n" % i for i in range(3000)))' >"$TMP/body"
zstd -q -19 -c "$TMP/body" >"$TMP/one.zst"
head -c 40000 "$TMP/body" | zstd -q -c >"$TMP/two.zst"
tail -c +40001 "$TMP/body" | zstd -q -c >>"$TMP/two.zst"
cp "$TMP/one.zst" "$TMP/bad.zst"
printf 'XXXX' | dd of="$TMP/bad.zst" bs=1 seek=20 conv=notrunc 2>/dev/null
python3 - "$TMP" <<'PY'
import sys
sys.path.insert(0, "tests/tools")
from pcapgen import Pcap, Conversation
d = sys.argv[1]
with Pcap(d + "/z.pcap") as pc:
    for i, name in enumerate(("one", "two", "bad")):
        body = open("%s/%s.zst" % (d, name), "rb").read()
        c = Conversation(pc, "192.0.2.1", 41000 + i, "192.0.2.2", 80)
        c.handshake()
        c.send(0, b"GET /%s.txt HTTP/1.1\r\nHost: example.org\r\nAccept-Encoding: zstd\r\n\r\n" % name.encode())
        c.send(1, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: zstd\r\nContent-Length: %d\r\n\r\n"
               % len(body) + body)
        c.close()
PY
"$SYNFIN" -F jsonl -r "$TMP/z.pcap" >"$TMP/out.jsonl"
python3 - "$TMP/out.jsonl" "$(wc -c <"$TMP/body")" <<'PY' || fail "zstd decoding wrong"
import json, sys
h = [r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "http"]
want = int(sys.argv[2])
got = [(r["response"]["decode"], r["response"]["body_decoded_bytes"]) for r in h]
assert got[0] == ("ok", want) and got[1] == ("ok", want) and got[2][0] == "error", got
PY
"$SYNFIN" --export-objects "$TMP/objs" -r "$TMP/z.pcap" >/dev/null
cmp "$TMP/objs/0-1-one.txt" "$TMP/body" || fail "exported zstd body (one frame) differs"
cmp "$TMP/objs/1-1-two.txt" "$TMP/body" || fail "exported zstd body (two frames) differs"
