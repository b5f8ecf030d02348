#!/usr/bin/env bash
# scripts/make-impaired-captures.sh - regenerate the impaired TCP captures in
# captures/ (tcp-*.pcap): real Linux stacks, impairment made deterministic.
#
#   sudo scripts/make-impaired-captures.sh [NAME...]    (default: all)
#
#   tcp-loss-retransmit   the 5th server data segment dropped once by the relay
#                         (+ tcp-loss-retransmit-server-side.pcap, same run)
#   tcp-reorder           server data segments 5 and 6 swapped by the relay
#   tcp-delay             40 ms added each way by the relay (RTT ~80 ms)
#   tcp-zero-window       slow reader with SO_RCVBUF=2048 (direct veth)
#   tcp-syn-dropped       nftables drops the first two SYNs (direct veth)
#
# The relayed cases use three namespaces (scripts/netns.sh sf_ns3_up):
# client 192.0.2.1 - middle (192.0.2.254 | 198.51.100.254, ip_forward=0) -
# server 198.51.100.2, with scripts/relay.py in the middle carrying every
# packet.  The direct cases use sf_ns_up (client 192.0.2.1, server 192.0.2.2).
# curl (or scripts/http_client.py) talks to nginx on port 80; tcpdump records
# on the client's veth.  Congestion control is reno in the namespaces.
# Every step is bounded; the whole run takes about 20 s.  Each file is checked
# with tshark (the expected analysis flags must be there) before it replaces
# the old one in captures/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CAPTURES_DIR:-$ROOT/captures}
RELAYED=(tcp-loss-retransmit tcp-reorder tcp-delay)
DIRECT=(tcp-zero-window tcp-syn-dropped)
ALL=("${RELAYED[@]}" "${DIRECT[@]}")
SYN_DROPS=2       # SYNs dropped by nftables in tcp-syn-dropped
DROP_SEG=5        # tcp-loss-retransmit: the dropped server data segment
SWAP_SEG=5        # tcp-reorder: this one is sent after the next one
REORDER_DELAY=5   # ms each way in tcp-reorder (so the iRTT > the swap gap)
DELAY_MS=40       # ms each way in tcp-delay
BUDGET=60         # seconds for the whole script

# shellcheck source=scripts/netns.sh
. "$ROOT/scripts/netns.sh"

names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
for n in "${names[@]}"; do
    case " ${ALL[*]} " in *" $n "*) ;; *) sf_die "unknown capture '$n' (known: ${ALL[*]})" ;; esac
