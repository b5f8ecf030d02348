# TLS decryption from the command line: --keylog, the statuses a connection can end with, the
# text line in both languages, --follow's marking, a Decryption Secrets Block without --keylog.
. "$(dirname "$0")/lib.sh"
cap=captures/tls/tls13-aes256gcm.pcap
keys=captures/tls/tls13-aes256gcm.keys
status() {  # status FILE [ARGS...]: the decryption status of connection 0 (or "none")
    "$SYNFIN" -F jsonl "$@" | python3 -c 'import json,sys
for l in sys.stdin:
    r=json.loads(l)
    if r["type"]=="conn":
        d=r.get("tls",{}).get("decryption")
        print(d["status"] if d else "none"); break'
}
http_count() { "$SYNFIN" -F jsonl "$@" | grep -c '"type":"http"' || true; }

[ "$(status -r "$cap" --keylog "$keys")" = decrypted ] || fail "not decrypted with its own key log"
[ "$(http_count -r "$cap" --keylog "$keys")" = 1 ] || fail "no HTTP transaction inside TLS"
[ "$(status -r "$cap")" = none ] || fail "a decryption status without any secrets"
[ "$(http_count -r "$cap")" = 0 ] || fail "HTTP read from undecrypted TLS"

# Another session's secrets: no key for this client random.
[ "$(status -r "$cap" --keylog captures/tls/tls13-chacha20.keys)" = no_key ] || fail "no_key not reported"

# Secrets of the right session but altered: the server's first protected record fails, nothing reaches HTTP.
python3 - "$keys" "$TMP/bad.keys" <<'PY'
import sys
out = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 3 and f[0] == "SERVER_HANDSHAKE_TRAFFIC_SECRET":
        f[2] = ("0" if f[2][0] != "0" else "1") + f[2][1:]
        line = " ".join(f) + "\n"
    out.append(line)
open(sys.argv[2], "w").write("".join(out))
PY
"$SYNFIN" -F jsonl -r "$cap" --keylog "$TMP/bad.keys" >"$TMP/bad.jsonl"
python3 - "$TMP/bad.jsonl" <<'PY' || fail "altered secrets: not reported as failed at the server's first protected record"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
c = [r for r in recs if r["type"] == "conn"][0]
d = c["tls"]["decryption"]
# The server's records: ServerHello (1), CCS (2), then the first protected one (3).
assert d["status"] == "failed" and d["failed_dir"] == "s2c" and d["failed_record"] == 3, d
assert d["s2c_records"] == 0, d
PY
# The client's direction still decrypts, but the response is never invented.
[ "$("$SYNFIN" -F jsonl -r "$cap" --keylog "$TMP/bad.keys" | grep '"type":"http"' | grep -c '"status":200' || true)" = 0 ] \
    || fail "altered secrets: a response was read"

# Malformed and foreign lines are counted, never fatal.
{ echo "# comment"; echo "garbage"; echo "CLIENT_RANDOM 00 11"; echo "EXPORTER_SECRET $(printf 'ab%.0s' $(seq 32)) 00"; cat "$keys"; } >"$TMP/mixed.keys"
[ "$(status -r "$cap" --keylog "$TMP/mixed.keys")" = decrypted ] || fail "malformed lines stopped the key log"
"$SYNFIN" -r "$cap" --keylog /nonexistent/keys >/dev/null 2>"$TMP/err" && fail "--keylog of a missing file succeeded"
grep -q -- "--keylog: cannot read /nonexistent/keys" "$TMP/err" || fail "--keylog error not named: $(cat "$TMP/err")"

# A cipher suite synfin does not decrypt (the ServerHello rewritten to TLS_AES_128_CCM_SHA256).
python3 - "$cap" "$TMP/ccm.pcap" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"\x16\x03\x03", 0)
while i >= 0:
    if b[i + 5] == 2:   # ServerHello: header 5, type+len 4, version 2, random 32, session id
        sid = b[i + 5 + 4 + 2 + 32]
        at = i + 5 + 4 + 2 + 32 + 1 + sid
        assert b[at:at + 2] == b"\x13\x02"
        b[at:at + 2] = b"\x13\x04"
        break
    i = b.find(b"\x16\x03\x03", i + 1)
open(sys.argv[2], "wb").write(bytes(b))
PY
[ "$(status -r "$TMP/ccm.pcap" --keylog "$keys")" = unsupported_cipher ] || fail "unsupported cipher not reported"
"$SYNFIN" --color=never -r "$TMP/ccm.pcap" --keylog "$keys" | grep -q "does not decrypt the cipher suite 0x1304" \
    || fail "text: unsupported cipher not said"

# The text line, once per connection, in English and Korean.
en=$("$SYNFIN" --color=never -r "$cap" --keylog "$keys")
[ "$(printf '%s\n' "$en" | grep -c 'TLS decrypted with the key log')" = 1 ] || fail "text: decrypted not said once"
ko=$("$SYNFIN" --lang ko --color=never -r "$cap" --keylog "$keys")
printf '%s' "$ko" | grep -q 'TLS를 키 로그로 복호화했습니다' || fail "--lang ko: no Korean decryption line"

# --follow shows the plaintext, marked; without keys the records as before.
f=$("$SYNFIN" -r "$cap" --keylog "$keys" --follow 0)
printf '%s' "$f" | grep -q '^Follow: tls,text (decrypted)$' || fail "--follow: not marked decrypted"
printf '%s' "$f" | grep -q '^>>> client -> server, frame [0-9]*, decrypted$' || fail "--follow: runs not marked"
printf '%s' "$f" | grep -q '^GET /index.html HTTP/1.1$' || fail "--follow: no plaintext request"
"$SYNFIN" -r "$cap" --follow 0 | grep -q '^Follow: tcp,text$' || fail "--follow without keys changed"

# The client's ACK of the last response byte (HAR timings, the HTTP record's
# client_ack_frame) is found through the records: the first client frame
# whose tcp.ack covers the end of the response's last record, by tshark.
if command -v tshark >/dev/null; then
    "$SYNFIN" -F jsonl -r "$cap" --keylog "$keys" | grep '"type":"http"' >"$TMP/txn.json"
    tshark -r "$cap" -T fields -e frame.number -e tcp.srcport -e tcp.ack -e tcp.nxtseq 2>/dev/null >"$TMP/acks.tsv"
    python3 - "$TMP/txn.json" "$TMP/acks.tsv" <<'PY' || fail "client_ack_frame is not the client's ACK of the response's end"
import json, sys
t = json.loads(open(sys.argv[1]).read())
rows = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()]
resp = t["response"]["frame"]
end = int(rows[resp - 1][3])
server_port = rows[resp - 1][1]
want = next(int(r[0]) for r in rows if int(r[0]) > resp and r[1] != server_port and int(r[2]) >= end)
assert t["timings"]["client_ack_frame"] == want, (t["timings"], want)
PY
fi

# A pcapng with a Decryption Secrets Block: decrypted without --keylog.
[ "$(status -r captures/tls/tls13-dsb.pcapng)" = decrypted ] || fail "Decryption Secrets Block not used"
echo "TLS decryption: statuses decrypted, no_key, failed (server record 3), unsupported_cipher; text en/ko; --follow marked; DSB"
