# --db: a PostgreSQL 15 cluster of our own (initdb + pg_ctl in a temp dir, on
# 127.0.0.1 and a free port, run as an unprivileged user when we are root)
# loads the bundled captures; the database must hold what -F jsonl of the
# same runs says (counts, bytes, retransmissions, close kinds, HTTP), the
# tables must have the columns of -F tsv in order, a failed load must say
# why and exit 1 leaving nothing behind, and docs/sql/*.sql must run and
# agree with the jsonl.  The cluster is stopped (by PID) and removed after,
# also on failure.
. "$(dirname "$0")/lib.sh"
# A command that fails outside a check still says where (set -e is silent).
trap 'echo "postgres.sh: line $LINENO: a command failed" >&2' ERR
. tests/tools/pg_cluster.sh
command -v psql >/dev/null || fail "psql not found (postgresql-client)"
# Not under $TMP: the server's user must reach it.
PGD=$(mktemp -d /tmp/synfin-pg.XXXXXX)
trap 'pg_cluster_stop; rm -rf "$PGD"' EXIT
pg_cluster_start "$PGD" 2>"$TMP/pg-start.err" || fail "$(cat "$TMP/pg-start.err")"
PORT=$PG_PORT
PGBIN=$PG_BIN
URL="postgresql://synfin@127.0.0.1:$PORT/postgres"
q() { psql "$URL" -X -q -At -F '|' -v ON_ERROR_STOP=1 "$@"; }
q -c "CREATE DATABASE store" || fail "CREATE DATABASE failed"
URL="postgresql://synfin@127.0.0.1:$PORT/store"

