#!/usr/bin/env bash
# scripts/make-captures.sh - regenerate the small captures shipped in captures/.
#
#   sudo scripts/make-captures.sh [NAME...]     (default: all)
#
# Each capture is real traffic between curl (client namespace, 192.0.2.1 /
# 2001:db8::1) and nginx (server namespace, 192.0.2.2 / 2001:db8::2) over a
# veth pair with offloads off, recorded by tcpdump on the client's veth.
# Nothing leaves the machine; namespaces and processes are removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CAPTURES_DIR:-$ROOT/captures}
ALL=(http-get-segmented http-keepalive-3get http-refused http-server-close http-ipv6)

# shellcheck source=scripts/netns.sh
. "$ROOT/scripts/netns.sh"

names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
for n in "${names[@]}"; do
    case " ${ALL[*]} " in *" $n "*) ;; *) sf_die "unknown capture '$n' (known: ${ALL[*]})" ;; esac
done

sf_need tcpdump tcpdump
sf_need curl curl
sf_need nginx nginx-light

WORK=$(mktemp -d /tmp/sf-captures.XXXXXX)
SF_LOGDIR=$WORK
# shellcheck disable=SC2016 # expanded at exit by sf_ns_down
SF_EXTRA_CLEANUP='rm -rf "$WORK"'
trap 'sf_ns_down' EXIT # also removes WORK if we stop before sf_ns_up
mkdir -p "$OUT"

# --- deterministic site ----------------------------------------------------
make_site() {
    local www=$WORK/www i
    mkdir -p "$www"
    # page.html: ~20 KB, same bytes every run
    {
        printf '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>synfin test page</title></head>\n<body>\n<h1>synfin test page</h1>\n'
        for ((i = 1; i <= 270; i++)); do
            printf '<p id="p%03d">Paragraph %03d of the synfin segmented page; padding text.</p>\n' "$i" "$i"
        done
        printf '</body>\n</html>\n'
    } >"$www/page.html"
    printf '<!DOCTYPE html>\n<html><head><title>index</title></head><body><p>synfin index</p></body></html>\n' >"$www/index.html"
    {
        printf 'body { font-family: sans-serif; }\n'
        for ((i = 1; i <= 40; i++)); do printf '.c%02d { margin: %dpx; }\n' "$i" "$i"; done
    } >"$www/style.css"
    {
        printf '<!DOCTYPE html>\n<html><head><title>close</title></head><body>\n'
        for ((i = 1; i <= 60; i++)); do
            printf '<p>Line %02d: the server closes this connection first.</p>\n' "$i"
        done
        printf '</body></html>\n'
    } >"$www/close.html"
    # fixed mtime -> fixed Last-Modified and ETag headers
    touch -d '2024-01-01 00:00:00 UTC' "$www"/*
}

start_nginx() {
    SF_NGINX_EXTRA='        location = /close.html { keepalive_timeout 0; }'
    sf_nginx_conf "$WORK" "$SF_SRV4:80" "[$SF_SRV6]:80"
    sf_start_bg nginx "$SF_SRV" nginx -c "$WORK/nginx.conf"
    sf_wait_port "$SF_SRV" "$SF_SRV4" 80
}

# count packets in FILE matching a tcpdump FILTER
pcount() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

# capture NAME CMD... : tcpdump around CMD (run in the client namespace), then
# wait (bounded, 5 s) for the connection to finish: >= 2 FINs (or an RST).
capture() {
    local name=$1; shift
    local file=$WORK/$name.pcap i
    sf_start_bg "tcpdump-$name" "$SF_CLI" tcpdump -i "$SF_IFACE" -w "$file" -U -s 0 -n -Z root tcp
    sf_wait_log "tcpdump-$name" 'listening on'
    sleep 0.2
    sf_log "$name: $*"
    timeout 20 ip netns exec "$SF_CLI" "$@" || true
    for ((i = 0; i < 50; i++)); do
        if [ "$(pcount "$file" 'tcp[tcpflags] & tcp-rst != 0 or ip6[13+40] & 4 != 0')" -ge 1 ] ||
            [ "$(pcount "$file" 'tcp[tcpflags] & tcp-fin != 0 or ip6[13+40] & 1 != 0')" -ge 2 ]; then
            break
        fi
        sleep 0.1
    done
    sleep 0.3 # the last ACK after the second FIN
    sf_stop "tcpdump-$name" INT
    if grep -q '[1-9][0-9]* packets dropped by kernel' "$(sf_log_of "tcpdump-$name")"; then
        sf_die "$name: tcpdump dropped packets"
    fi
    check "$name" "$file"
    mv "$file" "$OUT/$name.pcap"
    sf_log "wrote $OUT/$name.pcap ($(stat -c %s "$OUT/$name.pcap") bytes, $(pcount "$OUT/$name.pcap" '') packets)"
}

# check NAME FILE : the shape each capture must have, or fail
check() {
    local name=$1 f=$2 syn fin rst full
    syn=$(pcount "$f" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn or ip6[13+40] & 0x12 == 2')
    fin=$(pcount "$f" 'tcp[tcpflags] & tcp-fin != 0 or ip6[13+40] & 1 != 0')
    rst=$(pcount "$f" 'tcp[tcpflags] & tcp-rst != 0 or ip6[13+40] & 4 != 0')
    full=$(pcount "$f" 'len == 1514')
    local want
    want="syn=1 fin=2 rst=0"
    [ "$name" != http-refused ] || want="syn=1 fin=0 rst=1"
    [ "syn=$syn fin=$fin rst=$rst" = "$want" ] ||
        sf_die "$name: got syn=$syn fin=$fin rst=$rst, want $want"
    case $name in
    http-get-segmented | http-keepalive-3get | http-ipv6)
        [ "$full" -ge 10 ] || sf_die "$name: only $full full-size (1514-byte) frames" ;;
    esac
}

CURL=(curl -sS --max-time 10 -o /dev/null)
U4=http://$SF_SRV4
U6="http://[$SF_SRV6]"

make_one() {
    case $1 in
    http-get-segmented) capture "$1" "${CURL[@]}" "$U4/page.html" ;;
    http-keepalive-3get)
        capture "$1" curl -sS --max-time 10 -o /dev/null -o /dev/null -o /dev/null \
            "$U4/index.html" "$U4/page.html" "$U4/style.css" ;;
    http-refused) capture "$1" "${CURL[@]}" "$U4:81/page.html" ;;
    http-server-close) capture "$1" "${CURL[@]}" "$U4/close.html" ;;
    http-ipv6) capture "$1" "${CURL[@]}" -g "$U6/page.html" ;;
    *) sf_die "unknown capture '$1' (known: ${ALL[*]})" ;;
    esac
}


make_site
sf_ns_up
start_nginx
for n in "${names[@]}"; do make_one "$n"; done
sf_log "done: ${names[*]}"
