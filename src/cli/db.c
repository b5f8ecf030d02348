/* db.c - --db URL: loads the -F tsv rows into PostgreSQL with COPY ... FROM STDIN while the capture is read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "cli/db.h"
#include "cli/schema_sql.h"

/* Rows are handed to libpq in chunks of about this size. */
#define DB_CHUNK (256u * 1024u)

/* One COPY in progress: a COPY holds its connection until it ends, so each
 * table has a connection of its own. */
struct db_table {
    PGconn *pg;
    struct sf_buf rows;      /* rows not yet handed to libpq */
    uint64_t batch;          /* rows written into the COPY in progress */
    uint64_t loaded;         /* rows committed */
    bool on;
};

struct sf_db {
    struct sf_out_opts opts;
    struct db_table t[SF_TABLE_COUNT];
    bool have_first;
    int64_t first_ts;
    bool failed;             /* the first failure is in err */
    char err[512];
    int64_t every_ns;        /* --db-commit-every; 0 = one transaction for the run */
    int64_t last_commit;     /* time of the last commit (capture or wall clock), -1 none yet */
    uint64_t commits;        /* batches committed before the end */
    struct sf_output inner;  /* the output it was attached to */
};

static void maybe_commit(struct sf_db *db, int64_t now);

/* The server's message, one line (libpq's end with a newline). */
static void pg_reason(char *out, size_t n, const char *what, PGconn *pg, const PGresult *res)
{
    const char *m = res ? PQresultErrorMessage(res) : NULL;
    size_t len;
    if (!m || !*m)
        m = PQerrorMessage(pg);
    snprintf(out, n, "%s: %s", what, m && *m ? m : "unknown error");
    len = strlen(out);
    while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = '\0';
    for (char *p = out; *p; p++)
        if (*p == '\n')
            *p = ' ';
}

static void fail(struct sf_db *db, const char *what, PGconn *pg, const PGresult *res)
{
    if (db->failed)
        return;
    db->failed = true;
    pg_reason(db->err, sizeof(db->err), what, pg, res);
    /* Said now, not only at the end: a long capture may still be read. */
    fprintf(stderr, "synfin: --db: %s\n", db->err);
}

/* libpq prints the server's notices on stderr by default; "relation ...
 * already exists, skipping" from the IF NOT EXISTS of the schema is none
 * of the user's business. */
static void quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int exec_ok(struct sf_db *db, PGconn *pg, const char *sql, const char *what)
{
    PGresult *res = PQexec(pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
    if (rc)
        pg_reason(db->err, sizeof(db->err), what, pg, res);
    PQclear(res);
    return rc;
}

/* COPY t ("a", "b", ...) FROM STDIN: the columns named, so a table that
 * has gained columns since still loads. */
static int start_copy(struct sf_db *db, enum sf_table t)
{
    struct sf_buf q, head;
    PGresult *res;
    int rc = 0;
    char what[64];

    sf_buf_init(&q, NULL, 1u << 20);
    sf_buf_init(&head, NULL, 1u << 20);
    sf_tsv_header(&head, t);
    sf_buf_puts(&q, "COPY ");
    sf_buf_puts(&q, sf_table_name(t));
    sf_buf_puts(&q, " (\"");
    for (size_t i = 0; i + 1 < head.len; i++) {
        if (head.data[i] == '\t')
            sf_buf_puts(&q, "\", \"");
        else
            sf_buf_putc(&q, head.data[i]);
    }
    sf_buf_puts(&q, "\") FROM STDIN");
    sf_buf_putc(&q, '\0');
    snprintf(what, sizeof(what), "COPY %s", sf_table_name(t));
    if (exec_ok(db, db->t[t].pg, "BEGIN", what) != 0) {
        rc = -1;
    } else {
        res = PQexec(db->t[t].pg, q.data);
        if (PQresultStatus(res) != PGRES_COPY_IN) {
            pg_reason(db->err, sizeof(db->err), what, db->t[t].pg, res);
            rc = -1;
        }
        PQclear(res);
    }
    sf_buf_free(&q);
    sf_buf_free(&head);
    return rc;
}

struct sf_db *sf_db_open(const char *url, const struct sf_out_opts *opts, bool packets, int64_t every_ns,
                         char *err, size_t errlen)
{
    struct sf_db *db = calloc(1, sizeof(*db));
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    db->opts = *opts;
    db->every_ns = every_ns;
    db->last_commit = -1;
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        struct db_table *t = &db->t[i];
        if (i == SF_TABLE_PACKET && !packets)
            continue;
        t->on = true;
        sf_buf_init(&t->rows, NULL, 64u << 20);   /* a ceiling far above one chunk and one row */
        t->pg = PQconnectdb(url);
        if (!t->pg || PQstatus(t->pg) != CONNECTION_OK) {
            pg_reason(err, errlen, "cannot connect", t->pg, NULL);
            sf_db_close(db);
            return NULL;
        }
        if (i == 0) {
            /* The schema once, serialised by an advisory lock held until
             * COMMIT: CREATE ... IF NOT EXISTS races with itself when
             * several runs (a Slurm array) start at the same moment. */
            PQsetNoticeProcessor(t->pg, quiet_notice, NULL);
            if (exec_ok(db, t->pg, "BEGIN", "creating the tables") != 0 ||
                exec_ok(db, t->pg, "SELECT pg_advisory_xact_lock(7332746943012566337)", "creating the tables") != 0 ||
                exec_ok(db, t->pg, sf_schema_sql, "creating the tables (docs/sql/schema.sql)") != 0 ||
                exec_ok(db, t->pg, "COMMIT", "creating the tables") != 0) {
                snprintf(err, errlen, "%s", db->err);
                sf_db_close(db);
                return NULL;
            }
        }
        if (start_copy(db, (enum sf_table)i) != 0) {
            snprintf(err, errlen, "%s", db->err);
            sf_db_close(db);
            return NULL;
        }
    }
    return db;
}

