#!/usr/bin/env bash
# scripts/make-h2-captures.sh - regenerate the cleartext HTTP/2 (h2c) captures
# in captures/h2/ (issue 11's test inputs).
#
#   sudo scripts/make-h2-captures.sh [NAME...]     (default: all)
#
#   h2c-prior-knowledge  curl --http2-prior-knowledge, one GET (nghttpd)
#   h2c-upgrade          curl --http2 on http://: Upgrade: h2c -> 101, stream 1
#   h2c-concurrent       nghttp, 6 GETs on streams 1..11 of one connection
#   h2c-large            curl prior knowledge, a 256 KiB body in many DATA frames
#   h2c-small-window     nghttp -w 12 -W 12 (4 KiB windows), 64 KiB body: the
#                        server stalls until each client WINDOW_UPDATE
#   h2c-ping-rst-goaway  scripts/h2_raw_client.py: PING/ACK, RST_STREAM(CANCEL)
#                        of stream 1, WINDOW_UPDATE, stream 3, GOAWAY
#
# Same network as make-http-captures.sh (scripts/netns.sh sf_ns_up: client
# 192.0.2.1, server 192.0.2.2, MTU 1500, offloads off); nghttpd --no-tls on
# port 8080 serves a deterministic site (nghttpx on 8082 for the Upgrade); tcpdump records on the client's veth.
# Each file is checked with tshark (the HTTP/2 frame types and paths it must
# show; tests/tools/check_tls_captures.py checks them again) before it
# replaces the old one.  Every step is bounded.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CAPTURES_DIR:-$ROOT/captures/h2}
ALL=(h2c-prior-knowledge h2c-upgrade h2c-concurrent h2c-large h2c-small-window h2c-ping-rst-goaway)
BUDGET=90

# shellcheck source=scripts/netns.sh
. "$ROOT/scripts/netns.sh"

names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
for n in "${names[@]}"; do
    case " ${ALL[*]} " in *" $n "*) ;; *) sf_die "unknown capture '$n' (known: ${ALL[*]})" ;; esac
done

sf_need tcpdump tcpdump
sf_need curl curl
sf_need nghttpd nghttp2-server
sf_need nghttp nghttp2-client
sf_need nghttpx nghttp2-proxy
sf_need tshark tshark
sf_need python3 python3
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

WORK=$(mktemp -d /tmp/sf-h2.XXXXXX)
SF_LOGDIR=$WORK
# shellcheck disable=SC2016 # expanded at exit by sf_ns_down
SF_EXTRA_CLEANUP='if [ -n "${SF_KEEP_WORK:-}" ]; then sf_log "kept $WORK"; else rm -rf "$WORK"; fi'
trap 'sf_ns_down' EXIT
mkdir -p "$OUT"
T0=$SECONDS
budget() { [ $((SECONDS - T0)) -lt "$BUDGET" ] || sf_die "over the ${BUDGET}s budget"; }

# --- deterministic site (same bytes every run) -----------------------------
make_site() {
    local www=$WORK/www i
    mkdir -p "$www"
    printf '<!DOCTYPE html>\n<html><head><title>index</title></head><body><p>synfin h2 index</p></body></html>\n' >"$www/index.html"
    for i in 1 2 3 4 5 6; do
        "$PY" -c "import sys; sys.stdout.write(''.join('asset $i line %04d\n' % k for k in range(40*$i)))" >"$www/a$i.txt"
    done
    # 256 KiB and 64 KiB of a fixed pseudo-random stream (incompressible, fixed)
    "$PY" -c "import random,sys; r=random.Random(11); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(262144)))" >"$www/large.bin"
    head -c 65536 "$www/large.bin" >"$www/medium.bin"
}

pcount() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

# capture NAME CMD... : tcpdump on the client's veth around CMD (client ns),
# then wait (bounded, 5 s) for two FINs or an RST.
capture() {
    local name=$1; shift
    local f=$WORK/$name.pcap i
    sf_start_bg tcpdump "$SF_CLI" tcpdump -i "$SF_IFACE" -w "$f" -U -s 0 -n -Z root tcp
    sf_wait_log tcpdump 'listening on'
    sleep 0.2
    sf_log "$name: $*"
    timeout 20 ip netns exec "$SF_CLI" "$@" >"$WORK/$name.client.log" 2>&1 ||
        { cat "$WORK/$name.client.log" >&2; sf_die "$name: client failed"; }
    for ((i = 0; i < 50; i++)); do
        if [ "$(pcount "$f" 'tcp[tcpflags] & tcp-rst != 0')" -ge 1 ] ||
            [ "$(pcount "$f" 'tcp[tcpflags] & tcp-fin != 0')" -ge 2 ]; then
            break
        fi
        sleep 0.1
    done
    sleep 0.3
    sf_stop tcpdump INT
    if grep -q '[1-9][0-9]* packets dropped by kernel' "$(sf_log_of tcpdump)"; then
        sf_die "$name: tcpdump dropped packets"
    fi
}

