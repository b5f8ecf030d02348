# SOCKS4, 4a and 5 (with an RFC 1929 user/password exchange, and a refusal) on port 1080:
# synfin's jsonl "socks" object equals tshark's socks.* fields (version, command, target
# address or name, port, user, chosen method, auth status, reply code), and the HTTP
# carried through each granted tunnel equals tshark's http.* fields.  Captures written by
# tests/tools/pcapgen.py, one connection each (tshark's SOCKS numbering quirk,
# docs/architecture.md, only shifts later connections).
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/socks.XXXXXX")
python3 - "$TMP" <<'PY'
import os, sys
sys.path.insert(0, "tests/tools")
from pcapgen import Pcap, Conversation
d = sys.argv[1]
get = b"GET /via-socks HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
ok = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
cases = {
    "v4": ([b"\x04\x01\x00\x50\xc6\x33\x64\x0aalice\x00"], [b"\x00\x5a\x00\x00\x00\x00\x00\x00"], True),
    "v4a": ([b"\x04\x01\x1f\x90\x00\x00\x00\x01bob\x00www.example.com\x00"],
            [b"\x00\x5a\x00\x00\x00\x00\x00\x00"], True),
    "v5auth": ([b"\x05\x02\x00\x02", b"\x01\x05carol\x06secret", b"\x05\x01\x00\x03\x0fwww.example.com\x01\xbb"],
               [b"\x05\x02", b"\x01\x00", b"\x05\x00\x00\x01\xcb\x00\x71\x05\x10\x00"], True),
    "v5refused": ([b"\x05\x01\x00", b"\x05\x01\x00\x01\xc0\x00\x02\x63\x00\x50"],
                  [b"\x05\x00", b"\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"], False),
}
for name, (cl, sv, granted) in cases.items():
    with Pcap(os.path.join(d, name + ".pcap")) as pc:
        c = Conversation(pc, "192.0.2.1", 40000, "198.51.100.7", 1080)
        c.handshake()
        for a, b in zip(cl, sv):
            c.send(0, a)
            c.send(1, b)
        if granted:
            c.send(0, get)
            c.send(1, ok)
        c.close()
PY
for name in v4 v4a v5auth v5refused; do
    cap="$TMP/$name.pcap"
    "$SYNFIN" -F jsonl -r "$cap" >"$TMP/$name.jsonl" 2>"$TMP/err" || fail "$name: synfin failed: $(cat "$TMP/err")"
    tshark -r "$cap" -Y socks -T fields -E separator='|' -e tcp.srcport -e socks.version -e socks.command \
        -e socks.dst -e socks.dstV6 -e socks.v4a_dns_name -e socks.remote_name -e socks.dstport -e socks.port \
        -e socks.username -e socks.auth_accepted_method -e socks.auth_status -e socks.results \
        >"$TMP/$name.socks" 2>/dev/null
    tshark -r "$cap" -Y http -T fields -E separator='|' -e http.request.method -e http.request.uri \
        -e http.response.code >"$TMP/$name.http" 2>/dev/null
    python3 - "$TMP/$name.jsonl" "$TMP/$name.socks" "$TMP/$name.http" "$name" <<'PY' || fail "$name: synfin and tshark disagree"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
conn = [r for r in recs if r["type"] == "conn"]
assert len(conn) == 1, conn
s = conn[0].get("socks")
assert s, "no socks object"
# tshark's rows in frame order: the handshake's messages, then the tunnel's packets
# (where tshark repeats saved fields, not all of them right: read the handshake only).
keys = ("sport", "version", "command", "dst", "dst6", "v4a", "name", "dstport", "port",
        "user", "method", "auth", "results")
rows = [dict(zip(keys, l.rstrip("\n").split("|"))) for l in open(sys.argv[2])]
client = [r for r in rows if r["sport"] == "40000"]
server = [r for r in rows if r["sport"] == "1080"]
req = next(r for r in client if r["command"])            # the request (after a greeting)
rep = next(r for r in server if r["results"])            # its reply
def first(rs, k):
    return next((r[k] for r in rs if r[k]), None)
assert str(s["version"]) == req["version"], (s["version"], req)
assert {"connect": "1", "bind": "2", "udp_associate": "3"}[s["command"]] == req["command"], req
host = req["v4a"] or req["name"] or None
assert s["target_host"] == host, (s["target_host"], req)
assert s["target_addr"] == (None if host else (req["dst"] or req["dst6"])), (s["target_addr"], req)
# tshark names the request's port socks.dstport in SOCKS4, socks.port in SOCKS5.
assert str(s["target_port"]) == (req["port"] if s["version"] == 5 else req["dstport"]), (s["target_port"], req)
assert s["user"] == first(client, "user"), (s["user"], client)
assert (str(s["method"]) if s["method"] is not None else None) == first(server, "method"), (s["method"], server)
assert (str(s["auth_status"]) if s["auth_status"] is not None else None) == first(server, "auth"), (s, server)
codes = {4: {"granted": "90", "rejected": "91"}, 5: {"succeeded": "0", "connection_refused": "5"}}
assert codes[s["version"]][s["reply"]] == rep["results"], (s["reply"], rep)
assert s["established"] == (sys.argv[4] != "v5refused"), s
http = [r for r in recs if r["type"] == "http"]
ours = []
for h in http:
    if h["request"]:
        ours.append(("req", h["request"]["method"], h["request"]["uri"]))
    if h["response"]:
        ours.append(("resp", str(h["response"]["status"])))
theirs = []
for line in open(sys.argv[3]):
    m, u, code = line.rstrip("\n").split("|")
    theirs.append(("req", m, u) if m else ("resp", code))
assert ours == theirs, (ours, theirs)
assert (len(ours) == 2) == (sys.argv[4] != "v5refused"), ours
PY
done
