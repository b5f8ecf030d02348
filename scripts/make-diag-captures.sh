#!/usr/bin/env bash
# scripts/make-diag-captures.sh - regenerate the captures that show each
# diagnosis (docs/diagnosis.md) on real Linux stacks: captures/diag/*.pcap.
#
#   sudo scripts/make-diag-captures.sh [NAME...]    (default: all)
#
#   diag-nagle-delack     5 keep-alive POSTs, each written as headers then a
#                         300-byte body, Nagle on: the body waits for the
#                         server's delayed ACK (~40 ms) of the headers
#   diag-nagle-nodelay    the same with TCP_NODELAY: no wait
#   diag-rto              the relay drops the only data segment of a response;
#                         tail-loss probes off on the server, so its
#                         retransmission timer resends it (server-side capture)
#   diag-sender-limited   the server writes its body in three pieces 300 ms
#                         apart with everything ACKed
#   diag-small-rcvbuf     SO_RCVBUF=4096 on a client that reads at once, 10 ms
#                         each way: the server's bytes in flight stay pinned at
#                         the client's 2,920-byte window (no zero window)
#   diag-congestion       10 ms each way, the relay drops data segment #60 of a
#                         250 KB body (in slow start's third round); the
#                         server (reno, tcp_recovery=0) fast-retransmits and
#                         halves its window (server-side capture)
#   diag-bufferbloat      the relay forwards towards the client at 8 Mbit/s
#                         through a queue that never drops; 250 KB: the
#                         server's RTT grows as the queue fills (server-side)
#
# Topology: scripts/netns.sh sf_ns3_up (client 192.0.2.1 - relay - server
# 198.51.100.2), scripts/relay.py in the middle namespace carrying every
# packet (impairing only where said), scripts/http_server.py on port 8080 and
# scripts/http_client.py or curl as the client.  Congestion control reno.
# tcpdump records on the client's veth (and the server's for the two
# server-side cases).  Every wait is bounded (the whole run ~25 s); each
# file is checked with tshark before it replaces the old one.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CAPTURES_DIR:-$ROOT/captures/diag}
ALL=(diag-nagle-delack diag-nagle-nodelay diag-rto diag-sender-limited diag-small-rcvbuf diag-congestion
    diag-bufferbloat)
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
sf_need tshark tshark
sf_need python3 python3
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

WORK=$(mktemp -d /tmp/sf-diag.XXXXXX)
SF_LOGDIR=$WORK
# shellcheck disable=SC2016 # expanded at exit by sf_ns_down
SF_EXTRA_CLEANUP='if [ -n "${SF_KEEP_WORK:-}" ]; then sf_log "kept $WORK"; else rm -rf "$WORK"; fi'
trap 'sf_ns3_down' EXIT
mkdir -p "$OUT"
T0=$SECONDS
budget() { [ $((SECONDS - T0)) -lt "$BUDGET" ] || sf_die "over the ${BUDGET}s budget"; }
pcount() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

start_relay() {
    sf_start_bg relay "$SF_MID" "$PY" "$ROOT/scripts/relay.py" \
        --a "$SF3_MID_C" --a-net 192.0.2.0/24 --a-mac "$SF3_CLI_MAC" \
        --b "$SF3_MID_S" --b-net 198.51.100.0/24 --b-mac "$SF3_SRV_MAC" \
        --max-seconds 20 "$@"
    sf_wait_log relay 'relay: ready'
}

stop_relay() {
    local log
    log=$(sf_log_of relay)
    sf_stop relay TERM
    sed 's/^/    /' "$log" >&2
    grep -Eq "$2" "$log" || sf_die "$1: relay log lacks /$2/"
    grep -Eq 'kernel drops vc 0 vs 0$' "$log" || sf_die "$1: the relay's sockets dropped frames"
}