# Every bundled capture, each its own run and capture id, jsonl written in the same run.
caps=(captures/*.pcap captures/h2/*.pcap* captures/tls/*.pcap*)
mkdir -p "$TMP/pg"
i=0
for cap in "${caps[@]}"; do
    i=$((i + 1))
    "$SYNFIN" --db "$URL" -F jsonl -o "$TMP/pg/$i.jsonl" -r "$cap" 2>"$TMP/pg/err" ||
        fail "--db on $cap: exit $?: $(cat "$TMP/pg/err")"
    grep -q "^synfin: --db: loaded [0-9]* conn, [0-9]* http rows" "$TMP/pg/err" || fail "no load report: $(cat "$TMP/pg/err")"
done

# Totals per capture id: the database against the jsonl.
python3 - "$TMP/pg" <<'EOF' >"$TMP/pg/want"
import glob, json, sys
rows = []
for f in sorted(glob.glob(sys.argv[1] + "/*.jsonl")):
    recs = [json.loads(l) for l in open(f)]
    conns = [r for r in recs if r["type"] == "conn"]
    http = [r for r in recs if r["type"] == "http"]
    if not conns and not http:
        continue
    cid = (conns or http)[0]["capture_id"]
    a = lambda r, k: r["analysis"]["c2s"][k] + r["analysis"]["s2c"][k]
    rows.append("|".join(str(x) for x in (
        cid, len(conns), sum(r["packets"] for r in conns),
        sum(r["data"]["c2s"]["bytes"] + r["data"]["s2c"]["bytes"] for r in conns),
        sum(a(r, "retransmissions") for r in conns), sum(a(r, "dup_acks") for r in conns),
        sum(1 for r in conns if r["close"]["kind"] == "four_way"),
        sum(1 for r in conns if r["close"]["kind"] in ("rst_abort", "refused")),
        len(http), sum(1 for r in http if r["response"]), sum(r["response"]["body_bytes"] for r in http if r["response"]),
        len({r["community_id"] for r in conns}))))
print("\n".join(sorted(rows)))
EOF
q -c "SELECT c.capture_id, c.conns, c.packets, c.bytes, c.rexmit, c.dups, c.four_way, c.resets,
             coalesce(h.txns, 0), coalesce(h.responses, 0), coalesce(h.body, 0), c.cids
      FROM (SELECT capture_id, count(*) conns, sum(packets) packets, sum(c2s_bytes + s2c_bytes) bytes,
                   sum(c2s_retransmissions + s2c_retransmissions) rexmit, sum(c2s_dup_acks + s2c_dup_acks) dups,
                   count(*) FILTER (WHERE close_kind = 'four_way') four_way,
                   count(*) FILTER (WHERE close_kind IN ('rst_abort', 'refused')) resets,
                   count(DISTINCT community_id) cids
            FROM conn GROUP BY capture_id) c
      LEFT JOIN (SELECT capture_id, count(*) txns, count(status) responses, sum(response_body_bytes) body
                 FROM http GROUP BY capture_id) h USING (capture_id)
      ORDER BY 1" | sort >"$TMP/pg/got"
[ -s "$TMP/pg/want" ] || fail "no records in the jsonl"
diff "$TMP/pg/want" "$TMP/pg/got" >"$TMP/pg/diff" || fail "database totals differ from jsonl: $(head -10 "$TMP/pg/diff")"
ncap=$(wc -l <"$TMP/pg/want")

# The tables' columns, in order, are the -F tsv header (the contract of docs/tsv.md).
for t in conn http packet; do
    # Whole output to a file first: head would end the pipe early (SIGPIPE under pipefail).
    "$SYNFIN" -F tsv --table $t -r captures/http-gzip.pcap >"$TMP/pg/$t.tsv"
    want=$(sed -n 1p "$TMP/pg/$t.tsv" | tr '\t' ',')
    got=$(q -c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
                WHERE table_name = '$t'")
    [ "$want" = "$got" ] || fail "table $t columns differ from the tsv header: $got"
done

# Loading a capture id again fails, says why, exits 1, and leaves nothing (its http rows neither).
before=$(q -c "SELECT (SELECT count(*) FROM conn) || '/' || (SELECT count(*) FROM http)")
rc=0; "$SYNFIN" --db "$URL" -r captures/http-keepalive-3get.pcap 2>"$TMP/pg/err" >"$TMP/pg/out" || rc=$?
[ $rc -eq 1 ] || fail "second load of a capture id: exit $rc"
grep -q "duplicate key" "$TMP/pg/err" || fail "second load: the reason is not given: $(cat "$TMP/pg/err")"
[ ! -s "$TMP/pg/out" ] || fail "--db without -F wrote to standard output"
after=$(q -c "SELECT (SELECT count(*) FROM conn) || '/' || (SELECT count(*) FROM http)")
[ "$before" = "$after" ] || fail "a failed load left rows behind ($before -> $after)"
# A row the server refuses in the middle of a run (a CHECK an administrator
# added: no client port below 40000): exit 1 with the server's reason, and
# neither table keeps anything of the run, http included.
q -c "CREATE DATABASE strict" || fail "CREATE DATABASE strict"
SURL="postgresql://synfin@127.0.0.1:$PORT/strict"
"$SYNFIN" --db "$SURL" --capture-id first -r captures/http-gzip.pcap 2>"$TMP/pg/err" || fail "strict: first load"
psql "$SURL" -X -q -v ON_ERROR_STOP=1 -c "ALTER TABLE conn ADD CONSTRAINT low_ports CHECK (client_port > 40000)" ||
    fail "ALTER TABLE"
rc=0; "$SYNFIN" --db "$SURL" -r captures/http-keepalive-3get.pcap 2>"$TMP/pg/err" || rc=$?
[ $rc -eq 1 ] && grep -q 'loading table conn: .*low_ports' "$TMP/pg/err" ||
    fail "refused row: exit $rc, $(cat "$TMP/pg/err")"
n=$(psql "$SURL" -X -At -c "SELECT (SELECT count(*) FROM conn) || '/' || (SELECT count(*) FROM http)")
[ "$n" = "1/1" ] || fail "a refused row left $n conn/http rows (want the first run's 1/1)"
# --db-commit-every: what was committed before the refused row stays.  The
# merged run is http-server-close (client port 58202), then 2000 s later
# http-100-continue (39024, refused): a commit every second of capture time
# commits the first connection and its transactions when the second file's
# first packet comes.
rc=0; "$SYNFIN" --db "$SURL" --db-commit-every 1 --capture-id batches -F jsonl -o "$TMP/pg/batches.json" \
    -r captures/http-server-close.pcap -r captures/http-100-continue.pcap 2>"$TMP/pg/err" || rc=$?
[ $rc -eq 1 ] && grep -q 'low_ports' "$TMP/pg/err" && grep -q 'batches committed before the failure' "$TMP/pg/err" ||
    fail "--db-commit-every with a refused row: exit $rc, $(cat "$TMP/pg/err")"
want=$(python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print("%d/%d" % (sum(1 for x in r if x["type"] == "conn" and x["client_port"] == 58202),
                 sum(1 for x in r if x["type"] == "http" and x["file"].endswith("server-close.pcap"))))' "$TMP/pg/batches.json")
n=$(psql "$SURL" -X -At -c "SELECT (SELECT count(*) FROM conn WHERE capture_id = 'batches') || '/' ||
                                   (SELECT count(*) FROM http WHERE capture_id = 'batches')")
[ "$n" = "$want" ] && [ "$want" != 0/0 ] || fail "--db-commit-every kept $n conn/http rows, want the first file's $want"
# No server: exit 1 with the reason, before reading anything.
rc=0; "$SYNFIN" --db "postgresql://synfin@127.0.0.1:1/store" -r captures/http-gzip.pcap 2>"$TMP/pg/err" || rc=$?
[ $rc -eq 1 ] && grep -q "^synfin: --db: cannot connect" "$TMP/pg/err" || fail "unreachable server: exit $rc, $(cat "$TMP/pg/err")"

# --packet-keys loads the packet table: one row per packet record, same uids as the conn table.
"$SYNFIN" --db "$URL" --packet-keys --capture-id pk -F jsonl -o "$TMP/pg/pk.json" -r captures/tcp-loss-retransmit.pcap \
    2>"$TMP/pg/err" || fail "--packet-keys load: $(cat "$TMP/pg/err")"
want=$(grep -c '"type":"packet"' "$TMP/pg/pk.json")
got=$(q -c "SELECT count(*) FROM packet WHERE capture_id = 'pk'")
[ "$want" = "$got" ] || fail "packet rows $got, jsonl packet records $want"
orphans=$(q -c "SELECT count(*) FROM packet p WHERE capture_id = 'pk' AND uid IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM conn c WHERE c.uid = p.uid)")
[ "$orphans" = 0 ] || fail "$orphans packet rows name no connection"

# -Y selects the rows as it selects the records.
"$SYNFIN" --db "$URL" --capture-id sel -Y 'http.status == 200' -F jsonl -o "$TMP/pg/sel.json" \
    -r captures/http-keepalive-3get.pcap -r captures/http-refused.pcap 2>"$TMP/pg/err" || fail "-Y load: $(cat "$TMP/pg/err")"
want=$(python3 -c 'import json, sys
r = [json.loads(l)["type"] for l in open(sys.argv[1])]
print("%d/%d" % (r.count("conn"), r.count("http")))' "$TMP/pg/sel.json")
got=$(q -c "SELECT (SELECT count(*) FROM conn WHERE capture_id = 'sel') || '/' ||
                   (SELECT count(*) FROM http WHERE capture_id = 'sel' AND status = 200)")
[ "$want" = "$got" ] && [ "$want" != 0/0 ] || fail "-Y: database $got, jsonl $want (conn/http)"
[ "$(q -c "SELECT count(*) FROM http WHERE capture_id = 'sel' AND status IS DISTINCT FROM 200")" = 0 ] ||
    fail "-Y: rows it does not select were loaded"

# The files of -F tsv -o DIR/ load by hand into the tables of docs/sql/schema.sql
# (psql -f, COPY ... (FORMAT text, HEADER true)) and give exactly the rows --db loaded.
q -c "CREATE DATABASE bycopy" || fail "CREATE DATABASE bycopy"
CURL="postgresql://synfin@127.0.0.1:$PORT/bycopy"
psql "$CURL" -X -q -v ON_ERROR_STOP=1 -f docs/sql/schema.sql >/dev/null 2>"$TMP/pg/err" || fail "schema.sql by hand: $(cat "$TMP/pg/err")"
"$SYNFIN" -F tsv --packet-keys --capture-id pk -o "$TMP/pg/tables/" -r captures/tcp-loss-retransmit.pcap ||
    fail "-F tsv -o DIR/"
for t in conn http packet; do
    psql "$CURL" -X -q -v ON_ERROR_STOP=1 -c "\\copy $t FROM '$TMP/pg/tables/$t.tsv' (FORMAT text, HEADER true)" \
        2>"$TMP/pg/err" || fail "COPY $t.tsv: $(cat "$TMP/pg/err")"
    a=$(psql "$CURL" -X -At -c "SELECT md5(string_agg(x::text, '' ORDER BY x::text)) FROM $t x WHERE capture_id = 'pk'")
    b=$(q -c "SELECT md5(string_agg(x::text, '' ORDER BY x::text)) FROM $t x WHERE capture_id = 'pk'")
    n=$(q -c "SELECT count(*) FROM $t WHERE capture_id = 'pk'")
    [ "$a" = "$b" ] && [ "$n" -gt 0 ] || fail "table $t: COPY of the tsv file ($a) differs from --db ($b, $n rows)"
done

# docs/sql: every query runs; each agrees with the jsonl of the runs.
for f in docs/sql/*.sql; do
    [ "$(basename "$f")" = schema.sql ] && continue
    q -v threshold=1 -f "$f" >"$TMP/pg/$(basename "$f" .sql).out" 2>"$TMP/pg/err" || fail "$f: $(cat "$TMP/pg/err")"
done
cat "$TMP/pg"/[0-9]*.jsonl "$TMP/pg/pk.json" "$TMP/pg/sel.json" >"$TMP/pg/all.jsonl"
python3 - "$TMP/pg" <<'EOF' || fail "docs/sql results differ from the jsonl"
import collections, json, sys
d = sys.argv[1]
recs = [json.loads(l) for l in open(d + "/all.jsonl")]
conns = [r for r in recs if r["type"] == "conn"]
http = [r for r in recs if r["type"] == "http" and r["ts_ns"] is not None]
rows = lambda n: [l.split("|") for l in open("%s/%s.out" % (d, n)).read().splitlines()]
# close kinds per hour: the counts add up to the connections, kind by kind.
kinds = collections.Counter(r["close"]["kind"] for r in conns)
got = collections.Counter()
for hour, kind, n in rows("close_kinds_per_hour"):
    got[kind] += int(n)
assert got == kinds, (got, kinds)
# slowest transactions: the first is the longest of the jsonl.
top = rows("slowest_transactions")[0]
longest = max(r["end_ns"] - r["ts_ns"] for r in http)
assert abs(float(top[8]) - longest / 1e9) < 1e-9, (top, longest)
assert len(rows("slowest_transactions")) == min(20, len(http))
# retransmission rate per server: the retransmissions of every server add up.
per = collections.Counter()
for r in conns:
    per[(r["server"], r["server_port"])] += r["analysis"]["c2s"]["retransmissions"] + r["analysis"]["s2c"]["retransmissions"]
got = {(s, int(p)): int(x) for s, p, n, seg, x, pct in rows("retransmission_rate_per_server")}
assert got == dict(per), "retransmissions per server"
assert any(v > 0 for v in got.values()), "no retransmission at all"
# RST storms with threshold 1: every reset or refused connection is counted once.
resets = sum(1 for r in conns if r["close"]["kind"] in ("rst_abort", "refused"))
assert resets > 0
assert sum(int(r[3]) for r in rows("rst_storms")) == resets, "resets"
EOF
echo "PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}'): $ncap captures loaded = jsonl totals; columns = tsv; failed loads say why and leave nothing; docs/sql agree"