static void send_rows(struct sf_db *db, enum sf_table i, bool all)
{
    struct db_table *t = &db->t[i];
    if (!t->rows.len || (!all && t->rows.len < DB_CHUNK))
        return;
    if (!db->failed && PQputCopyData(t->pg, t->rows.data, (int)t->rows.len) != 1) {
        char what[64];
        snprintf(what, sizeof(what), "loading table %s", sf_table_name(i));
        fail(db, what, t->pg, NULL);
    }
    sf_buf_reset(&t->rows);
}

static void row_done(struct sf_db *db, enum sf_table i)
{
    struct db_table *t = &db->t[i];
    if (t->rows.overflow) {
        /* Past the ceiling: only a row of tens of MiB could do it. */
        fail(db, "a row too large to buffer", t->pg, NULL);
        sf_buf_reset(&t->rows);
        return;
    }
    t->batch++;
    send_rows(db, i, false);
}

static void db_packet(struct sf_db *db, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    if (!db->have_first) {
        db->have_first = true;
        db->first_ts = p->ts_ns;
    }
    if (!db->t[SF_TABLE_PACKET].on || db->failed ||
        (db->opts.conns && (!v || !sf_out_selected(&db->opts, v->conn->id))))
        return;
    sf_tsv_packet_row(&db->t[SF_TABLE_PACKET].rows, &db->opts.store, p, v, db->first_ts);
    row_done(db, SF_TABLE_PACKET);
}

/* The tee: the output the user chose, then the loader. */
static void tee_packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct sf_db *db = ctx;
    db->inner.packet(db->inner.ctx, p, v);
    db_packet(db, p, v);
    maybe_commit(db, p->ts_ns);
}

static void tee_conn(void *ctx, const struct sf_conn *c)
{
    struct sf_db *db = ctx;
    db->inner.conn_end(db->inner.ctx, c);
    if (db->failed || !sf_out_selected(&db->opts, c->id))
        return;
    sf_tsv_conn_row(&db->t[SF_TABLE_CONN].rows, &db->opts.store, c, db->first_ts);
    row_done(db, SF_TABLE_CONN);
}

static void tee_http(void *ctx, const struct sf_http_txn *x)
{
    struct sf_db *db = ctx;
    if (db->inner.http)
        db->inner.http(db->inner.ctx, x);
    if (db->failed || !sf_out_selected(&db->opts, x->conn_id))
        return;
    sf_tsv_http_row(&db->t[SF_TABLE_HTTP].rows, &db->opts.store, x);
    row_done(db, SF_TABLE_HTTP);
}

static void tee_finish(void *ctx, const struct sf_run_end *end)
{
    struct sf_db *db = ctx;
    db->inner.finish(db->inner.ctx, end);
}

