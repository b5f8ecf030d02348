#!/usr/bin/env bash
# scripts/make-tls-captures.sh - regenerate the TLS captures in captures/tls/
# (issue 9's test inputs), each NAME.pcap with its key log NAME.keys (NSS
# SSLKEYLOGFILE format) beside it.
#
#   sudo scripts/make-tls-captures.sh [NAME...]     (default: all)
#
# Server: nginx (nginx-light) in the server namespace with a CA, server and
# client certificate made here by openssl (RSA 2048, SAN synfin.test):
#   443   TLS 1.2 + 1.3, ALPN h2 + http/1.1, session cache + tickets
#   8444  TLS 1.3, only secp384r1: a client offering an X25519 share gets a
#         HelloRetryRequest
#   9443  TLS 1.2 + 1.3, requires a client certificate signed by the CA
#   3128  CONNECT proxy (a few lines of python, below) that tunnels to :443
# Clients (client namespace): curl with SSLKEYLOGFILE, openssl s_client
# -keylogfile, python3 ssl (SSLContext.keylog_filename).  The list of
# captures and what each shows is in captures/README.md; everything is
# re-checked by tests/tools/check_tls_captures.py.
# Same network as make-http-captures.sh (client 192.0.2.1, server 192.0.2.2,
# MTU 1500, offloads off); tcpdump records on the client's veth.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CAPTURES_DIR:-$ROOT/captures/tls}
ALL=(tls13-aes128gcm tls13-aes256gcm tls13-chacha20 tls12-ecdhe-rsa-aes128gcm
    tls12-ecdhe-rsa-aes128-sha tls12-ecdhe-rsa-aes128-sha256 tls13-sclient
    tls13-resumption tls12-resumption tls13-hrr tls13-client-cert tls-alert-unknown-ca
    tls-close-notify tls-no-close-notify tls-connect-proxy tls13-large tls13-alpn-h2
    tls13-dsb tls13-keyupdate tls12-chacha20 tls12-cbc-sha384-no-etm tls13-early-data tls10-cbc-sha)
BUDGET=120

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
sf_need openssl openssl
sf_need tshark tshark
sf_need editcap wireshark-common
sf_need python3 python3
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

WORK=$(mktemp -d /tmp/sf-tls.XXXXXX)
SF_LOGDIR=$WORK
# shellcheck disable=SC2016 # expanded at exit by sf_ns_down
SF_EXTRA_CLEANUP='if [ -n "${SF_KEEP_WORK:-}" ]; then sf_log "kept $WORK"; else rm -rf "$WORK"; fi'
trap 'sf_ns_down' EXIT
mkdir -p "$OUT"
T0=$SECONDS
budget() { [ $((SECONDS - T0)) -lt "$BUDGET" ] || sf_die "over the ${BUDGET}s budget"; }

make_site() {
    local www=$WORK/www
    mkdir -p "$www"
    printf '<!DOCTYPE html>\n<html><head><title>index</title></head><body><p>synfin tls index</p></body></html>\n' >"$www/index.html"
    "$PY" -c "import random,sys; r=random.Random(9); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(262144)))" >"$www/large.bin"
}

make_certs() {
    local d=$WORK/pki
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=synfin test CA" \
        -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=synfin.test" \
        -addext "subjectAltName=DNS:synfin.test" -addext "basicConstraints=CA:FALSE" \
        -CA "$d/ca.crt" -CAkey "$d/ca.key" -keyout "$d/srv.key" -out "$d/srv.crt" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=synfin client" \
        -addext "basicConstraints=CA:FALSE" -addext "extendedKeyUsage=clientAuth" \
        -CA "$d/ca.crt" -CAkey "$d/ca.key" -keyout "$d/cli.key" -out "$d/cli.crt" 2>/dev/null
}

nginx_conf() {
    local d=$WORK
    mkdir -p "$d/tmp"
    cat >"$d/nginx.conf" <<NGX
user root;
daemon off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    server_tokens off;
    keepalive_timeout 30;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    ssl_certificate $d/pki/srv.crt;
    ssl_certificate_key $d/pki/srv.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers HIGH:!aNULL:!MD5;
    ssl_session_cache shared:sf:1m;
    ssl_session_tickets on;
    server {
        listen $SF_SRV4:443 ssl http2;
        server_name synfin.test;
        root $d/www;
        ssl_early_data on;
    }
    server {
        listen $SF_SRV4:8444 ssl;
        server_name synfin.test;
        root $d/www;
        ssl_protocols TLSv1.3;
        ssl_ecdh_curve secp384r1;
    }
    server {
        listen $SF_SRV4:9443 ssl;
        server_name synfin.test;
        root $d/www;
        ssl_verify_client on;
        ssl_client_certificate $d/pki/ca.crt;
    }
}
NGX
}

