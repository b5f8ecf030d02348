#!/usr/bin/env bash
# live_db.sh - synfin -i --db on a veth between two network namespaces: the
# connection's rows are in PostgreSQL (committed by the wall-clock
# --db-commit-every) while synfin still captures, and after Ctrl-C the
# database holds what the jsonl of the same run says.  synfin runs in the
# server namespace and reaches the cluster through its Unix socket (the
# namespace has its own loopback).
#
# Prints one "ok DESCRIPTION" or "FAIL DESCRIPTION: detail" line per check
# and exits 1 when any failed.  Needs root.  The namespaces, the cluster
# (stopped by PID) and the temp dirs are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
SYNFIN=$(realpath "${SYNFIN:-build/synfin}")

nfail=0
check() {  # check DESCRIPTION CMD... : runs CMD, prints ok/FAIL
    local what=$1; shift
    local out
    if out=$("$@" 2>&1); then
        echo "ok $what"
    else
        echo "FAIL $what: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-400)"
        nfail=$((nfail + 1))
    fi
}

if [ "$(id -u)" != 0 ]; then
    echo "FAIL live --db: must run as root (network namespaces, capture)"
    exit 1
fi
# shellcheck source=../../scripts/netns.sh
source scripts/netns.sh
# shellcheck source=../tools/pg_cluster.sh
source tests/tools/pg_cluster.sh
T=$(mktemp -d /tmp/synfin-livedb.XXXXXX)
PGD=$(mktemp -d /tmp/synfin-livedb-pg.XXXXXX)
SF_LOGDIR=$T
SF_EXTRA_CLEANUP="pg_cluster_stop; rm -rf '$T' '$PGD'"
if ! pg_cluster_start "$PGD" 2>"$T/pg.err"; then
    echo "FAIL live --db: $(cat "$T/pg.err")"
    pg_cluster_stop
    rm -rf "$T" "$PGD"
    exit 1
fi
if ! ip netns add "sf-probe-$$" 2>"$T/probe"; then
    echo "FAIL live --db: cannot create a network namespace here: $(head -1 "$T/probe")"
    pg_cluster_stop
    rm -rf "$T" "$PGD"
    exit 1
fi
ip netns del "sf-probe-$$"
sf_ns_up
sf_need curl curl

DB="host=$PGD port=$PG_PORT user=synfin dbname=postgres"
q() { psql "$DB" -X -At -v ON_ERROR_STOP=1 -c "$1"; }

mkdir -p "$T/www"
python3 -c 'import sys; sys.stdout.write("x" * 20000)' >"$T/www/page.html"
chmod 755 "$T" "$T/www"
sf_start_bg http "$SF_SRV" python3 -m http.server 80 --bind "$SF_SRV4" --directory "$T/www"
sf_wait_port "$SF_SRV" "$SF_SRV4" 80

ip netns exec "$SF_SRV" "$SYNFIN" -i "$SF_IFACE" --db "$DB" --db-commit-every 1 --close-linger 0.3 \
    --capture-id live1 -F jsonl tcp port 80 >"$T/live.out" 2>"$T/live.err" &
pid=$!
for i in $(seq 1 50); do
    grep -q "listening on" "$T/live.err" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
check "synfin -i --db started ($(head -c 300 "$T/live.err"))" grep -q "listening on" "$T/live.err"

read -r cport code < <(sf_ns_exec "$SF_CLI" curl -sS --max-time 10 -o /dev/null \
    -w '%{local_port} %{http_code}\n' "http://$SF_SRV4/page.html")
check "curl fetched the page (HTTP $code, client port $cport)" test "$code" = 200

# While synfin runs: the connection ends after the linger (wall-clock tick),
# and the next commit (at most 1 s later) makes it visible.
visible() {
    local i
    for i in $(seq 1 80); do
        [ "$(q "SELECT count(*) FROM conn WHERE capture_id = 'live1' AND client_port = $cport")" = 1 ] && return 0
        sleep 0.1
    done
    echo "no committed conn row for client port $cport after 8 s: $(tail -c 300 "$T/live.err")"
    return 1
}
check "--db -i: the connection is committed while capturing" visible
check "--db -i: its transaction too" \
    test "$(q "SELECT count(*) FROM http WHERE capture_id = 'live1' AND uri = '/page.html' AND status = 200")" = 1
check "synfin still running" kill -0 "$pid"

kill -INT "$pid"
for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
rc=0; wait "$pid" || rc=$?
check "Ctrl-C: exit 0 (got $rc; $(tail -c 300 "$T/live.err"))" test "$rc" = 0
check "Ctrl-C: the load is reported" grep -q "^synfin: --db: loaded [0-9]* conn, [0-9]* http rows (capture id live1)" "$T/live.err"
want=$(python3 -c 'import json, sys
r = [json.loads(l)["type"] for l in open(sys.argv[1])]
print("%d/%d" % (r.count("conn"), r.count("http")))' "$T/live.out")
got=$(q "SELECT (SELECT count(*) FROM conn WHERE capture_id = 'live1') || '/' ||
                (SELECT count(*) FROM http WHERE capture_id = 'live1')")
check "after Ctrl-C the database holds the jsonl's conn/http records ($got, jsonl $want)" test "$got" = "$want"

[ "$nfail" -eq 0 ]
