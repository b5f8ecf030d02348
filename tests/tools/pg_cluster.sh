# pg_cluster.sh - a throw-away PostgreSQL cluster for the tests (sourced).
#   pg_cluster_start DIR   initdb + pg_ctl in DIR (created by the caller, empty):
#                          TCP on 127.0.0.1 and a free port, the socket in DIR,
#                          trust for the user "synfin"; as root the server runs
#                          as nobody (initdb refuses root) in DIR, which it owns.
#                          Sets PG_PORT, PG_PID, PG_BIN.  Returns 1 with the
#                          reason on stderr.
#   pg_cluster_stop        fast shutdown by PID (SIGINT; SIGKILL after 10 s).
# The caller removes DIR (its trap runs pg_cluster_stop first).
PG_PID=
pg_cluster_start() {
    local dir=$1 runas=() i
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
        echo "PostgreSQL server binaries not found under /usr/lib/postgresql (scripts/deps.sh test installs postgresql)" >&2
        return 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        chown 65534:65534 "$dir"
        runas=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
    fi
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    (cd "$dir" && "${runas[@]}" env HOME="$dir" "$PG_BIN/initdb" -D "$dir/data" -U synfin -A trust -E UTF8 \
        --no-locale --no-sync >"$dir/initdb.log" 2>&1) || { echo "initdb failed: $(tail -5 "$dir/initdb.log")" >&2; return 1; }
    (cd "$dir" && "${runas[@]}" env HOME="$dir" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        start >"$dir/pg_ctl.log" 2>&1) || { echo "pg_ctl start failed: $(tail -5 "$dir/server.log" 2>/dev/null)" >&2; return 1; }
    for i in $(seq 50); do
        [ -s "$dir/data/postmaster.pid" ] && break
        sleep 0.1
    done
    PG_PID=$(head -1 "$dir/data/postmaster.pid")
}
pg_cluster_stop() {
    local i
    if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
        kill -INT "$PG_PID" 2>/dev/null || true
        for i in $(seq 100); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PG_PID" 2>/dev/null || true
    fi
    PG_PID=
}
