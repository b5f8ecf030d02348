# -F tsv (docs/tsv.md): every column of every table equals the jsonl value
# it stands for, on every bundled capture and the public corpus (below 3 MB
# each), plus a capture whose strings need escaping; --table and -o DIR.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/tsv.XXXXXX")
python3 - "$TMP/esc.pcap" <<'PY'
import sys
sys.path.insert(0, "tests/tools")
from pcapgen import Pcap, Conversation
with Pcap(sys.argv[1]) as pc:
    c = Conversation(pc, "192.0.2.1", 40000, "192.0.2.2", 80)
    c.handshake()
    # A tab and backslashes in the User-Agent, "\N" as a URI, a byte that is not UTF-8 in Host
    # (the HTTP parser refuses other control characters, so no capture reaches \xHH).
    c.send(0, b"GET /\\N HTTP/1.1\r\nHost: ex\xffample.org\r\nUser-Agent: a\tb\\c\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
    c.close()
PY
caps=(captures/*.pcap captures/h2/*.pcap* captures/tls/*.pcap* "$TMP/esc.pcap")
if [ -d "$CORPUS" ]; then
    mapfile -t more < <(find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' \) -size -3M | sort)
    caps+=("${more[@]}")
fi
out=$(python3 tests/tools/tsv_vs_jsonl.py "$SYNFIN" "$TMP" "${caps[@]}") || fail "$out"
# The escaped fields as written (PostgreSQL COPY text format).
"$SYNFIN" -F tsv --table http -r "$TMP/esc.pcap" >"$TMP/esc.http"
python3 - "$TMP/esc.http" <<'PY' || fail "escaping of the http row"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
row = dict(zip(lines[0].split("\t"), lines[1].split("\t")))
assert row["uri"] == "/\\\\N", row["uri"]                 # a backslash doubled: not NULL
assert row["user_agent"] == "a\\tb\\\\c", row["user_agent"]
assert row["host"] == "ex\ufffdample.org", row["host"]
assert row["reason"] == "OK" and row["status"] == "200", row["reason"]
assert row["referrer"] == "\\N"                          # absent header: NULL
PY
# One table to standard output equals the same table of -o DIR/.
"$SYNFIN" -F tsv -o "$TMP/dir/" -r captures/http-keepalive-3get.pcap
[ -f "$TMP/dir/conn.tsv" ] && [ -f "$TMP/dir/http.tsv" ] && [ ! -f "$TMP/dir/packet.tsv" ] ||
    fail "-o DIR/ did not write conn.tsv and http.tsv only"
for t in conn http; do
    "$SYNFIN" -F tsv --table $t -r captures/http-keepalive-3get.pcap | cmp -s - "$TMP/dir/$t.tsv" ||
        fail "--table $t differs from DIR/$t.tsv"
done
rc=0; "$SYNFIN" -F tsv --table bogus -r captures/http-gzip.pcap >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "--table bogus: exit $rc"
rc=0; "$SYNFIN" -F jsonl --table http -r captures/http-gzip.pcap >/dev/null 2>&1 || rc=$?
[ $rc -eq 2 ] || fail "--table without -F tsv: exit $rc"
echo "$out; escaping; --table = -o DIR/"