done
want() { case " ${names[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

sf_need tcpdump tcpdump
sf_need curl curl
sf_need nginx nginx-light
sf_need tshark tshark
sf_need python3 python3
if want tcp-syn-dropped; then sf_need nft nftables; fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

WORK=$(mktemp -d /tmp/sf-impaired.XXXXXX)
SF_LOGDIR=$WORK
# shellcheck disable=SC2016 # expanded at exit by sf_ns_down
SF_EXTRA_CLEANUP='if [ -n "${SF_KEEP_WORK:-}" ]; then sf_log "kept $WORK"; else rm -rf "$WORK"; fi'
trap 'sf_ns3_down' EXIT # also removes WORK if we stop before the namespaces
mkdir -p "$OUT"
T0=$SECONDS
budget() { [ $((SECONDS - T0)) -lt "$BUDGET" ] || sf_die "over the ${BUDGET}s budget"; }

# --- deterministic site ----------------------------------------------------
make_site() {
    mkdir -p "$WORK/www"
    # data.txt: 102,400 bytes, 1600 numbered 64-byte lines, same every run
    awk 'BEGIN { for (i = 1; i <= 1600; i++)
        printf "line %05d of the synfin impaired-capture download, padding....\n", i }' \
        >"$WORK/www/data.txt"
    [ "$(stat -c %s "$WORK/www/data.txt")" = 102400 ] || sf_die "data.txt has the wrong size"
    touch -d '2024-01-01 00:00:00 UTC' "$WORK/www"/*
}

start_nginx() {
    SF_NGINX_EXTRA=''
    sf_nginx_conf "$WORK" 80
    sf_start_bg nginx "$SF_SRV" nginx -c "$WORK/nginx.conf"
    sf_wait_port "$SF_SRV" '0.0.0.0' 80
}

# set_cc NS... : congestion control "reno" in the namespaces.  A new namespace
# inherits the host's default (bbr here: paced sending); only algorithms in
# the host's tcp_allowed_congestion_control may be chosen inside one, and reno
# always is.  Reno has no pacing and the same slow start as cubic minus
# HyStart, so the same run gives the same segment pattern on any host.
set_cc() {
    local ns
    for ns in "$@"; do ip netns exec "$ns" sysctl -qw net.ipv4.tcp_congestion_control=reno; done
}

pcount() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

# capture NAME SERVER_SIDE(0|1) CMD... : tcpdump on the client's veth (and
# the server's if SERVER_SIDE=1) around CMD run in the client namespace, then
# wait (bounded, 5 s) for two FINs or an RST.
capture() {
    local name=$1 srvside=$2; shift 2
    local f=$WORK/$name.pcap fs=$WORK/$name-server-side.pcap i
    sf_start_bg "tcpdump-cli" "$SF_CLI" tcpdump -i "$SF_IFACE" -w "$f" -U -s 0 -n -Z root tcp
    sf_wait_log "tcpdump-cli" 'listening on'
    if [ "$srvside" = 1 ]; then
        sf_start_bg "tcpdump-srv" "$SF_SRV" tcpdump -i "$SF_IFACE" -w "$fs" -U -s 0 -n -Z root tcp
        sf_wait_log "tcpdump-srv" 'listening on'
    fi
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
    sleep 0.3 # the last ACK after the second FIN
    local t
    for t in tcpdump-cli tcpdump-srv; do
        [ -n "${SF_PIDS[$t]:-}" ] || continue
        sf_stop "$t" INT
        if grep -q '[1-9][0-9]* packets dropped by kernel' "$(sf_log_of "$t")"; then
            sf_die "$name: tcpdump ($t) dropped packets"
        fi
    done
}

# expert FILE : "frame<TAB>flags<TAB>expert messages" for every frame
expert() {
    tshark -r "$1" -T fields -E 'aggregator=|' -e frame.number -e tcp.analysis.flags \
        -e _ws.expert.message 2>"$WORK/tshark.err" ||
        { grep -v 'Running as user' "$WORK/tshark.err" >&2; sf_die "tshark failed on $1"; }
}

# expect NAME FILE MESSAGE... : each MESSAGE (fixed string) must be in an
# expert message of FILE, or fail
expect() {
    local name=$1 f=$2 m; shift 2
    expert "$f" >"$WORK/expert.txt"
    for m in "$@"; do
        grep -qF -- "$m" "$WORK/expert.txt" ||
            { cat "$WORK/expert.txt" >&2; sf_die "$name: tshark shows no '$m'"; }
    done
}

# flag_summary FILE : count of each analysis expert message
flag_summary() {
    expert "$1" | cut -f3 | tr '|' '\n' | grep -vE '^$|^Connection (establish|finish|reset)' |
        sed -E 's/\(#[0-9]+\)/(#N)/' | sort | uniq -c | sed 's/^/    /' >&2 || true
}

# shape NAME FILE SYN FIN RST : exact counts of SYN-only, FIN and RST frames
shape() {
    local name=$1 f=$2 got
    got="syn=$(pcount "$f" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn')"
    got+=" fin=$(pcount "$f" 'tcp[tcpflags] & tcp-fin != 0')"
    got+=" rst=$(pcount "$f" 'tcp[tcpflags] & tcp-rst != 0')"
    [ "$got" = "syn=$3 fin=$4 rst=$5" ] || sf_die "$name: got $got, want syn=$3 fin=$4 rst=$5"
}

# keep NAME FILE : move FILE to captures/NAME.pcap, report it
keep() {
    local size
    size=$(stat -c %s "$2")
    [ "$size" -lt 300000 ] || sf_die "$1: $size bytes, too big"
    mv "$2" "$OUT/$1.pcap"
    sf_log "wrote $OUT/$1.pcap ($size bytes, $(pcount "$OUT/$1.pcap" '') packets); analysis:"
    flag_summary "$OUT/$1.pcap"
}

start_relay() {
    sf_start_bg relay "$SF_MID" "$PY" "$ROOT/scripts/relay.py" \
        --a "$SF3_MID_C" --a-net 192.0.2.0/24 --a-mac "$SF3_CLI_MAC" \
        --b "$SF3_MID_S" --b-net 198.51.100.0/24 --b-mac "$SF3_SRV_MAC" \
        --max-seconds 25 "$@"
    sf_wait_log relay 'relay: ready'
}

# stop_relay NAME REGEX : stop the relay; its log must match REGEX and show
# no kernel drops on its packet sockets
stop_relay() {
    local log
    log=$(sf_log_of relay)
    sf_stop relay TERM
    sed 's/^/    /' "$log" >&2
    grep -Eq "$2" "$log" || sf_die "$1: relay log lacks /$2/"
    grep -Eq 'kernel drops vc 0 vs 0$' "$log" || sf_die "$1: the relay's sockets dropped frames"
}

CURL=(curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{size_download} bytes %{time_total}s\n')

make_one() {
    local n=$1 f=$WORK/$1.pcap
    budget
    case $n in
    tcp-loss-retransmit)
        # classic loss recovery on the server: fast retransmit after three
        # duplicate ACKs (with RACK, the default, one SACK is enough here)
        ip netns exec "$SF_SRV" sysctl -qw net.ipv4.tcp_recovery=0
        start_relay --drop-data "$DROP_SEG"
        capture "$n" 1 "${CURL[@]}" "http://$SF3_SRV4/data.txt"
        ip netns exec "$SF_SRV" sysctl -qw net.ipv4.tcp_recovery=1
        stop_relay "$n" "dropped .*data segment #$DROP_SEG "
        shape "$n" "$f" 1 2 0
        expect "$n" "$f" 'Previous segment(s) not captured' 'Duplicate ACK' 'retransmission'
        expect "$n" "$WORK/$n-server-side.pcap" 'Duplicate ACK' 'retransmission'
        keep "$n" "$f"
        keep "$n-server-side" "$WORK/$n-server-side.pcap"
        ;;
    tcp-reorder)
        start_relay --swap-data "$SWAP_SEG" --delay-ms "$REORDER_DELAY"
        capture "$n" 0 "${CURL[@]}" "http://$SF3_SRV4/data.txt"
        stop_relay "$n" "sent .*data segment #$((SWAP_SEG + 1)) .*first"
        shape "$n" "$f" 1 2 0
        expect "$n" "$f" 'Previous segment(s) not captured' 'out-of-order'
        keep "$n" "$f"
        ;;
    tcp-delay)
        start_relay --delay-ms "$DELAY_MS"
        capture "$n" 0 "${CURL[@]}" "http://$SF3_SRV4/data.txt"
        stop_relay "$n" 'impairments 0'
        shape "$n" "$f" 1 2 0
        local irtt
        irtt=$(tshark -r "$f" 2>/dev/null -Y 'tcp.analysis.initial_rtt' -T fields -e tcp.analysis.initial_rtt | head -n 1)
        sf_log "$n: iRTT $irtt s"
        awk -v r="$irtt" -v d="$DELAY_MS" 'BEGIN { exit !(r >= 2 * d / 1000 && r < 2 * d / 1000 + 0.02) }' ||
            sf_die "$n: iRTT $irtt s, want about $((2 * DELAY_MS)) ms"
        keep "$n" "$f"
        ;;
    tcp-zero-window)
        # reads 1024 B every 4 ms, and stalls 600 ms at the start and after
        # each 32 KiB: the 4 KiB buffer fills, the window closes, and the
        # server's persist timer probes (Linux probes with a zero-length
        # segment at snd_una-1, which tshark calls a keep-alive)
        # no tail loss probe on the server: the client's delayed ACKs would
        # otherwise now and then draw a spurious retransmission (+ D-SACK)
        ip netns exec "$SF_SRV" sysctl -qw net.ipv4.tcp_early_retrans=0
        capture "$n" 0 "$PY" "$ROOT/scripts/http_client.py" slowread "$SF_SRV4" 80 /data.txt \
            --rcvbuf 2048 --read-size 1024 --read-gap-ms 4 --stall-every 32768 --stall-ms 600 \
            --max-seconds 8
        ip netns exec "$SF_SRV" sysctl -qw net.ipv4.tcp_early_retrans=3
        shape "$n" "$f" 1 2 0
        expect "$n" "$f" 'TCP Zero Window segment' 'TCP keep-alive segment' 'TCP window update' \
            'TCP window specified by the receiver is now completely full'
        keep "$n" "$f"
        ;;
    tcp-syn-dropped)
        # the first SYN from the client is dropped (set seen1), the second too
        # (set seen2) when SYN_DROPS=2, later ones pass: counted, not timed
        local rules="        tcp dport 80 tcp flags & (syn | ack) == syn ip saddr @seen$SYN_DROPS accept"
        local k
        for ((k = SYN_DROPS; k >= 2; k--)); do
            rules+=$'\n'"        tcp dport 80 tcp flags & (syn | ack) == syn ip saddr @seen$((k - 1)) add @seen$k { ip saddr } counter drop"
        done
        rules+=$'\n'"        tcp dport 80 tcp flags & (syn | ack) == syn add @seen1 { ip saddr } counter drop"
        {
            echo "table inet sfsyn {"
            for ((k = 1; k <= SYN_DROPS; k++)); do
                echo "    set seen$k { type ipv4_addr; size 16; flags dynamic; }"
            done
            echo "    chain input {"
            echo "        type filter hook input priority 0; policy accept;"
            echo "$rules"
            echo "    }"
            echo "}"
        } >"$WORK/syn.nft"
        ip netns exec "$SF_SRV" nft -f "$WORK/syn.nft"
        capture "$n" 0 "${CURL[@]}" "http://$SF_SRV4/data.txt"
        ip netns exec "$SF_SRV" nft list table inet sfsyn >"$WORK/syn.list"
        [ "$(grep -o 'counter packets [0-9]*' "$WORK/syn.list" | awk '{ s += $3 } END { print s }')" = "$SYN_DROPS" ] ||
            { cat "$WORK/syn.list" >&2; sf_die "$n: nftables did not drop exactly $SYN_DROPS SYNs"; }
        ip netns exec "$SF_SRV" nft delete table inet sfsyn
        shape "$n" "$f" $((SYN_DROPS + 1)) 2 0
        expect "$n" "$f" 'retransmission'
        keep "$n" "$f"
        ;;
    esac
}

make_site
direct=() relayed=()
for n in "${names[@]}"; do
    case " ${DIRECT[*]} " in *" $n "*) direct+=("$n") ;; *) relayed+=("$n") ;; esac
done
if [ ${#direct[@]} -gt 0 ]; then
    sf_log "direct veth: ${direct[*]}"
    sf_ns_up
    trap 'sf_ns3_down' EXIT
    set_cc "$SF_CLI" "$SF_SRV"
    start_nginx
    for n in "${direct[@]}"; do make_one "$n"; done
    # take this topology down, keep WORK for the next one
    save=$SF_EXTRA_CLEANUP
    SF_EXTRA_CLEANUP=''
    sf_ns_down || true
    set -e
    SF_EXTRA_CLEANUP=$save
fi
if [ ${#relayed[@]} -gt 0 ]; then
    sf_log "through relay.py: ${relayed[*]}"
    sf_ns3_up
    set_cc "$SF_CLI" "$SF_SRV"
    start_nginx
    for n in "${relayed[@]}"; do make_one "$n"; done
fi
sf_log "done in $((SECONDS - T0)) s: ${names[*]}"