# A CONNECT-only proxy: one tunnel per connection, bounded by --max-seconds.
write_proxy() {
    cat >"$WORK/proxy.py" <<'PYEOF'
import socket, sys, threading, time
host, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((host, port)); ls.listen(8); ls.settimeout(0.5)
print("listening on", port, flush=True)
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    try: b.shutdown(socket.SHUT_WR)
    except OSError: pass
def serve(c):
    c.settimeout(10); req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(4096)
        if not d: c.close(); return
        req += d
    target = req.split(b" ")[1].decode()
    h, p = target.rsplit(":", 1)
    u = socket.create_connection((h if h != "synfin.test" else host, int(p)), timeout=10)
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    t = threading.Thread(target=pump, args=(u, c)); t.start(); pump(c, u); t.join()
    c.close(); u.close()
end = time.time() + limit
while time.time() < end:
    try: c, _ = ls.accept()
    except socket.timeout: continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PYEOF
    # python ssl client that closes the TCP connection without close_notify
    cat >"$WORK/noclose.py" <<'PYEOF'
import socket, ssl, sys
host, ca, keys = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca); ctx.keylog_filename = keys
ctx.set_alpn_protocols(["http/1.1"])
s = ctx.wrap_socket(socket.create_connection((host, 443), timeout=10), server_hostname="synfin.test")
s.sendall(b"GET /index.html HTTP/1.1\r\nHost: synfin.test\r\n\r\n")
got = b""
while b"</html>" not in got:
    d = s.recv(65536)
    if not d: break
    got += d
# close() on an SSLSocket does not send close_notify (unwrap() would)
s.close()
print(got.split(b"\r\n", 1)[0].decode())
PYEOF
}

pcount() { tcpdump -n -r "$1" "$2" 2>/dev/null | wc -l; }

