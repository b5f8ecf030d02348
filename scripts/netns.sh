# shellcheck shell=bash
# scripts/netns.sh - sourced library: two network namespaces joined by a veth
# pair, for making real TCP/HTTP traffic that never leaves this machine.
#
#   source scripts/netns.sh
#   sf_ns_up                       # creates $SF_CLI and $SF_SRV, trap EXIT set
#   sf_ns_exec "$SF_CLI" curl ...  # run a command in a namespace
#   sf_start_bg NAME "$SF_SRV" nginx -c conf   # background, PID recorded
#   sf_stop NAME                   # stop one recorded process by its PID
#   sf_ns_down                     # stop every recorded PID, delete namespaces
#
# Addresses (documentation ranges only):
#   client  veth in $SF_CLI  192.0.2.1/24  2001:db8::1/64
#   server  veth in $SF_SRV  192.0.2.2/24  2001:db8::2/64
# MTU 1500; TSO/GSO/GRO and checksum offloads are turned off so a capture on
# the veth shows real <= 1514-byte frames with correct checksums.
#
# The caller is expected to use `set -euo pipefail`.  sf_ns_up installs an
# EXIT trap calling sf_ns_down (and then $SF_EXTRA_CLEANUP if set, a command
# string for the caller's own temp files).

SF_CLI="sf-cli-$$"
SF_SRV="sf-srv-$$"
SF_IFACE=veth
SF_CLI4=192.0.2.1
SF_SRV4=192.0.2.2
SF_CLI6=2001:db8::1
SF_SRV6=2001:db8::2
declare -gA SF_PIDS=()
SF_NS_CREATED=0
: "${SF_EXTRA_CLEANUP:=}"

sf_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
sf_die() { sf_log "error: $*"; exit 1; }

# sf_need CMD PACKAGE... : apt-get install PACKAGE(s) only when CMD is missing.
sf_need() {
    local cmd=$1; shift
    command -v "$cmd" >/dev/null 2>&1 && return 0
    sf_log "installing $* (for $cmd)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1; then
        apt-get update >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null \
            || sf_die "cannot install $*"
    fi
    command -v "$cmd" >/dev/null 2>&1 || sf_die "$cmd still missing after installing $*"
}

sf_ns_exec() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

sf_ns_up() {
    [ "$(id -u)" = 0 ] || sf_die "must run as root (network namespaces)"
    sf_need ip iproute2
    sf_need ethtool ethtool
    trap 'sf_ns_down' EXIT
    trap 'exit 130' INT TERM
    ip netns add "$SF_CLI"
    SF_NS_CREATED=1
    ip netns add "$SF_SRV"
    # temporary names in the root namespace must be unique and <= 15 chars
    local a="sfc$$" b="sfs$$"
    ip link add "$a" mtu 1500 type veth peer name "$b" mtu 1500
    ip link set "$a" netns "$SF_CLI"
    ip link set "$b" netns "$SF_SRV"
    ip -n "$SF_CLI" link set "$a" name "$SF_IFACE"
    ip -n "$SF_SRV" link set "$b" name "$SF_IFACE"
    local ns
    for ns in "$SF_CLI" "$SF_SRV"; do
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
            net.ipv6.conf.default.accept_dad=0
        # no offloads: every frame on the wire is what TCP really sent
        ip netns exec "$ns" ethtool -K "$SF_IFACE" tso off gso off gro off \
            tx off rx off >/dev/null 2>&1 \
            || ip netns exec "$ns" ethtool -K "$SF_IFACE" tso off gso off gro off >/dev/null
    done
    ip -n "$SF_CLI" addr add "$SF_CLI4/24" dev "$SF_IFACE"
    ip -n "$SF_SRV" addr add "$SF_SRV4/24" dev "$SF_IFACE"
    ip -n "$SF_CLI" -6 addr add "$SF_CLI6/64" dev "$SF_IFACE" nodad
    ip -n "$SF_SRV" -6 addr add "$SF_SRV6/64" dev "$SF_IFACE" nodad
    ip -n "$SF_CLI" link set "$SF_IFACE" up
    ip -n "$SF_SRV" link set "$SF_IFACE" up
    # wait (bounded, 5 s) until both ends report the carrier up
    local i
    for i in $(seq 1 50); do
        if [ "$(ip netns exec "$SF_CLI" cat "/sys/class/net/$SF_IFACE/operstate")" = up ] &&
            [ "$(ip netns exec "$SF_SRV" cat "/sys/class/net/$SF_IFACE/operstate")" = up ]; then
            return 0
        fi
        sleep 0.1
    done
    sf_die "veth between $SF_CLI and $SF_SRV did not come up"
}