static void tee_flush(void *ctx)
{
    struct sf_db *db = ctx;
    if (db->inner.flush)
        db->inner.flush(db->inner.ctx);
    /* Live capture: rows reach the server as they are produced, and are
     * committed every --db-commit-every seconds of the wall clock even
     * while the wire is quiet. */
    for (int i = 0; i < SF_TABLE_COUNT; i++)
        if (db->t[i].on)
            send_rows(db, (enum sf_table)i, true);
    if (db->every_ns > 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        maybe_commit(db, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
    }
}

static void tee_destroy(void *ctx)
{
    struct sf_db *db = ctx;
    db->inner.destroy(db->inner.ctx);
}

static void tee_stream(void *ctx, const struct sf_conn *c, enum sf_dir dir, const uint8_t *p, size_t n,
                       uint64_t gap, uint64_t frame)
{
    struct sf_db *db = ctx;
    if (db->inner.stream)
        db->inner.stream(db->inner.ctx, c, dir, p, n, gap, frame);
}

int sf_db_attach(struct sf_db *db, struct sf_output *out)
{
    db->inner = *out;
    out->ctx = db;
    out->packet = tee_packet;
    out->conn_end = tee_conn;
    out->http = tee_http;          /* the HTTP layer runs for the http table */
    out->finish = tee_finish;
    out->flush = tee_flush;
    out->destroy = tee_destroy;
    out->stream = db->inner.stream ? tee_stream : NULL;
    return 0;
}

/* Ends every COPY and commits every table, or rolls every one back when
 * one failed; with `again`, starts the next COPYs.  Returns 0 or -1. */
static int end_batch(struct sf_db *db, bool again)
{
    /* End every COPY; the server checks each row as it arrives, so a row
     * it refused shows in the COPY's result. */
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        struct db_table *t = &db->t[i];
        char what[64];
        PGresult *res;
        if (!t->on)
            continue;
        send_rows(db, (enum sf_table)i, true);
        snprintf(what, sizeof(what), "loading table %s", sf_table_name((enum sf_table)i));
        if (PQputCopyEnd(t->pg, db->failed ? "synfin: another table failed" : NULL) != 1) {
            fail(db, what, t->pg, NULL);
            continue;
        }
        while ((res = PQgetResult(t->pg)) != NULL) {
            if (PQresultStatus(res) != PGRES_COMMAND_OK)
                fail(db, what, t->pg, res);
            else if (strtoull(PQcmdTuples(res), NULL, 10) != t->batch) {
                char m[128];
                snprintf(m, sizeof(m), "%s: the server took %s of %llu rows", what, PQcmdTuples(res),
                         (unsigned long long)t->batch);
                fail(db, m, t->pg, NULL);
            }
            PQclear(res);
        }
    }
    /* All tables or none. */
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        struct db_table *t = &db->t[i];
        if (!t->on)
            continue;
        if (db->failed) {
            PGresult *res = PQexec(t->pg, "ROLLBACK");
            PQclear(res);
        } else if (exec_ok(db, t->pg, "COMMIT", "COMMIT") != 0) {
            db->failed = true;   /* exec_ok wrote the reason into db->err */
            fprintf(stderr, "synfin: --db: %s\n", db->err);
        } else {
            t->loaded += t->batch;
        }
        t->batch = 0;
    }
    if (db->failed)
        return -1;
    if (!again)
        return 0;
    db->commits++;
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        if (db->t[i].on && start_copy(db, (enum sf_table)i) != 0) {
            db->failed = true;
            fprintf(stderr, "synfin: --db: %s\n", db->err);
            return -1;
        }
    }
    return 0;
}

/* --db-commit-every: a batch ends once its first row is that old (capture
 * time with files, the wall clock at live flushes). */
static void maybe_commit(struct sf_db *db, int64_t now)
{
    if (db->every_ns <= 0 || db->failed)
        return;
    if (db->last_commit < 0) {
        db->last_commit = now;
        return;
    }
    if (now - db->last_commit < db->every_ns)
        return;
    db->last_commit = now;
    end_batch(db, true);
}

int sf_db_commit(struct sf_db *db, char *done, size_t donelen, char *err, size_t errlen)
{
    size_t at = 0;

    done[0] = '\0';
    if (db->failed || end_batch(db, false) != 0) {
        /* The reason itself was printed when it happened (fail()). */
        if (db->commits)
            snprintf(err, errlen, "the %llu batches committed before the failure (--db-commit-every) stay, "
                                  "the rest of the run was not loaded", (unsigned long long)db->commits);
        else
            snprintf(err, errlen, "nothing of this run was loaded");
        if (!db->failed)
            db->failed = true;
        /* A failure before the end still ends the COPYs: roll them back. */
        for (int i = 0; i < SF_TABLE_COUNT; i++) {
            if (db->t[i].on && PQtransactionStatus(db->t[i].pg) != PQTRANS_IDLE) {
                PGresult *res;
                PQputCopyEnd(db->t[i].pg, "synfin: load failed");
                while ((res = PQgetResult(db->t[i].pg)) != NULL)
                    PQclear(res);
                res = PQexec(db->t[i].pg, "ROLLBACK");
                PQclear(res);
            }
        }
        return -1;
    }
    for (int i = 0; i < SF_TABLE_COUNT && at + 1 < donelen; i++) {
        int n;
        if (!db->t[i].on)
            continue;
        n = snprintf(done + at, donelen - at, "%s%llu %s", at ? ", " : "", (unsigned long long)db->t[i].loaded,
                     sf_table_name((enum sf_table)i));
        if (n < 0)
            break;
        at += (size_t)n < donelen - at ? (size_t)n : donelen - at - 1;
    }
    return 0;
}

void sf_db_close(struct sf_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        if (db->t[i].pg)
            PQfinish(db->t[i].pg);   /* an open transaction is rolled back by the server */
        if (db->t[i].on)
            sf_buf_free(&db->t[i].rows);
    }
    free(db);
}
