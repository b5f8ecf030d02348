/* tsv.c - flat typed rows (conn, http, packet tables) for COPY and TSV tools: -F tsv, --db (docs/tsv.md). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/format.h"
#include "synfin/app.h"
#include "synfin/tls.h"
#include "util/utf8.h"

/* The columns of each table, in order: the contract of docs/tsv.md and of
 * docs/sql/schema.sql (tests/cli/tsv.sh and postgres.sh hold them equal). */
static const char *const conn_cols[] = {
    "uid", "capture_id", "file", "conn", "community_id", "ts_ns", "end_ns",
    "client", "client_port", "server", "server_port", "tunnel",
    "client_guess", "guess_reason", "reused_ports", "started_before_capture",
    "first_frame", "last_frame", "start", "duration", "packets",
    "handshake_complete", "syn_frame", "syn_ack_frame", "ack_frame",
    "syn_retransmissions", "syn_ack_retransmissions", "irtt",
    "c2s_packets", "c2s_bytes", "c2s_wire_bytes", "c2s_segments",
    "s2c_packets", "s2c_bytes", "s2c_wire_bytes", "s2c_segments",
    "close_kind", "close_by", "rst_phase",
    "c2s_retransmissions", "c2s_retransmitted_bytes", "c2s_fast_retransmissions",
    "c2s_spurious_retransmissions", "c2s_out_of_order", "c2s_lost_segments", "c2s_dup_acks",
    "c2s_zero_windows", "c2s_keep_alives",
    "s2c_retransmissions", "s2c_retransmitted_bytes", "s2c_fast_retransmissions",
    "s2c_spurious_retransmissions", "s2c_out_of_order", "s2c_lost_segments", "s2c_dup_acks",
    "s2c_zero_windows", "s2c_keep_alives",
    "rtt_samples", "rtt_min", "rtt_median", "rtt_max",
    "zeek_conn_state", "zeek_history", "zeek_missed_bytes",
    "tls_sni", "tls_version", "tls_alpn",
    "end_reason",
};

static const char *const http_cols[] = {
    "uid", "capture_id", "file", "conn", "n", "community_id", "ts_ns", "end_ns", "stream",
    "method", "uri", "host", "request_version", "user_agent", "referrer",
    "request_first_frame", "request_header_bytes", "request_body_bytes", "request_complete",
    "status", "reason", "response_version", "response_first_frame", "response_header_bytes",
    "response_body_bytes", "response_body_decoded_bytes", "content_type", "content_encoding",
    "response_complete", "request_retransmissions", "response_retransmissions",
    "request_gap_bytes", "response_gap_bytes", "tunnel",
    "connect", "send", "wait", "receive",
};

static const char *const packet_cols[] = {
    "capture_id", "file", "frame", "ts_ns", "time", "caplen", "wirelen", "skip",
    "uid", "conn", "community_id", "dir", "src", "sport", "dst", "dport", "flags",
    "seq", "ack", "len", "win", "phase", "role", "analysis", "ack_rtt", "bytes_in_flight",
};

static const struct {
    const char *name;
    const char *const *cols;
    unsigned n;
} tables[SF_TABLE_COUNT] = {
    [SF_TABLE_CONN] = { "conn", conn_cols, sizeof(conn_cols) / sizeof(conn_cols[0]) },
    [SF_TABLE_HTTP] = { "http", http_cols, sizeof(http_cols) / sizeof(http_cols[0]) },
    [SF_TABLE_PACKET] = { "packet", packet_cols, sizeof(packet_cols) / sizeof(packet_cols[0]) },
};

const char *sf_table_name(enum sf_table t)
{
    return tables[t].name;
}

int sf_table_parse(const char *s)
{
    for (int t = 0; t < SF_TABLE_COUNT; t++)
        if (strcmp(s, tables[t].name) == 0)
            return t;
    return -1;
}

void sf_tsv_header(struct sf_buf *b, enum sf_table t)
{
    for (unsigned i = 0; i < tables[t].n; i++) {
        if (i)
            sf_buf_putc(b, '\t');
        sf_buf_puts(b, tables[t].cols[i]);
    }
    sf_buf_putc(b, '\n');
}

/* One row being written: every col_* puts the separator and counts. */
struct row {
    struct sf_buf *b;
    unsigned n;
};

