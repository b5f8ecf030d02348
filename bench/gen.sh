#!/usr/bin/env bash
# bench/gen.sh - generate the benchmark captures into bench/data/ (git-ignored).
#
#   bench/gen.sh [--force] [--quick] [PROFILE...]     PROFILE: bulk many (default both)
#
#   bulk   4 HTTP downloads (250+250+200+200 MiB) from nginx, 2 at a time,
#          each its own TCP connection       -> bench/data/bulk.pcap   (~1 GB)
#   many   100,000 short connections, one small GET each (client sends
#          "Connection: close", nginx keepalive_timeout 0, server closes first)
#                                            -> bench/data/many.pcap
#   tls    the bulk downloads over HTTPS (nginx TLS 1.3, curl writing its
#          key log)                  -> bench/data/tls.pcap + tls.keys (~1 GB)
#   --quick (or BENCH_QUICK=1): bulk-quick.pcap (2 x 24 MiB, ~50 MB),
#          many-quick.pcap (5,000 connections), tls-quick.pcap (2 x 24 MiB).
#
# Traffic runs only between two network namespaces joined by a veth pair
# (192.0.2.1 -> 192.0.2.2, offloads off so frames are <= 1514 bytes), captured
# with tcpdump -s 0 on the client's veth.  An existing file is kept unless
# --force.  Sizes and counts are fixed; timestamps, ports and ISNs vary.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${BENCH_DATA:-$ROOT/bench/data}
FORCE=0
QUICK=${BENCH_QUICK:-0}
PROFILES=()
for a in "$@"; do
    case $a in
    --force) FORCE=1 ;;
    --quick) QUICK=1 ;;
    bulk | many | tls) PROFILES+=("$a") ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "gen.sh: unknown argument '$a' (try --help)" >&2; exit 2 ;;
    esac
done
[ ${#PROFILES[@]} -gt 0 ] || read -r -a PROFILES <<<"${BENCH_PROFILES:-bulk many}"

# shellcheck source=scripts/netns.sh
. "$ROOT/scripts/netns.sh"

if [ "$QUICK" = 1 ]; then
    SUFFIX=-quick
    BULK_MIB=(24 24)
    MANY_N=5000
else
    SUFFIX=
    BULK_MIB=(250 250 200 200)
    MANY_N=100000
fi
BULK_PAR=2     # bulk downloads running at once
# per-download rate cap (curl --limit-rate): unthrottled, the veth moves
# ~300 MB/s and tcpdump drops packets; 2 x 40 MB/s is kept up with easily
BULK_RATE=${BENCH_BULK_RATE:-40M}
MANY_PAR=4     # curl transfers in flight at once (curl --parallel)

todo=()
for p in "${PROFILES[@]}"; do
    case $p in bulk | many | tls) ;; *) sf_die "unknown profile '$p' (bulk, many, tls)" ;; esac
    f=$DATA/$p$SUFFIX.pcap
    if [ -s "$f" ] && [ "$FORCE" = 0 ]; then
        sf_log "$f exists ($(stat -c %s "$f") bytes), skipping (use --force to regenerate)"
    else
        todo+=("$p")
    fi
