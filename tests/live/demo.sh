#!/usr/bin/env bash
# demo.sh - synfin --demo as root (captures its own exchange on lo) and as
# nobody (one-line permission message, then the bundled capture, exit 0).
#
# Prints one "ok ..." / "FAIL ...: detail" line per check (tests/run.sh
# counts each); exits 1 when any failed.  Each run is bounded by timeout(1).
set -euo pipefail
cd "$(dirname "$0")/../.."
SYNFIN=$(realpath "${SYNFIN:-build/synfin}")
T=$(mktemp -d /tmp/synfin-demo-test.XXXXXX)
trap 'rm -rf "$T"' EXIT

nfail=0
check() {
    local what=$1; shift
    local out
    if out=$("$@" 2>&1); then
        echo "ok $what"
    else
        echo "FAIL $what: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-400)"
        nfail=$((nfail + 1))
    fi
}
has() {  # has FILE TEXT... : every TEXT (fixed string) is in FILE
    local f=$1 t; shift
    for t in "$@"; do
        grep -qF -- "$t" "$f" || { echo "missing '$t' in: $(head -c 600 "$f")"; return 1; }
    done
}

if [ "$(id -u)" != 0 ]; then
    echo "FAIL --demo: must run as root (capture on lo)"
    exit 1
fi

rc=0
timeout 60 "$SYNFIN" --demo --color=never >"$T/root.out" 2>"$T/root.err" || rc=$?
check "--demo as root exits 0 (got $rc; $(head -c 200 "$T/root.err"))" test "$rc" = 0
check "--demo: captured on lo, full-size frames" \
    has "$T/root.out" "capture  lo" "the largest 1514 bytes" "largest frame 1514 bytes on the wire"
check "--demo: the handshake" \
    has "$T/root.out" "SYN: the client asks to open a connection" "the 3-way handshake is complete" \
        "client offered MSS 1460"
check "--demo: GET /page.html answered 200 OK, all of it" \
    has "$T/root.out" "HTTP GET /page.html" "200 OK" "body 20399 bytes"
check "--demo: the close" has "$T/root.out" "3-way close (FIN, FIN+ACK, ACK), started by the client"
check "--demo: explained and drawn as a ladder" \
    has "$T/root.out" "↳ SYN, client -> server" "ladder diagram" "═══ connect"
check "--demo: nothing lost by the capture" \
    bash -c "! grep -Eq 'missing|not captured|unseen' '$T/root.out'"

rc=0
timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups "$SYNFIN" --demo --color=never \
    >"$T/nobody.out" 2>"$T/nobody.err" || rc=$?
check "--demo as nobody exits 0 (got $rc)" test "$rc" = 0
check "--demo as nobody: one line on stderr saying why" bash -c "
    [ \$(wc -l <'$T/nobody.err') = 1 ] &&
    grep -q \"^synfin: lo: you don't have permission to capture (run as root or give the binary CAP_NET_RAW,CAP_NET_ADMIN: setcap cap_net_raw,cap_net_admin=eip .*synfin)\$\" '$T/nobody.err' ||
    { cat '$T/nobody.err'; exit 1; }"
check "--demo as nobody: explains the bundled capture" \
    has "$T/nobody.out" "http-get-segmented.pcap" "the 3-way handshake is complete" "HTTP GET /page.html" \
        "200 OK" "3-way close"

[ "$nfail" = 0 ]