static void sep(struct row *r)
{
    if (r->n++)
        sf_buf_putc(r->b, '\t');
}

static void row_end(struct row *r, enum sf_table t)
{
    /* A writer that does not match its column list is a bug, not input. */
    assert(r->n == tables[t].n);
    (void)t;
    sf_buf_putc(r->b, '\n');
}

static void col_null(struct row *r)
{
    sep(r);
    sf_buf_put(r->b, "\\N", 2);
}

static void col_u64(struct row *r, uint64_t v)
{
    sep(r);
    sf_buf_u64(r->b, v);
}

static void col_i64(struct row *r, int64_t v)
{
    sep(r);
    sf_buf_i64(r->b, v);
}

/* A frame number, 0 = none. */
static void col_frame(struct row *r, uint64_t f)
{
    if (f)
        col_u64(r, f);
    else
        col_null(r);
}

static void col_bool(struct row *r, bool v)
{
    sep(r);
    sf_buf_puts(r->b, v ? "true" : "false");
}

/* Seconds with 9 decimals, as jsonl writes them; negative = NULL. */
static void col_secs(struct row *r, int64_t ns)
{
    if (ns < 0) {
        col_null(r);
        return;
    }
    sep(r);
    sf_buf_secs(r->b, ns, 9);
}

/* Relative seconds that may be negative (timestamps going backwards). */
static void col_rel(struct row *r, int64_t ns)
{
    sep(r);
    if (ns < 0) {
        sf_buf_putc(r->b, '-');
        ns = -ns;
    }
    sf_buf_secs(r->b, ns, 9);
}

/* A text value (PostgreSQL COPY text format, ClickHouse TabSeparated):
 * backslash, tab, newline and carriage return escaped with a backslash,
 * other control characters as \xHH; a byte that is not part of
 * well-formed UTF-8 becomes U+FFFD, as in jsonl.  NULL is \N. */
static void col_str(struct row *r, const char *s)
{
    size_t n, i = 0;
    if (!s) {
        col_null(r);
        return;
    }
    sep(r);
    n = strlen(s);
    while (i < n) {
        uint32_t cp;
        size_t k = sf_utf8_next((const unsigned char *)s + i, n - i, &cp);
        if (k == 0) {
            sf_buf_puts(r->b, SF_UTF8_REPLACEMENT);
            i++;
            continue;
        }
        if (k == 1) {
            unsigned char ch = (unsigned char)s[i];
            if (ch == '\\')
                sf_buf_put(r->b, "\\\\", 2);
            else if (ch == '\t')
                sf_buf_put(r->b, "\\t", 2);
            else if (ch == '\n')
                sf_buf_put(r->b, "\\n", 2);
            else if (ch == '\r')
                sf_buf_put(r->b, "\\r", 2);
            else if (ch < 0x20 || ch == 0x7f)
                sf_buf_printf(r->b, "\\x%02x", ch);
            else
                sf_buf_putc(r->b, (char)ch);
        } else {
            sf_buf_put(r->b, s + i, k);
        }
        i += k;
    }
}

static void col_addr(struct row *r, const struct sf_addr *a)
{
    sep(r);
    sf_buf_addr(r->b, a->a, a->family);
}

static void col_uid(struct row *r, const struct sf_store_opts *s, uint64_t conn)
{
    sep(r);
    sf_store_uid(r->b, s, conn);
}

static void col_cid(struct row *r, const struct sf_store_opts *s, const struct sf_conn *c)
{
    char cid[32];
    sf_store_community_id(s, c, cid);
    col_str(r, cid[0] ? cid : NULL);
}

static void half_counts(struct row *r, const struct sf_an_counts *n)
{
    col_u64(r, n->retrans_segs);
    col_u64(r, n->retrans_bytes);
    col_u64(r, n->fast_retrans);
    col_u64(r, n->spurious_retrans);
    col_u64(r, n->out_of_order);
    col_u64(r, n->lost_segment);
    col_u64(r, n->dup_acks);
    col_u64(r, n->zero_window);
    col_u64(r, n->keep_alive);
}