# capture NAME CMD... : tcpdump on both veths around CMD (run in the client
# namespace), then wait (bounded, 5 s) for two FINs or an RST
capture() {
    local name=$1; shift
    local f=$WORK/$name.pcap fs=$WORK/$name-server.pcap i t
    sf_start_bg tcpdump-cli "$SF_CLI" tcpdump -i "$SF_IFACE" -w "$f" -U -s 0 -n -Z root tcp
    sf_wait_log tcpdump-cli 'listening on'
    sf_start_bg tcpdump-srv "$SF_SRV" tcpdump -i "$SF_IFACE" -w "$fs" -U -s 0 -n -Z root tcp
    sf_wait_log tcpdump-srv 'listening on'
    sleep 0.2
    sf_log "$name: $*"
    timeout 20 ip netns exec "$SF_CLI" "$@" >"$WORK/$name.client.log" 2>&1 ||
        { cat "$WORK/$name.client.log" >&2; sf_die "$name: client failed"; }
    sf_log "$name: client: $(tail -n 1 "$WORK/$name.client.log")"
    for ((i = 0; i < 50; i++)); do
        if [ "$(pcount "$f" 'tcp[tcpflags] & tcp-rst != 0')" -ge 1 ] ||
            [ "$(pcount "$f" 'tcp[tcpflags] & tcp-fin != 0')" -ge 2 ]; then
            break
        fi
        sleep 0.1
    done
    sleep 0.3
    for t in tcpdump-cli tcpdump-srv; do
        sf_stop "$t" INT
        if grep -q '[1-9][0-9]* packets dropped by kernel' "$(sf_log_of "$t")"; then
            sf_die "$name: tcpdump ($t) dropped packets"
        fi
    done
}

# tshark_has NAME FILE FILTER : at least one frame matches the display filter
tshark_has() {
    [ -n "$(tshark -r "$2" -Y "$3" -T fields -e frame.number 2>/dev/null | head -n 1)" ] ||
        sf_die "$1: no frame matches '$3'"
}
tshark_none() {
    [ -z "$(tshark -r "$2" -Y "$3" -T fields -e frame.number 2>/dev/null | head -n 1)" ] ||
        sf_die "$1: a frame matches '$3'"
}

keep() {
    local size
    size=$(stat -c %s "$2")
    [ "$size" -lt 300000 ] || sf_die "$1: $size bytes, too big"
    [ "$(pcount "$2" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn')" = 1 ] || sf_die "$1: not one SYN"
    mv "$2" "$OUT/$1.pcap"
    sf_log "wrote $OUT/$1.pcap ($size bytes, $(pcount "$OUT/$1.pcap" '') packets)"
}

URL=http://$SF3_SRV4:8080
CLIENT=("$PY" "$ROOT/scripts/http_client.py")