# sf_start_bg NAME NS CMD... : start CMD in namespace NS in the background,
# stdout/stderr to ${SF_LOGDIR:-/tmp}/NAME.log; PID kept in SF_PIDS[NAME].
# `ip netns exec` execs CMD, so $! is the PID of CMD itself.
sf_start_bg() {
    local name=$1 ns=$2; shift 2
    local log="${SF_LOGDIR:-/tmp}/$name.$$.log"
    ip netns exec "$ns" "$@" >"$log" 2>&1 &
    SF_PIDS[$name]=$!
}

sf_log_of() { echo "${SF_LOGDIR:-/tmp}/$1.$$.log"; }

# sf_wait_log NAME REGEX [TENTHS]: wait until NAME's log matches (bounded).
sf_wait_log() {
    local name=$1 re=$2 n=${3:-50} i log
    log=$(sf_log_of "$name")
    for ((i = 0; i < n; i++)); do
        grep -Eq "$re" "$log" 2>/dev/null && return 0
        kill -0 "${SF_PIDS[$name]}" 2>/dev/null || { cat "$log" >&2; sf_die "$name exited early"; }
        sleep 0.1
    done
    cat "$log" >&2
    sf_die "$name: timed out waiting for /$re/"
}

# sf_wait_port NS ADDR PORT : wait (bounded, 5 s) until a TCP listener exists.
sf_wait_port() {
    local ns=$1 addr=$2 port=$3 i
    for i in $(seq 1 50); do
        ip netns exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -qF "$addr" && return 0
        sleep 0.1
    done
    sf_die "no listener on $addr:$port in $ns"
}

# sf_stop NAME [SIGNAL] : signal the recorded PID, wait up to 5 s, then KILL.
sf_stop() {
    local name=$1 sig=${2:-TERM} pid i
    pid=${SF_PIDS[$name]:-}
    [ -n "$pid" ] || return 0
    unset "SF_PIDS[$name]"
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -s "$sig" "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

sf_ns_down() {
    local rc=$? name
    set +e
    for name in "${!SF_PIDS[@]}"; do sf_stop "$name"; done
    if [ "$SF_NS_CREATED" = 1 ]; then
        ip netns del "$SF_CLI" 2>/dev/null
        ip netns del "$SF_SRV" 2>/dev/null
        SF_NS_CREATED=0
    fi
    [ -n "$SF_EXTRA_CLEANUP" ] && eval "$SF_EXTRA_CLEANUP"
    return $rc
}

# sf_nginx_conf DIR PORT-LISTENS... : write DIR/nginx.conf for a root-run,
# foreground nginx serving DIR/www.  Extra server directives can be passed in
# $SF_NGINX_EXTRA (e.g. locations).  Listens are full "addr:port" strings.
sf_nginx_conf() {
    local dir=$1; shift
    mkdir -p "$dir/www" "$dir/tmp"
    {
        cat <<EOF
user root;
daemon off;
worker_processes ${SF_NGINX_WORKERS:-1};
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    gzip off;
    etag on;
    keepalive_timeout ${SF_NGINX_KEEPALIVE:-30};
    keepalive_requests 100000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
EOF
        local l
        for l in "$@"; do echo "        listen $l;"; done
        cat <<EOF
        server_name synfin.test;
        root $dir/www;
${SF_NGINX_EXTRA:-}
    }
}
EOF
    } >"$dir/nginx.conf"
}

# --- three namespaces: client - middle - server (appended) -----------------
# For impairment by a user-space relay (scripts/relay.py) in the middle
# namespace.  The middle has addresses (it answers ARP) but ip_forward=0, so
# its kernel drops transit packets and only the relay carries them.
#
#   sf_ns3_up        # creates $SF_CLI, $SF_MID, $SF_SRV; trap EXIT sf_ns3_down
#   client  veth "$SF_IFACE" in $SF_CLI  192.0.2.1/24     MAC $SF3_CLI_MAC
#   middle  "$SF3_MID_C" in $SF_MID      192.0.2.254/24   MAC $SF3_MID_C_MAC
#   middle  "$SF3_MID_S" in $SF_MID      198.51.100.254/24 MAC $SF3_MID_S_MAC
#   server  veth "$SF_IFACE" in $SF_SRV  198.51.100.2/24  MAC $SF3_SRV_MAC
# IPv6 is disabled in the three namespaces; static neighbour entries for the
# gateways (no ARP on the path); MTU 1500; offloads off on all four ends.
SF_MID="sf-mid-$$"
SF3_MID_C=vc
SF3_MID_S=vs
SF3_CLI4=192.0.2.1
SF3_MID_C4=192.0.2.254
SF3_MID_S4=198.51.100.254
SF3_SRV4=198.51.100.2
SF3_CLI_MAC=02:00:00:00:01:01
SF3_MID_C_MAC=02:00:00:00:01:fe
SF3_MID_S_MAC=02:00:00:00:02:fe
SF3_SRV_MAC=02:00:00:00:02:02
SF_NS3_CREATED=0