void sf_tsv_conn_row(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_conn *c, int64_t first_ts)
{
    struct row r = { b, 0 };
    const struct sf_half *cl = &c->half[SF_C2S], *sv = &c->half[SF_S2C];
    const struct sf_app_info *ai = sf_app_conn_info(c);
    const struct sf_tls_info *tls = ai ? ai->tls : NULL;
    const char *by = NULL;
    char hist[SF_ZEEK_HISTORY_MAX + 2];

    col_uid(&r, s, c->id);
    col_str(&r, s->capture_id ? s->capture_id : "");
    col_str(&r, sf_store_file(s, c->first_input));
    col_u64(&r, c->id);
    col_cid(&r, s, c);
    col_i64(&r, c->first_ts);
    col_i64(&r, c->last_ts);
    col_addr(&r, &c->addr[SF_C2S]);
    col_u64(&r, c->port[SF_C2S]);
    col_addr(&r, &c->addr[SF_S2C]);
    col_u64(&r, c->port[SF_S2C]);
    if (c->tunnel_count) {
        /* The layers' types, outermost first: "vxlan,gre". */
        sep(&r);
        for (uint8_t i = 0; i < c->tunnel_count && i < SF_MAX_TUNNELS; i++) {
            if (i)
                sf_buf_putc(b, ',');
            sf_buf_puts(b, sf_tunnel_name((enum sf_tunnel_type)c->tunnel[i].type));
        }
    } else {
        col_null(&r);
    }
    col_bool(&r, c->client_guess);
    col_str(&r, c->client_guess ? c->guess_reason : NULL);
    col_bool(&r, c->reused_ports);
    col_bool(&r, c->started_before_capture);
    col_u64(&r, c->first_frame);
    col_u64(&r, c->last_frame);
    col_rel(&r, c->first_ts - first_ts);
    col_rel(&r, c->last_ts - c->first_ts);
    col_u64(&r, c->packets);
    col_bool(&r, c->hs_ack_frame != 0);
    col_frame(&r, cl->syn_count ? cl->syn_frame : 0);
    col_frame(&r, sv->syn_count ? sv->syn_frame : 0);
    col_frame(&r, c->hs_ack_frame);
    col_u64(&r, cl->syn_count > 1 ? cl->syn_count - 1 : 0);
    col_u64(&r, sv->syn_count > 1 ? sv->syn_count - 1 : 0);
    col_secs(&r, c->irtt_ns);
    for (int d = 0; d < 2; d++) {
        col_u64(&r, c->half[d].packets);
        col_u64(&r, c->half[d].payload_bytes);
        col_u64(&r, c->half[d].wire_bytes);
        col_u64(&r, c->half[d].data_segments);
    }
    col_str(&r, sf_close_kind_name(c->close_kind));
    /* "by" as the jsonl close object says it. */
    if (c->close_kind == SF_CLOSE_RST_ABORT)
        by = c->rst_by == SF_S2C ? "server" : "client";
    else if (c->first_closer >= 0 && c->close_kind != SF_CLOSE_OPEN)
        by = c->first_closer == SF_S2C ? "server" : "client";
    col_str(&r, by);
    col_str(&r, c->rst_by >= 0 ? sf_phase_name(c->rst_phase) : NULL);
    half_counts(&r, &cl->cnt);
    half_counts(&r, &sv->cnt);
    col_u64(&r, c->rtt_count);
    col_secs(&r, c->rtt_count ? c->rtt_min_ns : -1);
    col_secs(&r, sf_analysis_rtt_median(c));
    col_secs(&r, c->rtt_count ? c->rtt_max_ns : -1);
    col_str(&r, sf_zeek_conn_state(c));
    memcpy(hist, c->zeek_history, c->zeek_history_len);
    hist[c->zeek_history_len] = '\0';
    col_str(&r, hist);
    col_u64(&r, c->zeek_missed_bytes);
    col_str(&r, tls && tls->sni[0] ? tls->sni : NULL);
    if (tls && tls->server_hello) {
        sep(&r);
        sf_buf_printf(b, "0x%04x", tls->version);
    } else {
        col_null(&r);
    }
    col_str(&r, tls ? tls->alpn : NULL);
    col_str(&r, sf_end_reason_name(c->end_reason));
    row_end(&r, SF_TABLE_CONN);
}

static const char *header(const struct sf_http_msg *m, const char *name)
{
    for (uint32_t i = 0; i < m->nheaders; i++)
        if (m->headers[i].name && strcasecmp(m->headers[i].name, name) == 0)
            return m->headers[i].value;
    return NULL;
}

