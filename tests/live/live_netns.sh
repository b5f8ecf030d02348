#!/usr/bin/env bash
# live_netns.sh - synfin -i on a veth between two network namespaces: curl in
# one, python3's http.server in the other, synfin capturing beside the server.
#
# Prints one "ok DESCRIPTION" or "FAIL DESCRIPTION: detail" line per check
# (tests/run.sh counts each) and exits 1 when any failed.  Needs root: an
# environment that cannot create namespaces fails loudly, it never skips.
# Everything is bounded (curl --max-time, waits of at most 5 s, synfin
# stopped by PID), and the namespaces, processes and temp dir are removed on
# exit by scripts/netns.sh's trap.
set -euo pipefail
cd "$(dirname "$0")/../.."
SYNFIN=$(realpath "${SYNFIN:-build/synfin}")

nfail=0
check() {  # check DESCRIPTION CMD... : runs CMD, prints ok/FAIL
    local what=$1; shift
    local out
    if out=$("$@" 2>&1); then
        echo "ok $what"
    else
        echo "FAIL $what: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-400)"
        nfail=$((nfail + 1))
    fi
}

if [ "$(id -u)" != 0 ]; then
    echo "FAIL live capture: must run as root (network namespaces, capture)"
    exit 1
fi
# shellcheck source=../../scripts/netns.sh
source scripts/netns.sh
T=$(mktemp -d /tmp/synfin-live.XXXXXX)
SF_LOGDIR=$T
SF_EXTRA_CLEANUP="rm -rf '$T'"
if ! ip netns add "sf-probe-$$" 2>"$T/probe"; then
    echo "FAIL live capture: cannot create a network namespace here: $(head -1 "$T/probe")"
    rm -rf "$T"
    exit 1
fi
ip netns del "sf-probe-$$"
sf_ns_up
sf_need curl curl

# A 20 KB page, as in the tutorial: segmented into full 1514-byte frames.
mkdir -p "$T/www" "$T/w"
python3 -c 'import sys; sys.stdout.write("".join("<p>line %04d of a page cut into several TCP segments.</p>\n" % i for i in range(360)))' >"$T/www/page.html"
chmod 755 "$T" "$T/www"
chown nobody "$T/w"     # -Z nobody writes its -w file there
sf_start_bg http "$SF_SRV" python3 -m http.server 80 --bind "$SF_SRV4" --directory "$T/www"
sf_wait_port "$SF_SRV" "$SF_SRV4" 80

# start_synfin NAME ARGS... : synfin in the server namespace, stdout and
# stderr apart; waits (bounded) for its "listening on" line.
start_synfin() {
    local name=$1; shift
    ip netns exec "$SF_SRV" "$SYNFIN" "$@" >"$T/$name.out" 2>"$T/$name.err" &
    SF_PIDS[$name]=$!
    local i
    for i in $(seq 1 50); do
        grep -q "listening on" "$T/$name.err" 2>/dev/null && return 0
        kill -0 "${SF_PIDS[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL synfin $name did not start: $(cat "$T/$name.err")"
    exit 1
}

# stop_synfin NAME : SIGINT by PID, wait at most 5 s (then KILL); the exit
# status goes into STOP_RC.
stop_synfin() {
    local name=$1 pid=${SF_PIDS[$1]} i
    STOP_RC=0
    kill -INT "$pid"
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    wait "$pid" || STOP_RC=$?
    unset "SF_PIDS[$name]"
}

# A: JSON lines, privileges dropped to nobody, a copy saved with -w.
start_synfin jsonl -i "$SF_IFACE" -F jsonl -Z nobody -w "$T/w/cap.pcap" tcp port 80
# B: the text view with a short linger, to see records appear while capturing.
start_synfin text -i "$SF_IFACE" --close-linger 0.3 --color=never tcp port 80

read -r cport code < <(sf_ns_exec "$SF_CLI" curl -sS --max-time 10 -o "$T/got.html" \
    -w '%{local_port} %{http_code}\n' "http://$SF_SRV4/page.html")
check "curl fetched the page (HTTP $code, client port $cport)" test "$code" = 200

# Streaming: the connection's record is out while synfin still runs: the
# wall-clock tick ended it after the linger, and the output was flushed.
wait_for() {  # wait_for FILE REGEX : at most 5 s
    local i
    for i in $(seq 1 50); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no /$2/ in $1 after 5 s: $(tail -c 300 "$1")"
    return 1
}
check "text: the connection is reported while capturing (tick expiry, flushed)" \
    wait_for "$T/text.out" "close: +.*close"
check "jsonl: the conn record streams out while capturing" \
    wait_for "$T/jsonl.out" '"type":"conn"'
check "-Z nobody: the capturing process runs as uid 65534" \
    bash -c "grep -Eq '^Uid:[[:space:]]+65534[[:space:]]+65534' /proc/${SF_PIDS[jsonl]}/status"

stop_synfin jsonl
rc_jsonl=$STOP_RC
stop_synfin text
rc_text=$STOP_RC
check "SIGINT ends synfin normally (exit 0/0, got $rc_jsonl/$rc_text)" \
    test "$rc_jsonl/$rc_text" = "0/0"

# The JSON of that exact connection.
cat >"$T/check.py" <<'EOF'
import json, sys
path, cport, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
recs = [json.loads(l) for l in open(path) if l.strip()]
conns = [r for r in recs if r["type"] == "conn"]
mine = [c for c in conns if c["client_port"] == cport]
summ = [r for r in recs if r["type"] == "summary"]
def fail(msg):
    print(msg); sys.exit(1)
