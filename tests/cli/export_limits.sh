# --export-objects under hostile conditions (issue 10, items 3 and 4):
#  1. 300 responses in flight at once under `ulimit -n 64`: every body is written, whole,
#     and listed in index.json (files are closed and reopened, not held open each).
#     Oracle: tshark --export-objects http on the same capture (same bodies, byte for byte).
#  2. --export-max-bytes: written bytes never exceed the cap; the cut body is named on
#     stderr and its index entry says "cut": "export-max-bytes"; bodies past the cap are
#     listed with "file": null; exit status 0 (the cap is a limit the user set, not a fault).
#  2b. A decompression bomb (gzip, 65 MiB of zeros in 65 KB) twice: the first body stops at
#     the 64 MiB per-body decode cap ("cut": "max-decoded"), the second at the total cap.
#  3. An object that cannot be written (file size limit, EFBIG): one line on stderr, its
#     index entry carries "error", and the exit status is 1.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/export_limits.XXXXXX")
python3 - "$TMP/many.pcap" "$TMP/cap.pcap" "$TMP/big.pcap" "$TMP/bomb.pcap" <<'PY'
import sys, zlib
sys.path.insert(0, "tests/tools")
from pcapgen import Pcap, Conversation
N = 300
with Pcap(sys.argv[1]) as pc:
    convs = []
    for i in range(N):
        c = Conversation(pc, "192.0.2.%d" % (1 + i // 250), 20000 + i, "198.51.100.7", 80)
        c.handshake()
        c.send(0, b"GET /obj%d.txt HTTP/1.1\r\nHost: example.org\r\n\r\n" % i)
        convs.append(c)
    bodies = [(b"body %04d;" % i) * 150 for i in range(N)]
    # Every response's head and first half before any second half: all N bodies in flight.
    for c, b in zip(convs, bodies):
        c.send(1, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(b)
               + b[:700])
    for c, b in zip(convs, bodies):
        c.send(1, b[700:])
    for c in convs:
        c.close()
with Pcap(sys.argv[2]) as pc:
    c = Conversation(pc, "192.0.2.1", 40000, "198.51.100.7", 80)
    c.handshake()
    for i in range(5):
        body = bytes([65 + i]) * 1000
        c.send(0, b"GET /part%d.bin HTTP/1.1\r\nHost: example.org\r\n\r\n" % i)
        c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + body)
    c.close()
with Pcap(sys.argv[3]) as pc:
    c = Conversation(pc, "192.0.2.1", 40001, "198.51.100.7", 80)
    c.handshake()
    for i in range(2):
        c.send(0, b"GET /big%d.bin HTTP/1.1\r\nHost: example.org\r\n\r\n" % i)
        c.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + b"x" * 3000)
    c.close()
z = zlib.compressobj(9, zlib.DEFLATED, 31)
bomb = z.compress(b"\0" * (65 << 20)) + z.flush()
with Pcap(sys.argv[4]) as pc:
    c = Conversation(pc, "192.0.2.1", 40002, "198.51.100.7", 80)
    c.handshake()
    for i in range(2):
        c.send(0, b"GET /bomb%d HTTP/1.1\r\nHost: example.org\r\n\r\n" % i)
        c.send(1, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb) + bomb)
    c.close()
PY

# 1. Many in flight, few descriptors.
(ulimit -n 64; "$SYNFIN" -F summary --export-objects "$TMP/many" -r "$TMP/many.pcap" >/dev/null 2>"$TMP/err1") \
    || fail "300 objects in flight under ulimit -n 64: exit $? ($(head -3 "$TMP/err1"))"
[ -s "$TMP/err1" ] && fail "unexpected stderr: $(head -3 "$TMP/err1")"
tshark -r "$TMP/many.pcap" -q --export-objects "http,$TMP/tshark" >/dev/null 2>&1 || fail "tshark export failed"
python3 - "$TMP/many" "$TMP/tshark" <<'PY' || fail "export under ulimit -n 64 does not match tshark's"
import hashlib, json, os, sys
ours, theirs = sys.argv[1], sys.argv[2]
idx = json.load(open(os.path.join(ours, "index.json")))["objects"]
def digests(d, names):
    return sorted(hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest() for n in names)
