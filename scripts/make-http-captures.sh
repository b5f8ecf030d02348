#!/usr/bin/env bash
# scripts/make-http-captures.sh - regenerate the HTTP/1.1 edge-case captures in
# captures/ (http-*.pcap made here; make-captures.sh makes the basic ones).
#
#   sudo scripts/make-http-captures.sh [NAME...]     (default: all)
#
#   http-pipelining        3 GETs in one send() before any response (nginx)
#   http-chunked-trailers  chunked response + trailer fields (http_server.py)
#   http-gzip              Content-Encoding: gzip (nginx gzip, curl --compressed)
#   http-100-continue      curl POST with Expect: 100-continue (http_server.py)
#   http-close-delimited   HTTP/1.0 response, no length, ended by FIN (http_server.py)
#   http-split-request     a GET written 4 bytes per segment (http_client.py)
#   http-big-header        a GET with a ~6 KB Cookie header (curl -> nginx)
#
# Real stacks in two namespaces joined by a veth (scripts/netns.sh sf_ns_up:
# client 192.0.2.1, server 192.0.2.2, MTU 1500, offloads off); nginx on port
# 80, scripts/http_server.py on port 8080; clients are curl or
# scripts/http_client.py.  tcpdump records on the client's veth.  Each file
# is checked with tshark (the requests and responses it must show) before it
# replaces the old one.  Every step is bounded; the whole run takes ~10 s.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CAPTURES_DIR:-$ROOT/captures}
ALL=(http-pipelining http-chunked-trailers http-gzip http-100-continue http-close-delimited
    http-split-request http-big-header)
BUDGET=60 # seconds for the whole script

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
sf_need tshark tshark
sf_need python3 python3
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

WORK=$(mktemp -d /tmp/sf-http.XXXXXX)
SF_LOGDIR=$WORK
# shellcheck disable=SC2016 # expanded at exit by sf_ns_down
SF_EXTRA_CLEANUP='if [ -n "${SF_KEEP_WORK:-}" ]; then sf_log "kept $WORK"; else rm -rf "$WORK"; fi'
trap 'sf_ns_down' EXIT # also removes WORK if we stop before sf_ns_up
mkdir -p "$OUT"
T0=$SECONDS
budget() { [ $((SECONDS - T0)) -lt "$BUDGET" ] || sf_die "over the ${BUDGET}s budget"; }