sf_ns3_up() {
    [ "$(id -u)" = 0 ] || sf_die "must run as root (network namespaces)"
    sf_need ip iproute2
    sf_need ethtool ethtool
    trap 'sf_ns3_down' EXIT
    trap 'exit 130' INT TERM
    ip netns add "$SF_CLI"
    SF_NS_CREATED=1
    ip netns add "$SF_SRV"
    ip netns add "$SF_MID"
    SF_NS3_CREATED=1
    local a="sfc$$" b="sfmc$$" c="sfms$$" d="sfs$$" ns
    ip link add "$a" mtu 1500 address "$SF3_CLI_MAC" type veth \
        peer name "$b" mtu 1500 address "$SF3_MID_C_MAC"
    ip link add "$c" mtu 1500 address "$SF3_MID_S_MAC" type veth \
        peer name "$d" mtu 1500 address "$SF3_SRV_MAC"
    ip link set "$a" netns "$SF_CLI"
    ip link set "$b" netns "$SF_MID"
    ip link set "$c" netns "$SF_MID"
    ip link set "$d" netns "$SF_SRV"
    ip -n "$SF_CLI" link set "$a" name "$SF_IFACE"
    ip -n "$SF_MID" link set "$b" name "$SF3_MID_C"
    ip -n "$SF_MID" link set "$c" name "$SF3_MID_S"
    ip -n "$SF_SRV" link set "$d" name "$SF_IFACE"
    for ns in "$SF_CLI" "$SF_MID" "$SF_SRV"; do
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=0
    done
    local pair
    for pair in "$SF_CLI:$SF_IFACE" "$SF_MID:$SF3_MID_C" "$SF_MID:$SF3_MID_S" "$SF_SRV:$SF_IFACE"; do
        ip netns exec "${pair%%:*}" ethtool -K "${pair#*:}" tso off gso off gro off \
            tx off rx off >/dev/null 2>&1 \
            || ip netns exec "${pair%%:*}" ethtool -K "${pair#*:}" tso off gso off gro off >/dev/null
        ip -n "${pair%%:*}" link set "${pair#*:}" up
    done
    ip -n "$SF_CLI" addr add "$SF3_CLI4/24" dev "$SF_IFACE"
    ip -n "$SF_MID" addr add "$SF3_MID_C4/24" dev "$SF3_MID_C"
    ip -n "$SF_MID" addr add "$SF3_MID_S4/24" dev "$SF3_MID_S"
    ip -n "$SF_SRV" addr add "$SF3_SRV4/24" dev "$SF_IFACE"
    ip -n "$SF_CLI" neigh replace "$SF3_MID_C4" lladdr "$SF3_MID_C_MAC" dev "$SF_IFACE" nud permanent
    ip -n "$SF_SRV" neigh replace "$SF3_MID_S4" lladdr "$SF3_MID_S_MAC" dev "$SF_IFACE" nud permanent
    ip -n "$SF_CLI" route add 198.51.100.0/24 via "$SF3_MID_C4" dev "$SF_IFACE"
    ip -n "$SF_SRV" route add 192.0.2.0/24 via "$SF3_MID_S4" dev "$SF_IFACE"
    local i up
    for i in $(seq 1 50); do
        up=$(ip netns exec "$SF_CLI" cat "/sys/class/net/$SF_IFACE/operstate")
        up+=$(ip netns exec "$SF_MID" cat "/sys/class/net/$SF3_MID_C/operstate" "/sys/class/net/$SF3_MID_S/operstate" | tr -d '\n')
        up+=$(ip netns exec "$SF_SRV" cat "/sys/class/net/$SF_IFACE/operstate")
        [ "$up" = upupupup ] && return 0
        sleep 0.1
    done
    sf_die "veths of $SF_CLI - $SF_MID - $SF_SRV did not come up"
}

# sf_ns3_down : like sf_ns_down (stops recorded PIDs, deletes $SF_CLI and
# $SF_SRV, runs $SF_EXTRA_CLEANUP), and deletes $SF_MID too.
sf_ns3_down() {
    local rc=$?
    set +e
    sf_ns_down
    if [ "$SF_NS3_CREATED" = 1 ]; then
        ip netns del "$SF_MID" 2>/dev/null
        SF_NS3_CREATED=0
    fi
    return $rc
}
