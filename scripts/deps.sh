#!/usr/bin/env bash
# deps.sh - installs the Debian packages a make target needs, only when missing.
#   scripts/deps.sh build   compiler, libpcap, zlib, brotli, zstd, OpenSSL libcrypto, nghttp2 (HPACK), libpq
#   scripts/deps.sh test    build + cmocka, clang (ASan/UBSan/libFuzzer), tshark, tcpdump, python3, chromium,
#                           PostgreSQL server and psql
#   scripts/deps.sh bench   build + tshark, tcpdump, tcptrace, nginx, curl, wrk, time
#   scripts/deps.sh captures  what scripts/make-tls-captures.sh and make-h2-captures.sh run
set -euo pipefail

want=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || want+=("$2"); }
need_hdr() { [ -e "$1" ] || want+=("$2"); }

need_cmd cc gcc
need_cmd make make
need_hdr /usr/include/pcap/pcap.h libpcap-dev
need_hdr /usr/include/zlib.h zlib1g-dev
need_hdr /usr/include/brotli/decode.h libbrotli-dev
need_hdr /usr/include/zstd.h libzstd-dev
need_hdr /usr/include/openssl/evp.h libssl-dev
need_hdr /usr/include/nghttp2/nghttp2.h libnghttp2-dev
# --db loads into PostgreSQL through libpq.
need_hdr /usr/include/postgresql/libpq-fe.h libpq-dev
need_cmd msgfmt gettext

case "${1:-build}" in
build) ;;
test)
    need_hdr /usr/include/cmocka.h libcmocka-dev
    need_cmd clang clang
    need_cmd tshark tshark
    need_cmd tcpdump tcpdump
    need_cmd python3 python3
    need_cmd mergecap wireshark-common
    # tests/cli/zstd.sh compresses its bodies with the reference tool.
    need_cmd zstd zstd
    # tests/live: curl in one network namespace, synfin -i in the other
    need_cmd curl curl
    need_cmd ip iproute2
    need_cmd ethtool ethtool
    need_cmd setpriv util-linux
    # The HTML report is loaded in headless Chromium (tests/browser/).
    need_cmd chromium chromium
    # ASan/UBSan/libFuzzer runtimes for clang 14 live in this package on Debian 12.
    # (only "Recommended" by clang-14, so --no-install-recommends skips it).
    if ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a >/dev/null 2>&1; then
        want+=(libclang-rt-14-dev)
    fi
    # tests/cli/postgres.sh runs its own cluster (initdb, pg_ctl) and psql.
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
    need_cmd psql postgresql-client
    # xgettext checks that every message has its Korean translation.
    need_cmd xgettext gettext
    ;;
bench)
    need_cmd tshark tshark
    need_cmd tcpdump tcpdump
    need_cmd tcptrace tcptrace
    need_cmd nginx nginx-light
    need_cmd curl curl
    need_cmd wrk wrk
    need_cmd ip iproute2
    [ -x /usr/bin/time ] || want+=(time)
    ;;
captures)
    # Regenerating captures/tls and captures/h2 (scripts/make-tls-captures.sh,
    # make-h2-captures.sh): nginx with ssl + http2, nghttp2 client/server/proxy.
    # Not needed by the tests, which read the committed captures.
    need_cmd tcpdump tcpdump
    need_cmd tshark tshark
    need_cmd ip iproute2
    need_cmd curl curl
    need_cmd nginx nginx-light
    need_cmd openssl openssl
    need_cmd nghttp nghttp2-client
    need_cmd nghttpd nghttp2-server
    need_cmd nghttpx nghttp2-proxy
    ;;
*) echo "deps.sh: unknown target '$1' (build, test, bench, captures)" >&2; exit 2 ;;
esac

[ ${#want[@]} -eq 0 ] && exit 0
# Deduplicate while keeping order.
mapfile -t want < <(printf '%s\n' "${want[@]}" | awk '!seen[$0]++')
echo "synfin: installing missing Debian packages: ${want[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "synfin: not root and no sudo: please install ${want[*]} (apt-get install ${want[*]})" >&2
        exit 1
    fi
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -q --no-install-recommends "${want[@]}" >/tmp/synfin-apt.log 2>&1; then
    $SUDO apt-get update -q >>/tmp/synfin-apt.log 2>&1 || true
    if ! $SUDO apt-get install -y -q --no-install-recommends "${want[@]}" >>/tmp/synfin-apt.log 2>&1; then
        echo "synfin: apt-get install failed; see /tmp/synfin-apt.log" >&2
        tail -5 /tmp/synfin-apt.log >&2
        exit 1
    fi
fi