done
[ ${#todo[@]} -gt 0 ] || exit 0

sf_need tcpdump tcpdump
sf_need curl curl
sf_need nginx nginx-light
mkdir -p "$DATA"

WORK=$(mktemp -d /tmp/sf-bench.XXXXXX)
SF_LOGDIR=$WORK
# shellcheck disable=SC2016 # expanded at exit by sf_ns_down
SF_EXTRA_CLEANUP='rm -rf "$WORK"; rm -f "$DATA"/.*.partial.pcap'
trap 'sf_ns_down' EXIT # also removes WORK if we stop before sf_ns_up

# payload files: sparse zero-filled, so they cost no disk and are identical
# on every run
mkdir -p "$WORK/www"
for i in "${!BULK_MIB[@]}"; do
    truncate -s "${BULK_MIB[$i]}M" "$WORK/www/bulk-$((i + 1)).bin"
done
{
    printf '<!DOCTYPE html>\n<html><head><title>small</title></head><body>\n'
    for i in $(seq 1 8); do printf '<p>Small page line %d.</p>\n' "$i"; done
    printf '</body></html>\n'
} >"$WORK/www/small.html"
touch -d '2024-01-01 00:00:00 UTC' "$WORK/www"/*

sf_ns_up
# a wide ephemeral range: fewer 4-tuples reused by the 100k connections
ip netns exec "$SF_CLI" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
SF_NGINX_WORKERS=2
# HTTPS on 443 for the tls profile: a self-signed certificate made here
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=synfin.test" \
    -addext "subjectAltName=DNS:synfin.test" -keyout "$WORK/srv.key" -out "$WORK/srv.crt" 2>/dev/null
SF_NGINX_EXTRA="        location = /small.html { keepalive_timeout 0; }
        ssl_certificate $WORK/srv.crt;
        ssl_certificate_key $WORK/srv.key;
        ssl_protocols TLSv1.3;"
sf_nginx_conf "$WORK" "$SF_SRV4:80" "$SF_SRV4:443 ssl"
sf_start_bg nginx "$SF_SRV" nginx -c "$WORK/nginx.conf"
sf_wait_port "$SF_SRV" "$SF_SRV4" 80

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
pcount() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

start_capture() { # NAME FILE
    sf_start_bg "tcpdump-$1" "$SF_CLI" tcpdump -i "$SF_IFACE" -w "$2" -s 0 -n -B 262144 -Z root tcp
    sf_wait_log "tcpdump-$1" 'listening on'
    sleep 0.2
}

stop_capture() { # NAME FILE : bounded wait for the last FIN/ACKs, then stop
    sleep 1
    sf_stop "tcpdump-$1" INT
    local log drops
    log=$(sf_log_of "tcpdump-$1")
    drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$log")
    sf_log "$1: $(grep 'packets captured' "$log" || true); ${drops:-?} dropped by kernel"
    [ "${drops:-0}" = 0 ] || sf_die "$1: tcpdump dropped $drops packets; capture is incomplete"
}

gen_bulk() {
    local out=$DATA/bulk$SUFFIX.pcap tmp=$DATA/.bulk$SUFFIX.partial.pcap i t0 pids=()
    sf_log "bulk: ${#BULK_MIB[@]} downloads of ${BULK_MIB[*]} MiB, $BULK_PAR at a time, each <= $BULK_RATE/s -> $out"
    t0=$(date +%s.%N)
    start_capture bulk "$tmp"
    for i in "${!BULK_MIB[@]}"; do
        ip netns exec "$SF_CLI" timeout 600 curl -sS -o /dev/null --limit-rate "$BULK_RATE" \
            "http://$SF_SRV4/bulk-$((i + 1)).bin" &
        pids+=($!)
        if [ ${#pids[@]} -ge $BULK_PAR ]; then
            wait "${pids[0]}" || sf_die "bulk download failed"
            pids=("${pids[@]:1}")
        fi
    done
    for i in "${pids[@]}"; do wait "$i" || sf_die "bulk download failed"; done
    stop_capture bulk "$tmp"
    mv "$tmp" "$out"
    sf_log "bulk: wrote $out: $(stat -c %s "$out") bytes in $(elapsed "$t0") s"
}

gen_tls() {
    local out=$DATA/tls$SUFFIX.pcap tmp=$DATA/.tls$SUFFIX.partial.pcap keys=$DATA/tls$SUFFIX.keys i t0 pids=()
    sf_log "tls: ${#BULK_MIB[@]} HTTPS downloads of ${BULK_MIB[*]} MiB, $BULK_PAR at a time, each <= $BULK_RATE/s -> $out"
    t0=$(date +%s.%N)
    : >"$keys"
    start_capture tls "$tmp"
    for i in "${!BULK_MIB[@]}"; do
        ip netns exec "$SF_CLI" env SSLKEYLOGFILE="$keys" timeout 600 curl -sS -o /dev/null -k --http1.1 \
            --limit-rate "$BULK_RATE" --resolve "synfin.test:443:$SF_SRV4" "https://synfin.test/bulk-$((i + 1)).bin" &
        pids+=($!)
        if [ ${#pids[@]} -ge $BULK_PAR ]; then
            wait "${pids[0]}" || sf_die "tls download failed"
            pids=("${pids[@]:1}")
        fi
    done
    for i in "${pids[@]}"; do wait "$i" || sf_die "tls download failed"; done
    stop_capture tls "$tmp"
    mv "$tmp" "$out"
    sf_log "tls: wrote $out: $(stat -c %s "$out") bytes, key log $keys, in $(elapsed "$t0") s"
}

gen_many() {
    local out=$DATA/many$SUFFIX.pcap tmp=$DATA/.many$SUFFIX.partial.pcap t0 syns
    sf_log "many: $MANY_N connections, one GET /small.html each, $MANY_PAR in flight -> $out"
    t0=$(date +%s.%N)
    start_capture many "$tmp"
    # one curl process; URL globbing gives exactly MANY_N transfers, and
    # "Connection: close" makes every one of them a new TCP connection
    if ! ip netns exec "$SF_CLI" timeout 900 curl -sS --no-progress-meter --fail \
        -Z --parallel-max "$MANY_PAR" -H 'Connection: close' \
        "http://$SF_SRV4/small.html?n=[1-$MANY_N]" >/dev/null 2>"$WORK/curl-many.err"; then
        head -5 "$WORK/curl-many.err" >&2
        sf_die "many: curl failed"
    fi
    stop_capture many "$tmp"
    syns=$(pcount "$tmp" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn')
    [ "$syns" -ge "$MANY_N" ] || sf_die "many: only $syns SYNs captured, expected $MANY_N"
    mv "$tmp" "$out"
    sf_log "many: wrote $out: $(stat -c %s "$out") bytes, $syns SYNs, in $(elapsed "$t0") s"
}

for p in "${todo[@]}"; do "gen_$p"; done