# h2_types FILE : the distinct HTTP/2 frame types tshark decodes, sorted
h2_types() {
    tshark -o tcp.reassemble_out_of_order:TRUE -d tcp.port==8080,http2 -d tcp.port==8082,http -r "$1" -Y http2 \
        -T fields -e http2.type 2>/dev/null | tr ',' '\n' | sort -un | tr '\n' ' '
}

# check NAME FILE TYPE... : every frame type number listed must appear
check() {
    local name=$1 f=$2 t got; shift 2
    got=" $(h2_types "$f")"
    for t in "$@"; do
        case "$got" in *" $t "*) ;; *) sf_die "$name: HTTP/2 frame type $t missing (tshark: $got)" ;; esac
    done
}

keep() {
    local size
    size=$(stat -c %s "$2")
    [ "$size" -lt 1000000 ] || sf_die "$1: $size bytes, too big"
    mv "$2" "$OUT/$1.pcap"
    sf_log "wrote $OUT/$1.pcap ($size bytes, $(pcount "$OUT/$1.pcap" '') packets, h2 types: $(h2_types "$OUT/$1.pcap"))"
}

S=$SF_SRV4
U="http://$S:8080"
CURL=(curl -sS --max-time 10 -o /dev/null -w '%{http_version} %{http_code} %{size_download} bytes\n')
NGHTTP=(nghttp -n -s -t 10)

make_one() {
    local n=$1 f=$WORK/$1.pcap
    budget
    # frame types: 0 DATA 1 HEADERS 3 RST_STREAM 4 SETTINGS 6 PING 7 GOAWAY 8 WINDOW_UPDATE
    case $n in
    h2c-prior-knowledge)
        capture "$n" "${CURL[@]}" --http2-prior-knowledge "$U/index.html"
        check "$n" "$f" 0 1 4
        ;;
    h2c-upgrade)
        # nghttpd does not implement Upgrade; nghttpx (port 8082) does and
        # forwards to nghttpd over h2 inside the server namespace (not captured)
        capture "$n" "${CURL[@]}" --http2 "http://$S:8082/index.html"
        check "$n" "$f" 0 1 4
        grep -q '^2 200' "$WORK/$n.client.log" || sf_die "$n: curl did not upgrade"
        ;;
    h2c-concurrent)
        capture "$n" "${NGHTTP[@]}" "$U/a1.txt" "$U/a2.txt" "$U/a3.txt" "$U/a4.txt" "$U/a5.txt" "$U/a6.txt"
        check "$n" "$f" 0 1 4 7
        ;;
    h2c-large)
        capture "$n" "${CURL[@]}" --http2-prior-knowledge "$U/large.bin"
        check "$n" "$f" 0 1 4 8
        ;;
    h2c-small-window)
        capture "$n" "${NGHTTP[@]}" -w 12 -W 12 "$U/medium.bin"
        check "$n" "$f" 0 1 4 7 8
        ;;
    h2c-ping-rst-goaway)
        capture "$n" "$PY" "$ROOT/scripts/h2_raw_client.py" "$S" 8080 "$S:8080"
        check "$n" "$f" 0 1 3 4 6 7 8
        ;;
    esac
    sf_log "$n: client: $(tail -n 1 "$WORK/$n.client.log")"
    keep "$n" "$f"
}

make_site
sf_ns_up
sf_start_bg nghttpd "$SF_SRV" nghttpd --no-tls -a "$S" -d "$WORK/www" 8080
sf_wait_port "$SF_SRV" "$S" 8080
sf_start_bg nghttpx "$SF_SRV" nghttpx --conf=/dev/null --workers=1 --no-ocsp \
    --frontend="$S,8082;no-tls" --backend="$S,8080;;proto=h2" --log-level=WARN \
    --accesslog-file=/dev/null --errorlog-file="$WORK/nghttpx.err"
sf_wait_port "$SF_SRV" "$S" 8082
for n in "${names[@]}"; do make_one "$n"; done
sf_log "done in $((SECONDS - T0)) s: ${names[*]}"