void sf_tsv_http_row(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_http_txn *t)
{
    struct row r = { b, 0 };
    const struct sf_http_msg *q = &t->req, *p = &t->resp;
    int64_t ts, end;
    uint32_t input = t->conn ? t->conn->first_input : 0;

    sf_out_http_span(t, &ts, &end);
    col_uid(&r, s, t->conn_id);
    col_str(&r, s->capture_id ? s->capture_id : "");
    col_str(&r, t->conn ? sf_store_file(s, input) : NULL);
    col_u64(&r, t->conn_id);
    col_u64(&r, t->n);
    if (t->conn)
        col_cid(&r, s, t->conn);
    else
        col_null(&r);
    if (q->present || p->present) {
        col_i64(&r, ts);
        col_i64(&r, end);
    } else {
        col_null(&r);
        col_null(&r);
    }
    if (t->stream)
        col_u64(&r, t->stream);
    else
        col_null(&r);
    if (q->present) {
        col_str(&r, t->method ? t->method : "");
        col_str(&r, t->uri);
        col_str(&r, t->host);
        col_str(&r, q->version);
        col_str(&r, q->headers ? header(q, "user-agent") : NULL);
        col_str(&r, q->headers ? header(q, "referer") : NULL);
        col_frame(&r, q->first_frame);
        col_u64(&r, q->header_bytes);
        col_u64(&r, q->body_bytes);
        col_bool(&r, q->complete);
    } else {
        for (int i = 0; i < 10; i++)
            col_null(&r);
    }
    if (p->present) {
        col_u64(&r, t->status);
        col_str(&r, t->reason);
        col_str(&r, p->version);
        col_frame(&r, p->first_frame);
        col_u64(&r, p->header_bytes);
        col_u64(&r, p->body_bytes);
        col_u64(&r, p->body_decoded_bytes);
        col_str(&r, p->content_type);
        col_str(&r, p->content_encoding);
        col_bool(&r, p->complete);
    } else {
        for (int i = 0; i < 10; i++)
            col_null(&r);
    }
    if (q->present)
        col_u64(&r, q->retransmissions);
    else
        col_null(&r);
    if (p->present)
        col_u64(&r, p->retransmissions);
    else
        col_null(&r);
    if (q->present)
        col_u64(&r, q->gap_bytes);
    else
        col_null(&r);
    if (p->present)
        col_u64(&r, p->gap_bytes);
    else
        col_null(&r);
    col_str(&r, t->tunnel != SF_HTTP_TUNNEL_NONE ? sf_http_tunnel_name(t->tunnel) : NULL);
    col_secs(&r, t->connect_ns);
    col_secs(&r, t->send_ns);
    col_secs(&r, t->wait_ns);
    col_secs(&r, t->receive_ns);
    row_end(&r, SF_TABLE_HTTP);
}