make_one() {
    local n=$1 f=$WORK/$1.pcap fs=$WORK/$1-server.pcap
    budget
    case $n in
    diag-nagle-delack | diag-nagle-nodelay)
        local nd=()
        [ "$n" = diag-nagle-nodelay ] && nd=(--nodelay)
        start_relay
        capture "$n" "${CLIENT[@]}" posts "$SF3_SRV4" 8080 /upload --count 5 --body-bytes 300 \
            --gap-ms 50 --max-seconds 8 "${nd[@]}"
        stop_relay "$n" 'impairments 0'
        # Nagle + delayed ACK shows as a body segment right after a pure ACK
        # that came >= 30 ms after the headers; without it, the body follows
        # the headers at once
        local late
        late=$(tshark -r "$f" -Y 'tcp.srcport == 8080 && tcp.len == 0 && tcp.time_delta >= 0.030' \
            -o tcp.calculate_timestamps:TRUE -T fields -e frame.number 2>/dev/null | wc -l)
        sf_log "$n: $late late server ACKs"
        if [ "$n" = diag-nagle-delack ]; then
            [ "$late" -ge 2 ] || sf_die "$n: the server's ACKs were not delayed"
        fi
        keep "$n" "$f"
        ;;
    diag-rto)
        ip netns exec "$SF_SRV" sysctl -qw net.ipv4.tcp_early_retrans=0
        start_relay --drop-data 1
        capture "$n" curl -sS --max-time 10 -o /dev/null "$URL/missing"
        ip netns exec "$SF_SRV" sysctl -qw net.ipv4.tcp_early_retrans=3
        stop_relay "$n" 'dropped .*data segment #1 '
        tshark_has "$n" "$fs" 'tcp.analysis.retransmission && tcp.len > 0'
        tshark_none "$n" "$fs" 'tcp.analysis.fast_retransmission'
        keep "$n" "$fs"
        ;;
    diag-sender-limited)
        start_relay
        capture "$n" curl -sS --max-time 10 -o /dev/null "$URL/pause"
        stop_relay "$n" 'impairments 0'
        tshark_none "$n" "$f" 'tcp.analysis.flags && !tcp.analysis.window_update'
        keep "$n" "$f"
        ;;
    diag-small-rcvbuf)
        start_relay --delay-ms 10
        capture "$n" "${CLIENT[@]}" slowread "$SF3_SRV4" 8080 /big --rcvbuf 4096 --read-size 65536 \
            --read-gap-ms 0 --stall-every 1000000 --stall-ms 0 --max-seconds 15
        stop_relay "$n" 'impairments 0'
        tshark_none "$n" "$f" 'tcp.analysis.zero_window'
        # the server's bytes in flight reach the client's window (less one
        # full segment) again and again
        local pinned
        pinned=$(tshark -r "$f" -T fields -e tcp.srcport -e tcp.window_size \
            -e tcp.analysis.bytes_in_flight 2>/dev/null |
            awk '$1 != 8080 { w = $2 } $1 == 8080 && $3 != "" && w != "" && $3 + 1448 > w { n++ } END { print n + 0 }')
        sf_log "$n: $pinned segments pinned at the window"
        [ "$pinned" -ge 10 ] || sf_die "$n: the window did not limit the transfer"

        keep "$n" "$f"
        ;;
    diag-congestion)
        ip netns exec "$SF_SRV" sysctl -qw net.ipv4.tcp_recovery=0
        start_relay --drop-data 60 --delay-ms 10
        capture "$n" curl -sS --max-time 10 -o /dev/null "$URL/huge"
        ip netns exec "$SF_SRV" sysctl -qw net.ipv4.tcp_recovery=1
        stop_relay "$n" 'dropped .*data segment #60 '
        # at the sender, tshark calls the resend a retransmission, or
        # out-of-order when it follows new data closer than the iRTT
        tshark_has "$n" "$fs" 'tcp.analysis.duplicate_ack'
        tshark_has "$n" "$fs" 'tcp.analysis.retransmission || tcp.analysis.out_of_order'
        keep "$n" "$fs"
        ;;
    diag-bufferbloat)
        start_relay --rate-kbps 8000
        capture "$n" curl -sS --max-time 10 -o /dev/null "$URL/huge"
        stop_relay "$n" 'impairments 0'
        local maxrtt
        maxrtt=$(tshark -r "$fs" -Y 'tcp.analysis.ack_rtt' -T fields -e tcp.analysis.ack_rtt 2>/dev/null |
            sort -g | tail -n 1)
        sf_log "$n: largest ACK RTT $maxrtt s"
        awk -v r="$maxrtt" 'BEGIN { exit !(r >= 0.05) }' || sf_die "$n: the RTT did not grow"
        tshark_none "$n" "$fs" 'tcp.analysis.retransmission'
        keep "$n" "$fs"
        ;;
    esac
}

sf_ns3_up
for ns in "$SF_CLI" "$SF_SRV"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control=reno; done
sf_start_bg server "$SF_SRV" "$PY" "$ROOT/scripts/http_server.py" 0.0.0.0 8080 --max-seconds 120
sf_wait_log server 'listening on'
for n in "${names[@]}"; do make_one "$n"; done
sf_log "done in $((SECONDS - T0)) s: ${names[*]}"