want = digests(theirs, os.listdir(theirs))
assert len(want) == 300, len(want)
files = [e["file"] for e in idx]
assert len(idx) == 300 and all(files), len(idx)
assert all(e["error"] is None and e["cut"] is None and e["bytes"] == 1500 for e in idx), idx[:2]
assert digests(ours, files) == want, "bodies differ from tshark's"
assert sorted(files + ["index.json"]) == sorted(os.listdir(ours))
PY

# 2. The total cap.
"$SYNFIN" -F summary --export-objects "$TMP/cap" --export-max-bytes 2500 -r "$TMP/cap.pcap" >/dev/null 2>"$TMP/err2" \
    || fail "--export-max-bytes: exit $?"
python3 - "$TMP/cap" "$TMP/err2" <<'PY' || fail "--export-max-bytes not kept"
import json, os, sys
d, err = sys.argv[1], open(sys.argv[2]).read()
idx = json.load(open(os.path.join(d, "index.json")))["objects"]
written = sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d) if n != "index.json")
assert written == 2500, written
assert len(idx) == 5, len(idx)
assert [e["bytes"] for e in idx] == [1000, 1000, 500, 0, 0], [e["bytes"] for e in idx]
assert [e["cut"] for e in idx] == [None, None] + ["export-max-bytes"] * 3, [e["cut"] for e in idx]
assert idx[3]["file"] is None and idx[4]["file"] is None, idx[3]
assert os.path.getsize(os.path.join(d, idx[2]["file"])) == 500
assert idx[2]["file"] + " cut at 500 bytes" in err and "--export-max-bytes 2500" in err, err
assert len(err.splitlines()) == 3, err
assert "0-4-part3.bin not written" in err and "0-5-part4.bin not written" in err, err
PY
"$SYNFIN" --export-objects "$TMP/x" --export-max-bytes 0 -r "$TMP/cap.pcap" >/dev/null 2>&1 && fail "--export-max-bytes 0 accepted"
[ $? -eq 2 ] || fail "--export-max-bytes 0: exit $? (want 2)"
"$SYNFIN" --export-objects "$TMP/x" --export-max-bytes -5 -r "$TMP/cap.pcap" >/dev/null 2>&1 && fail "--export-max-bytes -5 accepted"

# 2b. Per-body decode cap, then the total cap.
"$SYNFIN" -F summary --export-objects "$TMP/bomb" --export-max-bytes 70000000 -r "$TMP/bomb.pcap" >/dev/null 2>"$TMP/err2b" \
    || fail "bomb export: exit $?"
python3 - "$TMP/bomb" "$TMP/err2b" <<'PY' || fail "decode caps not kept"
import json, os, sys
d, err = sys.argv[1], open(sys.argv[2]).read()
idx = json.load(open(os.path.join(d, "index.json")))["objects"]
got = [(e["bytes"], os.path.getsize(os.path.join(d, e["file"])), e["cut"], e["decode"]) for e in idx]
assert got == [(64 << 20, 64 << 20, "max-decoded", "capped"),
               (70000000 - (64 << 20), 70000000 - (64 << 20), "export-max-bytes", "capped")], got
assert idx[1]["file"] + " cut at %d bytes" % (70000000 - (64 << 20)) in err, err
PY
rm -rf "$TMP/bomb"

# 3. A body the file system refuses (ulimit -f 1: 1024 bytes a file; SIGXFSZ ignored so
#    write() reports EFBIG).
set +e
(trap '' XFSZ; ulimit -f 1; "$SYNFIN" -F summary --export-objects "$TMP/fsz" -r "$TMP/big.pcap" >/dev/null 2>"$TMP/err3")
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "unwritable object: exit $rc (want 1): $(cat "$TMP/err3")"
python3 - "$TMP/fsz" "$TMP/err3" <<'PY' || fail "unwritable object not reported"
import json, os, sys
idx = json.load(open(os.path.join(sys.argv[1], "index.json")))["objects"]
err = open(sys.argv[2]).read().splitlines()
bad = [e for e in idx if e["error"]]
assert len(idx) == 2 and len(bad) == 2 and all("cannot write" in e["error"] for e in bad), idx
for e in bad:
    assert any(e["file"] in l for l in err), (e, err)
PY
echo "export_limits: ok"