if what == "conn":
    if len(conns) != 1 or len(mine) != 1:
        fail("want exactly curl's connection (port %d), got client ports %s"
             % (cport, [c["client_port"] for c in conns]))
    c = mine[0]
    if c["server"] != "192.0.2.2" or c["server_port"] != 80 or c["client"] != "192.0.2.1":
        fail("endpoints: %s" % {k: c[k] for k in ("client", "client_port", "server", "server_port")})
elif what == "handshake":
    h = mine[0]["handshake"]
    if not h["complete"] or not h["syn_frame"] or not h["syn_ack_frame"] or not h["ack_frame"]:
        fail("handshake: %s" % h)
elif what == "http":
    tx = [r for r in recs if r["type"] == "http" and r.get("conn") == mine[0]["conn"]]
    if not any(r["type"] == "http" for r in recs):
        print("no http records in this build"); sys.exit(0)
    ok = [t for t in tx if t["request"]["method"] == "GET" and t["request"]["uri"] == "/page.html"
          and t.get("response") and t["response"]["status"] == 200]
    if len(ok) != 1:
        fail("http: %s" % tx)
elif what == "close":
    cl = mine[0]["close"]
    # Who closes first is a race here (curl after Content-Length, or
    # http.server after its HTTP/1.0 response); the close is a clean one.
    if cl["kind"] not in ("three_way", "four_way") or cl["by"] not in ("client", "server") \
            or not cl["client_fin_frame"] or not cl["server_fin_frame"] or not cl["last_ack_frame"]:
        fail("close: %s" % cl)
elif what == "summary":
    if len(summ) != 1 or recs[-1]["type"] != "summary":
        fail("one summary record, last")
elif what == "drops":
    s = summ[-1]
    cap = s.get("capture")
    if not isinstance(cap, dict) or not all(isinstance(cap.get(k), int)
                                            for k in ("received", "kernel_drop", "if_drop")):
        fail("summary has no capture.{received,kernel_drop,if_drop} (needs the src/format "
             "patch described in docs/live.md): %s" % sorted(s))
EOF
for what in conn handshake http close summary drops; do
    check "jsonl -i: $what of curl's connection" python3 "$T/check.py" "$T/jsonl.out" "$cport" "$what"
done
check "stderr: kernel drop counts at the end" \
    grep -Eq "^synfin: $SF_IFACE: [0-9]+ packets received by filter, [0-9]+ dropped by kernel, [0-9]+ dropped by interface$" "$T/jsonl.err"
check "text -i: handshake, GET, 200 and the close of the connection" \
    bash -c "grep -q 'the 3-way handshake is complete' '$T/text.out' && grep -q 'GET /page.html' '$T/text.out' &&
             grep -q '200 OK' '$T/text.out' && grep -Eq 'close: +(3|4)-way close' '$T/text.out' &&
             grep -q 'client 192.0.2.1:$cport -> server 192.0.2.2:80' '$T/text.out'"

# -w: the saved capture, written by nobody after the drop, gives the same connection.
check "-w: the file belongs to nobody" test "$(stat -c %U "$T/w/cap.pcap")" = nobody
"$SYNFIN" -F jsonl -r "$T/w/cap.pcap" >"$T/replay.out" 2>"$T/replay.err" || true
check "-w: reading the saved file gives the same connection" \
    python3 "$T/check.py" "$T/replay.out" "$cport" conn

# Errors: one line each, exit 1.
one_line_exit1() {  # one_line_exit1 REGEX CMD...
    local re=$1 rc=0; shift
    "$@" >"$T/e.out" 2>"$T/e.err" || rc=$?
    [ "$rc" = 1 ] && [ "$(wc -l <"$T/e.err")" = 1 ] && grep -Eq "$re" "$T/e.err" && return 0
    echo "exit $rc, stderr: $(cat "$T/e.err")"
    return 1
}
check "non-root -i: one-line permission message, exit 1" one_line_exit1 \
    "^synfin: $SF_IFACE: you don't have permission to capture \(run as root or give the binary CAP_NET_RAW,CAP_NET_ADMIN: setcap cap_net_raw,cap_net_admin=eip .*synfin\)$" \
    ip netns exec "$SF_SRV" setpriv --reuid=65534 --regid=65534 --clear-groups "$SYNFIN" -i "$SF_IFACE"
check "-Z with an unknown user: one line, exit 1" one_line_exit1 "no such user" \
    ip netns exec "$SF_SRV" "$SYNFIN" -i "$SF_IFACE" -Z sf-no-such-user-$$
check "-i with an unknown interface: one line, exit 1" one_line_exit1 "no such interface" \
    ip netns exec "$SF_SRV" "$SYNFIN" -i sfnope0

# -c N works live: stops by itself after N frames.
start_synfin count -i "$SF_IFACE" -F summary -c 3 tcp port 80
sf_ns_exec "$SF_CLI" curl -sS --max-time 10 -o /dev/null "http://$SF_SRV4/page.html"
check "-c 3 live: exits by itself after 3 frames" bash -c "
    for i in \$(seq 1 50); do kill -0 ${SF_PIDS[count]} 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
wait "${SF_PIDS[count]}" 2>/dev/null || true
unset "SF_PIDS[count]"

[ "$nfail" = 0 ]