void sf_tsv_packet_row(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_packet *p,
                       const struct sf_pkt_view *v, int64_t first_ts)
{
    struct row r = { b, 0 };

    col_str(&r, s->capture_id ? s->capture_id : "");
    col_str(&r, sf_store_file(s, p->input));
    col_u64(&r, p->frame);
    col_i64(&r, p->ts_ns);
    col_rel(&r, p->ts_ns - first_ts);
    col_u64(&r, p->caplen);
    col_u64(&r, p->wirelen);
    if (!v) {
        col_str(&r, sf_skip_name(p->skip));
        for (unsigned i = r.n; i < tables[SF_TABLE_PACKET].n; i++)
            col_null(&r);
        row_end(&r, SF_TABLE_PACKET);
        return;
    }
    col_null(&r);
    col_uid(&r, s, v->conn->id);
    col_u64(&r, v->conn->id);
    col_cid(&r, s, v->conn);
    col_str(&r, v->dir == SF_C2S ? "c2s" : "s2c");
    col_addr(&r, &p->src);
    col_u64(&r, p->sport);
    col_addr(&r, &p->dst);
    col_u64(&r, p->dport);
    {
        /* The jsonl flags array's names, in its order, comma-separated. */
        static const struct { uint16_t bit; const char *name; } order[] = {
            { SF_TH_SYN, "SYN" }, { SF_TH_ACK, "ACK" }, { SF_TH_PSH, "PSH" },
            { SF_TH_FIN, "FIN" }, { SF_TH_RST, "RST" }, { SF_TH_URG, "URG" },
            { SF_TH_ECE, "ECE" }, { SF_TH_CWR, "CWR" }, { SF_TH_AE, "AE" },
        };
        bool first = true;
        sep(&r);
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
            if (!(p->flags & order[i].bit))
                continue;
            if (!first)
                sf_buf_putc(b, ',');
            sf_buf_puts(b, order[i].name);
            first = false;
        }
    }
    col_u64(&r, v->rel_seq);
    col_u64(&r, v->rel_ack);
    col_u64(&r, p->payload_len);
    col_u64(&r, p->win);
    col_str(&r, sf_phase_name(v->phase));
    col_str(&r, sf_role_name(v->role));
    sep(&r);
    for (unsigned i = 0, first = 1; i < SF_AN_COUNT_BITS; i++) {
        if (!(v->analysis & (1u << i)))
            continue;
        if (!first)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, sf_analysis_name(i));
        first = 0;
    }
    if (v->acked_frame)
        col_rel(&r, v->ack_rtt_ns);   /* negative when the clock went backwards, as in jsonl */
    else
        col_null(&r);
    if (v->bytes_in_flight >= 0)
        col_u64(&r, (uint64_t)v->bytes_in_flight);
    else
        col_null(&r);
    row_end(&r, SF_TABLE_PACKET);
}

/* -F tsv: each wanted table to its own file, with its header line. */
struct tsv_out {
    struct sf_out_opts opts;
    struct sf_buf out[SF_TABLE_COUNT];
    bool on[SF_TABLE_COUNT];
    bool have_first;
    int64_t first_ts;
};

static void tsv_packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct tsv_out *t = ctx;
    if (!t->have_first) {
        t->have_first = true;
        t->first_ts = p->ts_ns;
    }
    if (!t->on[SF_TABLE_PACKET] || (t->opts.conns && (!v || !sf_out_selected(&t->opts, v->conn->id))))
        return;
    sf_tsv_packet_row(&t->out[SF_TABLE_PACKET], &t->opts.store, p, v, t->first_ts);
}

static void tsv_http(void *ctx, const struct sf_http_txn *x)
{
    struct tsv_out *t = ctx;
    if (t->on[SF_TABLE_HTTP] && sf_out_selected(&t->opts, x->conn_id))
        sf_tsv_http_row(&t->out[SF_TABLE_HTTP], &t->opts.store, x);
}

static void tsv_conn(void *ctx, const struct sf_conn *c)
{
    struct tsv_out *t = ctx;
    if (t->on[SF_TABLE_CONN] && sf_out_selected(&t->opts, c->id))
        sf_tsv_conn_row(&t->out[SF_TABLE_CONN], &t->opts.store, c, t->first_ts);
}

static void tsv_flush(void *ctx)
{
    struct tsv_out *t = ctx;
    for (int i = 0; i < SF_TABLE_COUNT; i++)
        if (t->on[i])
            sf_buf_flush(&t->out[i]);
}

static void tsv_finish(void *ctx, const struct sf_run_end *end)
{
    (void)end;
    tsv_flush(ctx);
}

static void tsv_destroy(void *ctx)
{
    struct tsv_out *t = ctx;
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        if (!t->on[i])
            continue;
        sf_buf_flush(&t->out[i]);
        sf_buf_free(&t->out[i]);
    }
    free(t);
}

int sf_out_tsv_new(struct sf_output *o, const struct sf_out_opts *opts, FILE *const files[SF_TABLE_COUNT])
{
    struct tsv_out *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    t->opts = *opts;
    for (int i = 0; i < SF_TABLE_COUNT; i++) {
        if (!files[i])
            continue;
        t->on[i] = true;
        sf_buf_init(&t->out[i], files[i], 0);
        sf_tsv_header(&t->out[i], (enum sf_table)i);
    }
    o->ctx = t;
    o->packet = tsv_packet;
    o->conn_end = tsv_conn;
    o->http = tsv_http;
    o->finish = tsv_finish;
    o->flush = tsv_flush;
    o->destroy = tsv_destroy;
    return 0;
}