# --- deterministic site ----------------------------------------------------
make_site() {
    local www=$WORK/www i
    mkdir -p "$www/gz"
    printf '<!DOCTYPE html>\n<html><head><title>index</title></head><body><p>synfin index</p></body></html>\n' >"$www/index.html"
    {
        printf 'body { font-family: sans-serif; }\n'
        for ((i = 1; i <= 40; i++)); do printf '.c%02d { margin: %dpx; }\n' "$i" "$i"; done
    } >"$www/style.css"
    {
        printf '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>synfin test page</title></head>\n<body>\n<h1>synfin test page</h1>\n'
        for ((i = 1; i <= 270; i++)); do
            printf '<p id="p%03d">Paragraph %03d of the synfin segmented page; padding text.</p>\n' "$i" "$i"
        done
        printf '</body>\n</html>\n'
    } >"$www/page.html"
    # gz/words.html: ~48 KB of words drawn by a fixed-seed generator, so gzip
    # leaves ~15 KB (a compressed body over several segments)
    "$PY" - "$www/gz/words.html" <<'EOF'
import random, sys
rng = random.Random(20240101)
words = ("tcp http segment window ack syn fin reset stream header body chunk "
         "trailer gzip deflate capture packet frame retransmission order delay "
         "probe zero keep alive close pipeline request response continue split "
         "cookie server client socket buffer timer sequence number port address").split()
out = ['<!DOCTYPE html>\n<html><head><title>gzip words</title></head><body>\n']
n = 0
while sum(map(len, out)) < 48000:
    n += 1
    out.append('<p>%04d %s.</p>\n' % (n, ' '.join(rng.choice(words) for _ in range(rng.randint(6, 14)))))
out.append('</body></html>\n')
open(sys.argv[1], 'w').write(''.join(out))
EOF
    # the POST body: 3,072 bytes of text
    awk 'BEGIN { for (i = 1; i <= 48; i++) printf "upload line %02d of the synfin 100-continue post.................\n", i }' \
        >"$WORK/upload.txt"
    [ "$(stat -c %s "$WORK/upload.txt")" = 3072 ] || sf_die "upload.txt has the wrong size"
    touch -d '2024-01-01 00:00:00 UTC' "$www"/* "$www"/gz/*
}

start_servers() {
    SF_NGINX_EXTRA='        location /gz/ { gzip on; gzip_comp_level 6; gzip_min_length 256; }'
    sf_nginx_conf "$WORK" "$SF_SRV4:80"
    sf_start_bg nginx "$SF_SRV" nginx -c "$WORK/nginx.conf"
    sf_wait_port "$SF_SRV" "$SF_SRV4" 80
    sf_start_bg pyserver "$SF_SRV" "$PY" "$ROOT/scripts/http_server.py" "$SF_SRV4" 8080 --max-seconds 50
    sf_wait_log pyserver 'listening on'
}

set_cc() {
    local ns
    for ns in "$@"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control=reno; done
}

pcount() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

# capture NAME CMD... : tcpdump on the client's veth around CMD (run in the
# client namespace), then wait (bounded, 5 s) for two FINs or an RST.
capture() {
    local name=$1; shift
    local f=$WORK/$name.pcap i
    sf_start_bg tcpdump "$SF_CLI" tcpdump -i "$SF_IFACE" -w "$f" -U -s 0 -n -Z root tcp
    sf_wait_log tcpdump 'listening on'
    sleep 0.2
    local cmd="$*"
    [ ${#cmd} -le 160 ] || cmd="${cmd:0:160}..."
    sf_log "$name: $cmd"
    timeout 20 ip netns exec "$SF_CLI" "$@" >"$WORK/$name.client.log" 2>&1 ||
        { cat "$WORK/$name.client.log" >&2; sf_die "$name: client failed"; }
    for ((i = 0; i < 50; i++)); do
        if [ "$(pcount "$f" 'tcp[tcpflags] & tcp-rst != 0')" -ge 1 ] ||
            [ "$(pcount "$f" 'tcp[tcpflags] & tcp-fin != 0')" -ge 2 ]; then
            break
        fi
        sleep 0.1
    done
    sleep 0.3 # the last ACK after the second FIN
    sf_stop tcpdump INT
    if grep -q '[1-9][0-9]* packets dropped by kernel' "$(sf_log_of tcpdump)"; then
        sf_die "$name: tcpdump dropped packets"
    fi
}

# http_rows FILE : what tshark's HTTP dissector sees (the brief's command)
http_rows() {
    tshark -o tcp.reassemble_out_of_order:TRUE -r "$1" -Y http -T fields -e tcp.stream \
        -e http.request.method -e http.request.uri -e http.response.code 2>"$WORK/tshark.err" ||
        { grep -v 'Running as user' "$WORK/tshark.err" >&2; sf_die "tshark failed on $1"; }
}

# check NAME FILE EXPECTED : exactly one connection (1 SYN, 2 FINs, no RST),
# no TCP analysis warnings, and tshark's HTTP rows equal EXPECTED
check() {
    local name=$1 f=$2 want=$3 got shape
    shape="syn=$(pcount "$f" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn')"
    shape+=" fin=$(pcount "$f" 'tcp[tcpflags] & tcp-fin != 0')"
    shape+=" rst=$(pcount "$f" 'tcp[tcpflags] & tcp-rst != 0')"
    [ "$shape" = "syn=1 fin=2 rst=0" ] || sf_die "$name: got $shape, want syn=1 fin=2 rst=0"
    got=$(http_rows "$f")
    if [ "$got" != "$want" ]; then
        printf '%s: tshark shows:\n%s\nwant:\n%s\n' "$name" "$got" "$want" >&2
        sf_die "$name: unexpected HTTP requests/responses"
    fi
    local bad
    bad=$(tshark -r "$f" -Y 'tcp.analysis.flags && !tcp.analysis.window_update' 2>/dev/null | wc -l)
    [ "$bad" = 0 ] || sf_log "$name: note: $bad frames with TCP analysis flags"
}

# keep NAME FILE : move FILE to captures/NAME.pcap, report it
keep() {
    local size
    size=$(stat -c %s "$2")
    [ "$size" -lt 300000 ] || sf_die "$1: $size bytes, too big"
    mv "$2" "$OUT/$1.pcap"
    sf_log "wrote $OUT/$1.pcap ($size bytes, $(pcount "$OUT/$1.pcap" '') packets)"
    http_rows "$OUT/$1.pcap" | sed 's/^/    /' >&2
}

S=$SF_SRV4
CURL=(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{size_download} bytes\n')
T=$'\t'

make_one() {
    local n=$1 f=$WORK/$1.pcap want
    budget
    case $n in
    http-pipelining)
        capture "$n" "$PY" "$ROOT/scripts/http_client.py" pipeline "$S" 80 \
            /index.html /page.html /style.css
        want="0${T}GET,GET,GET${T}/index.html,/page.html,/style.css${T}"
        want+=$'\n'"0${T}${T}${T}200"$'\n'"0${T}${T}${T}200"$'\n'"0${T}${T}${T}200"
        ;;
    http-chunked-trailers)
        capture "$n" "${CURL[@]}" "http://$S:8080/chunked"
        want="0${T}GET${T}/chunked${T}"$'\n'"0${T}${T}${T}200"
        ;;
    http-gzip)
        capture "$n" "${CURL[@]}" --compressed "http://$S/gz/words.html"
        want="0${T}GET${T}/gz/words.html${T}"$'\n'"0${T}${T}${T}200"
        ;;
    http-100-continue)
        capture "$n" "${CURL[@]}" -H 'Expect: 100-continue' -H 'Content-Type: text/plain' \
            --data-binary "@$WORK/upload.txt" "http://$S:8080/upload"
        # tshark shows the POST at its last body segment, after the 100
        want="0${T}${T}${T}100"$'\n'"0${T}POST${T}/upload${T}"$'\n'"0${T}${T}${T}200"
        ;;
    http-close-delimited)
        capture "$n" "${CURL[@]}" "http://$S:8080/close"
        want="0${T}GET${T}/close${T}"$'\n'"0${T}${T}${T}200"
        ;;
    http-split-request)
        capture "$n" "$PY" "$ROOT/scripts/http_client.py" split "$S" 80 /index.html \
            --split-bytes 4 --split-gap-ms 4
        want="0${T}GET${T}/index.html${T}"$'\n'"0${T}${T}${T}200"
        ;;
    http-big-header)
        local cookie="" k
        for ((k = 0; k < 150; k++)); do cookie+="${cookie:+; }c$(printf %03d "$k")=$(printf 'v%03d' "$k" "$k" "$k" "$k" "$k" "$k" "$k" "$k")"; done
        capture "$n" "${CURL[@]}" -H "Cookie: $cookie" "http://$S/index.html"
        want="0${T}GET${T}/index.html${T}"$'\n'"0${T}${T}${T}200"
        ;;
    esac
    sf_log "$n: client: $(tail -n 1 "$WORK/$n.client.log")"
    check "$n" "$f" "$want"
    keep "$n" "$f"
}

make_site
sf_ns_up
set_cc "$SF_CLI" "$SF_SRV"
start_servers
for n in "${names[@]}"; do make_one "$n"; done
sf_log "done in $((SECONDS - T0)) s: ${names[*]}"