# capture NAME CMD... : tcpdump on the client's veth around CMD (client ns)
# with SSLKEYLOGFILE=$WORK/NAME.keys; OK_FAIL=1 accepts a failing client.
capture() {
    local name=$1; shift
    local f=$WORK/$name.pcap i
    : >"$WORK/$name.keys"
    sf_start_bg tcpdump "$SF_CLI" tcpdump -i "$SF_IFACE" -w "$f" -U -s 0 -n -Z root tcp
    sf_wait_log tcpdump 'listening on'
    sleep 0.2
    sf_log "$name: $*"
    if ! timeout 20 ip netns exec "$SF_CLI" env SSLKEYLOGFILE="$WORK/$name.keys" KEYS="$WORK/$name.keys" \
        "$@" >"$WORK/$name.client.log" 2>&1 </dev/null; then
        [ "${OK_FAIL:-0}" = 1 ] || { cat "$WORK/$name.client.log" >&2; sf_die "$name: client failed"; }
    fi
    for ((i = 0; i < 50; i++)); do
        if [ "$(pcount "$f" 'tcp[tcpflags] & tcp-rst != 0')" -ge 1 ] ||
            [ "$(pcount "$f" 'tcp[tcpflags] & tcp-fin != 0')" -ge "${FINS:-2}" ]; then
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

TS=(-o tcp.reassemble_out_of_order:TRUE -d tcp.port==8444,tls -d tcp.port==9443,tls -d tcp.port==4433,tls)
# decrypted NAME FILE KEYS : tshark decrypts some HTTP or HTTP/2 with the key log
decrypted() {
    local n
    n=$(tshark "${TS[@]}" -o "tls.keylog_file:$3" -r "$2" -Y 'http || http2' 2>/dev/null | wc -l)
    [ "$n" -gt 0 ] || sf_die "$1: tshark decrypts no HTTP with $3"
}

keep() {
    local name=$1 f=$2 ext=${3:-pcap} size
    size=$(stat -c %s "$f")
    [ "$size" -lt 1000000 ] || sf_die "$name: $size bytes, too big"
    mv "$f" "$OUT/$name.$ext"
    [ "$ext" = pcapng ] || cp "$WORK/$name.keys" "$OUT/$name.keys"
    sf_log "wrote $OUT/$name.$ext ($size bytes, $(pcount "$OUT/$name.$ext" '') packets)"
}

S=$SF_SRV4
CA=$WORK/pki/ca.crt
RES=(--resolve "synfin.test:443:$S" --resolve "synfin.test:8444:$S" --resolve "synfin.test:9443:$S")
CURL=(curl -sS --max-time 10 --cacert "$CA" "${RES[@]}" -o /dev/null -w '%{http_version} %{http_code} %{size_download}\n')
GET=$'GET /index.html HTTP/1.1\r\nHost: synfin.test\r\nConnection: close\r\n\r\n'
SCL=(openssl s_client -connect "$S:443" -servername synfin.test -CAfile "$CA" -quiet -ign_eof)

make_one() {
    local n=$1 f=$WORK/$1.pcap
    budget
    case $n in
    tls13-aes128gcm | tls13-aes256gcm | tls13-chacha20)
        local suite=TLS_AES_128_GCM_SHA256
        [ "$n" = tls13-aes256gcm ] && suite=TLS_AES_256_GCM_SHA384
        [ "$n" = tls13-chacha20 ] && suite=TLS_CHACHA20_POLY1305_SHA256
        capture "$n" "${CURL[@]}" --http1.1 --tlsv1.3 --tls13-ciphers "$suite" https://synfin.test/index.html
        ;;
    tls12-ecdhe-rsa-aes128gcm | tls12-ecdhe-rsa-aes128-sha | tls12-ecdhe-rsa-aes128-sha256)
        local c=ECDHE-RSA-AES128-GCM-SHA256
        [ "$n" = tls12-ecdhe-rsa-aes128-sha ] && c=ECDHE-RSA-AES128-SHA
        [ "$n" = tls12-ecdhe-rsa-aes128-sha256 ] && c=ECDHE-RSA-AES128-SHA256
        capture "$n" "${CURL[@]}" --http1.1 --tlsv1.2 --tls-max 1.2 --ciphers "$c" https://synfin.test/index.html
        ;;
    tls13-sclient)
        capture "$n" bash -c 'printf "%s" "$1" | "${@:2}" -keylogfile "$KEYS"' _ "$GET" "${SCL[@]}"
        ;;
    tls13-resumption | tls12-resumption)
        local v=-tls1_3
        [ "$n" = tls12-resumption ] && v=-tls1_2
        FINS=4 capture "$n" bash -c 'printf "%s" "$1" | "${@:3}" '"$v"' -keylogfile "$KEYS" -sess_out "$2" &&
            printf "%s" "$1" | "${@:3}" '"$v"' -keylogfile "$KEYS" -sess_in "$2"' _ "$GET" "$WORK/$n.sess" "${SCL[@]}"
        ;;
    tls13-hrr)
        capture "$n" "${CURL[@]}" --http1.1 --curves X25519:secp384r1 https://synfin.test:8444/index.html
        ;;
    tls13-client-cert)
        capture "$n" "${CURL[@]}" --http1.1 --cert "$WORK/pki/cli.crt" --key "$WORK/pki/cli.key" \
            https://synfin.test:9443/index.html
        ;;
    tls-alert-unknown-ca)
        # no --cacert: the system store does not know our CA, curl sends a fatal alert
        OK_FAIL=1 capture "$n" curl -sS --max-time 10 "${RES[@]}" -o /dev/null https://synfin.test/index.html
        ;;
    tls-close-notify)
        # Connection: close: nginx sends close_notify, then FIN
        capture "$n" "${CURL[@]}" --http1.1 -H 'Connection: close' https://synfin.test/index.html
        ;;
    tls-no-close-notify)
        capture "$n" "$PY" "$WORK/noclose.py" "$S" "$CA" "$WORK/$n.keys"
        ;;
    tls-connect-proxy)
        capture "$n" "${CURL[@]}" --http1.1 -p -x "http://$S:3128" https://synfin.test/index.html
        ;;
    tls13-large)
        capture "$n" "${CURL[@]}" --http1.1 https://synfin.test/large.bin
        ;;
    tls12-chacha20)
        capture "$n" "${CURL[@]}" --http1.1 --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-RSA-CHACHA20-POLY1305 \
            https://synfin.test/index.html
        ;;
    tls12-cbc-sha384-no-etm)
        # MAC-then-encrypt (no encrypt_then_mac extension offered), AES-256-CBC, HMAC-SHA384, SHA-384 PRF
        capture "$n" bash -c 'printf "%s" "$1" | "${@:2}" -tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -no_etm -keylogfile "$KEYS"' \
            _ "$GET" "${SCL[@]}"
        ;;
    tls13-early-data)
        # the first connection's ticket allows early data (nginx ssl_early_data
        # on); the second resumes and sends its GET as 0-RTT data
        FINS=4 capture "$n" bash -c 'printf "%s" "$1" | "${@:4}" -tls1_3 -keylogfile "$KEYS" -sess_out "$2" &&
            printf "%s" "$1" >"$3" && "${@:4}" -tls1_3 -keylogfile "$KEYS" -sess_in "$2" -early_data "$3" </dev/null' \
            _ "$GET" "$WORK/$n.sess" "$WORK/$n.early" "${SCL[@]}"
        ;;
    tls10-cbc-sha)
        # TLS 1.0 (chained CBC IVs, the MD5+SHA-1 PRF): nginx's OpenSSL 3 refuses it
        # at the default security level, so openssl s_server -www answers on 4433
        sf_start_bg s_server "$SF_SRV" openssl s_server -accept "$S:4433" -cert "$WORK/pki/srv.crt" \
            -key "$WORK/pki/srv.key" -tls1 -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' -no_etm -www
        sf_wait_port "$SF_SRV" "$S" 4433
        capture "$n" bash -c 'printf "GET / HTTP/1.0\r\n\r\n" | openssl s_client -connect "$1:4433" -servername synfin.test \
            -CAfile "$2" -tls1 -cipher "ECDHE-RSA-AES128-SHA:@SECLEVEL=0" -quiet -ign_eof -keylogfile "$KEYS"' _ "$S" "$CA"
        sf_stop s_server
        ;;
    tls13-keyupdate)
        # s_client's K command: a KeyUpdate that asks the server to update
        # too, between two requests on one connection
        capture "$n" bash -c '{ printf "%s" "$1"; sleep 0.5; printf "K\n"; sleep 0.5; printf "%s" "$2"; sleep 1; } |
            openssl s_client -connect "$3:443" -servername synfin.test -CAfile "$4" -tls1_3 -keylogfile "$KEYS"' \
            _ $'GET /index.html HTTP/1.1\r\nHost: synfin.test\r\n\r\n' \
            $'GET /index.html?2 HTTP/1.1\r\nHost: synfin.test\r\nConnection: close\r\n\r\n' "$S" "$CA"
        ;;
    tls13-alpn-h2)
        capture "$n" "${CURL[@]}" --http2 https://synfin.test/index.html https://synfin.test/index.html?2
        ;;
    tls13-dsb)
        # the keys of tls13-aes128gcm inside the file: a Decryption Secrets Block
        [ -f "$OUT/tls13-aes128gcm.pcap" ] || make_one tls13-aes128gcm
        editcap --inject-secrets "tls,$OUT/tls13-aes128gcm.keys" "$OUT/tls13-aes128gcm.pcap" "$WORK/$n.pcapng"
        local k
        k=$(tshark -r "$WORK/$n.pcapng" -Y http 2>/dev/null | wc -l)
        [ "$k" -gt 0 ] || sf_die "$n: tshark does not decrypt with the embedded secrets"
        keep "$n" "$WORK/$n.pcapng" pcapng
        return
        ;;
    esac
    sf_log "$n: client: $(tail -n 1 "$WORK/$n.client.log")"
    [ -s "$WORK/$n.keys" ] || sf_die "$n: empty key log"
    [ "$n" = tls-alert-unknown-ca ] || decrypted "$n" "$f" "$WORK/$n.keys"
    keep "$n" "$f"
}

make_site
make_certs
nginx_conf
write_proxy
sf_ns_up
sf_start_bg nginx "$SF_SRV" nginx -c "$WORK/nginx.conf"
sf_wait_port "$SF_SRV" "$S" 443
sf_start_bg proxy "$SF_SRV" "$PY" "$WORK/proxy.py" "$S" 3128 100
sf_wait_log proxy 'listening on'
for n in "${names[@]}"; do make_one "$n"; done
sf_log "done in $((SECONDS - T0)) s: ${names[*]}"
