/* html.c - one self-contained HTML report: overview, SVG ladders, HTTP waterfall (docs/html.md). */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "format/tls_out.h"
#include "synfin/app.h"
#include "util/utf8.h"
#include "format/html_assets.h"
#include "util/idmap.h"

/* Packets kept per connection: the first HEAD and the last TAIL (a ring);
 * the ones in between are counted and shown as elided.  A ladder of more
 * than a few thousand arrows is unreadable anyway. */
#define HTML_CONN_HEAD 1000u
#define HTML_CONN_TAIL 1000u
#define HTML_CONN_PKTS (HTML_CONN_HEAD + HTML_CONN_TAIL)
/* Packet records held in memory for all open connections at once, and
 * written to the report in total: past these, connections keep their
 * overview row and facts but lose (part of) their ladder. */
#define HTML_HELD_PKTS 1000000u
#define HTML_REPORT_PKTS 1000000u
/* Rows of the overview and of the waterfall: a browser page holding more
 * is not usable (the rest is counted in the report's header). */
#define HTML_MAX_CONNS 100000u
#define HTML_MAX_TXNS 100000u
/* Longest URI or reason kept in a label. */
#define HTML_LABEL_MAX 200u

/* Wireshark's "chat" severity: worth a tooltip, not a red arrow. */
#define HTML_NOT_ANOMALY SF_AN_WINDOW_UPDATE

/* One packet as the ladder needs it. */
struct hpkt {
    uint64_t frame;
    int64_t ts;
    uint32_t seq, ack, len, an;
    uint16_t flags, win;
    uint8_t dir, role, phase;
    char *text;   /* JSON: label (string or null), explanations ([[bit,"..."]] or 0); NULL = none */
};

enum html_elide { ELIDE_NONE = 0, ELIDE_CONN, ELIDE_MEMORY, ELIDE_REPORT };

struct hconn {
    struct hpkt *pk;      /* [0, HEAD) in order, then a ring of TAIL slots */
    uint32_t n, cap;      /* slots filled, allocated */
    uint64_t seen;        /* packets of the connection (selected) */
    bool frozen;          /* the memory cap was reached: later packets are not kept */
    uint64_t anomalies;   /* packets with an anomaly flag */
    uint32_t txns;
};

enum { T_CONNS = 0, T_PKTS, T_HTTP, T_COUNT };

struct html_out {
    struct sf_out_opts opts;
    struct sf_buf out;
    struct sf_idmap conns;
    /* Finished records of each kind wait in temporary files (memory stays
     * bounded by the open connections), and are copied into the page at
     * the end; in memory when no temporary file can be made. */
    FILE *tmp[T_COUNT];
    struct sf_buf kind[T_COUNT];
    struct sf_buf rec;          /* one record, before its '<' are escaped */
    bool have_first;
    int64_t first_ts, last_ts;
    uint64_t held, written;
    uint64_t nconns, ntxns, conns_unlisted, txns_unlisted;
    uint64_t anomalies, elided_pkts;
};

/* Copies a serialized JSON record, writing '<' as \u003c: JSON text has
 * '<' only inside strings, where the escape means the same, and then
 * "</script>" or "<!--" can never end or bend the script element. */
static void put_safe(struct sf_buf *dst, const struct sf_buf *src)
{
    size_t from = 0;
    for (size_t i = 0; i < src->len; i++) {
        if (src->data[i] != '<')
            continue;
        sf_buf_put(dst, src->data + from, i - from);
        sf_buf_puts(dst, "\\u003c");
        from = i + 1;
    }
    sf_buf_put(dst, src->data + from, src->len - from);
}

/* Our own sentences (facts, explanations, names), which may be translated:
 * valid UTF-8 goes through as is; ASCII controls, quote and backslash are
 * escaped here.  Anything that is not valid UTF-8 is left to
 * sf_buf_json_str whole (it writes U+FFFD for the bad bytes). */
static void json_text(struct sf_buf *b, const char *s, size_t n)
{
    size_t from = 0;
    if (!sf_utf8_valid(s, n)) {
        sf_buf_json_str(b, s, n);
        return;
    }
    sf_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        sf_buf_put(b, s + from, i - from);
        switch (c) {
        case '"': sf_buf_puts(b, "\\\""); break;
        case '\\': sf_buf_puts(b, "\\\\"); break;
        case '\n': sf_buf_puts(b, "\\n"); break;
        case '\t': sf_buf_puts(b, "\\t"); break;
        default: sf_buf_printf(b, "\\u%04x", c); break;
        }
        from = i + 1;
    }
    sf_buf_put(b, s + from, n - from);
    sf_buf_putc(b, '"');
}

static void json_cstr(struct sf_buf *b, const char *s)
{
    if (s)
        json_text(b, s, strlen(s));
    else
        sf_buf_puts(b, "null");
}

/* Capped: a label is a reminder of the message, the full URI is in the
 * transaction list. */
static void json_capped(struct sf_buf *b, const char *s, size_t cap)
{
    size_t n = s ? strlen(s) : 0;
    sf_buf_json_str(b, s ? s : "", sf_utf8_cut(s ? s : "", n, cap));
}

static void secs_or_null(struct sf_buf *b, int64_t ns)
{
    if (ns >= 0)
        sf_buf_secs(b, ns, 9);
    else
        sf_buf_puts(b, "null");
}

static void rel_secs(struct html_out *h, struct sf_buf *b, int64_t ts, int decimals)
{
    sf_buf_secs(b, ts - h->first_ts, decimals);
}

static void endpoint_json(struct sf_buf *b, const struct sf_addr *a)
{
    sf_buf_putc(b, '"');
    sf_buf_addr(b, a->a, a->family);
    sf_buf_putc(b, '"');
}

/* The label and explanations of one packet, as a JSON fragment (NULL when
 * the packet has neither: most packets). */
static char *packet_text(struct html_out *h, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct sf_buf *b = &h->rec;
    bool any = false;
    char *s;

    if (!v->http && !v->analysis)
        return NULL;
    sf_buf_reset(b);
    if (v->http) {
        const struct sf_http_label *l = v->http;
        struct sf_buf t;
        sf_buf_init(&t, NULL, 4 * HTML_LABEL_MAX);
        if (l->request) {
            sf_buf_put(&t, l->method ? l->method : "", l->method ? strnlen(l->method, 32) : 0);
            sf_buf_putc(&t, ' ');
            sf_buf_put(&t, l->uri ? l->uri : "", l->uri ? strnlen(l->uri, HTML_LABEL_MAX) : 0);
        } else {
            sf_buf_printf(&t, "%u", l->status);
            if (l->reason && l->reason[0]) {
                sf_buf_putc(&t, ' ');
                sf_buf_put(&t, l->reason, strnlen(l->reason, 60));
            }
        }
        if (l->frames > 1)
            sf_buf_printf(&t, " (%u segments)", l->frames);
        if (l->more)
            sf_buf_printf(&t, " +%u more", l->more);
        sf_buf_json_str(b, t.data ? t.data : "", t.len);
        sf_buf_free(&t);
    } else {
        sf_buf_puts(b, "null");
    }
    sf_buf_putc(b, ',');
    for (unsigned i = 0; i < SF_AN_COUNT_BITS; i++) {
        struct sf_buf t;
        if (!(v->analysis & (1u << i)))
            continue;
        sf_buf_init(&t, NULL, 0);
        sf_explain_flag(&t, i, p, v);
        if (t.len) {   /* empty: another flag of the packet explains it better */
            sf_buf_puts(b, any ? ",[" : "[[");
            sf_buf_u64(b, i);
            sf_buf_putc(b, ',');
            json_text(b, t.data, t.len);
            sf_buf_putc(b, ']');
            any = true;
        }
        sf_buf_free(&t);
    }
    sf_buf_puts(b, any ? "]" : "0");
    s = malloc(b->len + 1);
    if (!s)
        return NULL;
    memcpy(s, b->data, b->len);
    s[b->len] = '\0';
    return s;
}

/* Where the k-th packet (0-based) of a connection is kept. */
static uint32_t slot_of(uint64_t k)
{
    if (k < HTML_CONN_PKTS)
        return (uint32_t)k;
    return HTML_CONN_HEAD + (uint32_t)((k - HTML_CONN_HEAD) % HTML_CONN_TAIL);
}

static struct hconn *conn_state(struct html_out *h, uint64_t id)
{
    struct hconn *hc = sf_idmap_get(&h->conns, id);
    if (hc)
        return hc;
    hc = calloc(1, sizeof(*hc));
    if (!hc || sf_idmap_put(&h->conns, id, hc) != 0) {
        free(hc);
        return NULL;
    }
    return hc;
}

static void packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct html_out *h = ctx;
    struct hconn *hc;
    struct hpkt *r;
    uint64_t k;

    if (!h->have_first) {
        h->have_first = true;
        h->first_ts = p->ts_ns;
    }
    h->last_ts = p->ts_ns;
    if (!v || !sf_out_selected(&h->opts, v->conn->id))
        return;
    hc = conn_state(h, v->conn->id);
    if (!hc)
        return;
    k = hc->seen++;
    if (v->analysis & ~(uint32_t)HTML_NOT_ANOMALY) {
        hc->anomalies++;
        h->anomalies++;
    }
    if (hc->frozen)
        return;
    if (k < HTML_CONN_PKTS) {
        /* A new slot: within the memory cap only. */
        if (h->held >= HTML_HELD_PKTS) {
            hc->frozen = true;
            return;
        }
        if (hc->n == hc->cap) {
            uint32_t ncap = hc->cap ? hc->cap * 2 : 16;
            struct hpkt *grown;
            if (ncap > HTML_CONN_PKTS)
                ncap = HTML_CONN_PKTS;
            grown = realloc(hc->pk, ncap * sizeof(*grown));
            if (!grown) {
                hc->frozen = true;
                return;
            }
            hc->pk = grown;
            hc->cap = ncap;
        }
        hc->n++;
        h->held++;
        r = &hc->pk[k];
    } else {
        r = &hc->pk[slot_of(k)];
        free(r->text);
    }
    r->frame = p->frame;
    r->ts = p->ts_ns;
    r->seq = v->rel_seq;
    r->ack = v->rel_ack;
    r->len = p->payload_len;
    r->an = v->analysis;
    r->flags = p->flags;
    r->win = p->win;
    r->dir = (uint8_t)v->dir;
    r->role = (uint8_t)v->role;
    r->phase = (uint8_t)v->phase;
    r->text = packet_text(h, p, v);
}

static void hconn_free(struct html_out *h, struct hconn *hc)
{
    for (uint32_t i = 0; i < hc->n; i++)
        free(hc->pk[i].text);
    h->held -= hc->n;
    free(hc->pk);
    free(hc);
}

static void pkt_json(struct html_out *h, struct sf_buf *b, const struct hpkt *r, bool first)
{
    if (!first)
        sf_buf_putc(b, ',');
    sf_buf_putc(b, '[');
    sf_buf_u64(b, r->frame);
    sf_buf_putc(b, ',');
    rel_secs(h, b, r->ts, 6);
    sf_buf_printf(b, ",%u,%u,%u,%u,%u,%u,%u,%u,%u,", r->dir, r->flags, r->seq, r->ack, r->len, r->win,
                  r->role, r->phase, r->an);
    sf_buf_puts(b, r->text ? r->text : "null,0");
    sf_buf_putc(b, ']');
}

/* The connection's line of the packets kind:
 * [id, seen, elided, elided_at, why, facts text, [packet, ...]]. */
static void conn_detail(struct html_out *h, const struct sf_conn *c, const struct hconn *hc)
{
    struct sf_buf *b = &h->rec;
    struct sf_buf facts;
    uint64_t seen = hc ? hc->seen : 0, elided = 0, at = 0;
    uint32_t n = hc ? hc->n : 0;
    enum html_elide why = ELIDE_NONE;
    bool first = true;

    if (hc && hc->frozen) {
        why = ELIDE_MEMORY;
        elided = seen - n;
        at = n;
    } else if (seen > HTML_CONN_PKTS) {
        why = ELIDE_CONN;
        elided = seen - HTML_CONN_PKTS;
        at = HTML_CONN_HEAD;
    }
    if (n && h->written + n > HTML_REPORT_PKTS) {
        why = ELIDE_REPORT;
        elided = seen;
        at = 0;
        n = 0;
    }
    h->written += n;
    h->elided_pkts += elided;

    sf_buf_reset(b);
    sf_buf_putc(b, '[');
    sf_buf_u64(b, c->id);
    sf_buf_printf(b, ",%llu,%llu,%llu,%d,", (unsigned long long)seen, (unsigned long long)elided,
                  (unsigned long long)at, (int)why);
    sf_buf_init(&facts, NULL, 0);
    sf_out_conn_facts(&facts, c, "");
    {
        const struct sf_app_info *ai = sf_app_conn_info(c);
        if (ai && ai->tls)
            sf_out_tls_facts(&facts, ai->tls, "");
    }
    json_text(b, facts.data ? facts.data : "", facts.len);
    sf_buf_free(&facts);
    sf_buf_puts(b, ",[");
    if (n) {
        if (why == ELIDE_CONN) {
            /* The head in order, then the ring from its oldest packet. */
            for (uint32_t i = 0; i < HTML_CONN_HEAD; i++, first = false)
                pkt_json(h, b, &hc->pk[i], first);
            for (uint64_t k = seen - HTML_CONN_TAIL; k < seen; k++)
                pkt_json(h, b, &hc->pk[slot_of(k)], false);
        } else {
            for (uint32_t i = 0; i < n; i++, first = false)
                pkt_json(h, b, &hc->pk[i], first);
        }
        /* Past here the record may be large: hand it over before the next. */
        put_safe(&h->kind[T_PKTS], b);
        sf_buf_reset(b);
    }
    sf_buf_puts(b, "]]\n");
    put_safe(&h->kind[T_PKTS], b);
}

/* The overview row; its indexes are the C_* constants of report.js. */
static void conn_row(struct html_out *h, const struct sf_conn *c, const struct hconn *hc)
{
    struct sf_buf *b = &h->rec;
    const char *by = "";
    unsigned bits = (c->client_guess ? 1u : 0) | (c->started_before_capture ? 2u : 0) |
                    (c->reused_ports ? 4u : 0);

    if (c->close_kind == SF_CLOSE_RST_ABORT)
        by = c->rst_by == SF_S2C ? "server" : "client";
    else if (c->first_closer >= 0 && c->close_kind != SF_CLOSE_OPEN)
        by = c->first_closer == SF_S2C ? "server" : "client";
    sf_buf_reset(b);
    sf_buf_puts(b, h->nconns ? ",\n[" : "[");
    sf_buf_u64(b, c->id);
    sf_buf_putc(b, ',');
    endpoint_json(b, &c->addr[SF_C2S]);
    sf_buf_printf(b, ",%u,", c->port[SF_C2S]);
    endpoint_json(b, &c->addr[SF_S2C]);
    sf_buf_printf(b, ",%u,\"%s\",\"%s\",\"%s\",", c->port[SF_S2C], sf_close_kind_name(c->close_kind), by,
                  sf_zeek_conn_state(c));
    sf_buf_json_str(b, c->zeek_history, c->zeek_history_len);
    sf_buf_printf(b, ",%llu,%llu,%llu,", (unsigned long long)c->half[SF_C2S].payload_bytes,
                  (unsigned long long)c->half[SF_S2C].payload_bytes, (unsigned long long)c->packets);
    rel_secs(h, b, c->first_ts, 6);
    sf_buf_putc(b, ',');
    sf_buf_secs(b, c->last_ts - c->first_ts, 6);
    sf_buf_printf(b, ",%llu,", (unsigned long long)(hc ? hc->anomalies : 0));
    secs_or_null(b, c->irtt_ns);
    sf_buf_printf(b, ",%u,%llu,%llu,\"%s\",%u,%llu,%llu,", hc ? hc->txns : 0,
                  (unsigned long long)c->first_frame, (unsigned long long)c->last_frame,
                  sf_end_reason_name(c->end_reason), bits,
                  (unsigned long long)c->half[SF_C2S].packets, (unsigned long long)c->half[SF_S2C].packets);
    secs_or_null(b, sf_analysis_rtt_median(c));
    sf_buf_printf(b, ",%d,", c->hs_ack_frame ? 1 : 0);
    /* C_TUN: the tunnel context in words (ASCII only: addresses, names,
     * numbers), null for a plain connection. */
    if (c->tunnel_count) {
        sf_buf_putc(b, '"');
        sf_out_tunnel_words(b, c);
        sf_buf_putc(b, '"');
    } else {
        sf_buf_puts(b, "null");
    }
    sf_buf_putc(b, ']');
    put_safe(&h->kind[T_CONNS], b);
}

static void conn_end(void *ctx, const struct sf_conn *c)
{
    struct html_out *h = ctx;
    struct hconn *hc;

    if (!sf_out_selected(&h->opts, c->id))
        return;
    hc = sf_idmap_del(&h->conns, c->id);
    if (h->nconns >= HTML_MAX_CONNS) {
        h->conns_unlisted++;
    } else {
        conn_row(h, c, hc);
        conn_detail(h, c, hc);
        h->nconns++;
    }
    if (hc)
        hconn_free(h, hc);
}

/* A waterfall row; its indexes are the H_* constants of report.js.  Times
 * are seconds from the first frame, null when unknown. */
static void http_txn(void *ctx, const struct sf_http_txn *t)
{
    struct html_out *h = ctx;
    struct sf_buf *b = &h->rec;
    struct hconn *hc;

    if (!sf_out_selected(&h->opts, t->conn_id))
        return;
    hc = sf_idmap_get(&h->conns, t->conn_id);
    if (hc)
        hc->txns++;
    if (h->ntxns >= HTML_MAX_TXNS) {
        h->txns_unlisted++;
        return;
    }
    sf_buf_reset(b);
    sf_buf_puts(b, h->ntxns ? ",\n[" : "[");
    sf_buf_printf(b, "%llu,%u,", (unsigned long long)t->conn_id, t->n);
    if (t->req.present)
        json_capped(b, t->method, 32);
    else
        sf_buf_puts(b, "null");
    sf_buf_putc(b, ',');
    if (t->req.present)
        json_capped(b, t->uri, 2048);
    else
        sf_buf_puts(b, "null");
    sf_buf_putc(b, ',');
    json_capped(b, t->host, 256);
    sf_buf_printf(b, ",%u,", t->resp.present ? t->status : 0);
    if (t->resp.present)
        json_capped(b, t->reason, 100);
    else
        sf_buf_puts(b, "null");
    sf_buf_putc(b, ',');
    /* Connection start (for the connect bar). */
    if (t->conn)
        rel_secs(h, b, t->conn->first_ts, 9);
    else
        sf_buf_puts(b, "null");
    sf_buf_putc(b, ',');
    if (t->req.present && t->req.frames) {
        rel_secs(h, b, t->req.first_ts, 9);
        sf_buf_putc(b, ',');
        rel_secs(h, b, t->req.last_ts, 9);
    } else {
        sf_buf_puts(b, "null,null");
    }
    sf_buf_putc(b, ',');
    if (t->resp.present && t->resp.frames) {
        rel_secs(h, b, t->resp.first_ts, 9);
        sf_buf_putc(b, ',');
        rel_secs(h, b, t->resp.last_ts, 9);
    } else {
        sf_buf_puts(b, "null,null");
    }
    sf_buf_putc(b, ',');
    secs_or_null(b, t->connect_ns);
    sf_buf_putc(b, ',');
    secs_or_null(b, t->send_ns);
    sf_buf_putc(b, ',');
    secs_or_null(b, t->wait_ns);
    sf_buf_putc(b, ',');
    secs_or_null(b, t->receive_ns);
    sf_buf_printf(b, ",%llu,%llu,%llu,%llu,", (unsigned long long)t->req.first_frame,
                  (unsigned long long)t->resp.first_frame, (unsigned long long)t->resp.frame,
                  (unsigned long long)t->resp.body_bytes);
    if (t->resp.present && t->resp.content_type)
        json_capped(b, t->resp.content_type, 100);
    else
        sf_buf_puts(b, "null");
    sf_buf_printf(b, ",%d,", t->resp.present && t->resp.complete ? 1 : 0);
    if (t->tunnel != SF_HTTP_TUNNEL_NONE)
        json_cstr(b, sf_http_tunnel_name(t->tunnel));
    else
        sf_buf_puts(b, "null");
    sf_buf_puts(b, ",[");
    for (uint32_t i = 0; i < t->ninterim; i++)
        sf_buf_printf(b, "%s%u", i ? "," : "", t->interim[i].status);
    sf_buf_puts(b, "]]");
    put_safe(&h->kind[T_HTTP], b);
    h->ntxns++;
}

/* Names the page needs, from the same tables as the other formats. */
static void meta_json(struct html_out *h, const struct sf_run_end *end)
{
    struct sf_buf *b = &h->rec;
    const struct sf_totals *t = end->totals;
    uint64_t skipped = 0;

    for (int i = 1; i < SF_SKIP_COUNT; i++)
        skipped += t->skipped[i];
    sf_buf_reset(b);
    sf_buf_printf(b, "{\"schema\":1,\"frames\":%llu,\"tcp\":%llu,\"skipped\":%llu,\"filtered\":%llu,"
                     "\"conns\":%llu,\"conns_listed\":%llu,\"conns_unlisted\":%llu,"
                     "\"txns\":%llu,\"txns_unlisted\":%llu,\"anomalies\":%llu,\"elided_packets\":%llu,",
                  (unsigned long long)t->frames, (unsigned long long)t->tcp, (unsigned long long)skipped,
                  (unsigned long long)t->filtered, (unsigned long long)(h->nconns + h->conns_unlisted),
                  (unsigned long long)h->nconns, (unsigned long long)h->conns_unlisted,
                  (unsigned long long)h->ntxns, (unsigned long long)h->txns_unlisted,
                  (unsigned long long)h->anomalies, (unsigned long long)h->elided_pkts);
    sf_buf_puts(b, "\"first_ts\":");
    sf_buf_secs(b, h->have_first ? h->first_ts : 0, 6);
    sf_buf_puts(b, ",\"duration\":");
    sf_buf_secs(b, h->have_first ? h->last_ts - h->first_ts : 0, 6);
    sf_buf_printf(b, ",\"caps\":{\"conn_packets\":%u,\"conn_head\":%u,\"report_packets\":%u,"
                     "\"conns\":%u,\"txns\":%u}",
                  HTML_CONN_PKTS, HTML_CONN_HEAD, HTML_REPORT_PKTS, HTML_MAX_CONNS, HTML_MAX_TXNS);
    sf_buf_puts(b, ",\"read_error\":");
    json_cstr(b, end->read_error);
    sf_buf_puts(b, ",\"roles\":[");
    for (int i = 0; i < SF_ROLE_COUNT; i++) {
        sf_buf_puts(b, i ? ",[" : "[");
        json_cstr(b, sf_role_name((enum sf_role)i));
        sf_buf_putc(b, ',');
        json_cstr(b, sf_role_words((enum sf_role)i));
        sf_buf_putc(b, ']');
    }
    sf_buf_puts(b, "],\"phases\":[");
    for (int i = 0; i < SF_PHASE_COUNT; i++) {
        if (i)
            sf_buf_putc(b, ',');
        json_cstr(b, sf_phase_name((enum sf_phase)i));
    }
    sf_buf_puts(b, "],\"closes\":{");
    for (int i = 0; i < SF_CLOSE_COUNT; i++) {
        if (i)
            sf_buf_putc(b, ',');
        json_cstr(b, sf_close_kind_name((enum sf_close_kind)i));
        sf_buf_putc(b, ':');
        json_cstr(b, sf_close_kind_words((enum sf_close_kind)i));
    }
    sf_buf_puts(b, "},\"analysis\":[");
    for (unsigned i = 0; i < SF_AN_COUNT_BITS; i++) {
        sf_buf_puts(b, i ? ",[" : "[");
        json_cstr(b, sf_analysis_name(i));
        sf_buf_putc(b, ',');
        json_cstr(b, sf_analysis_explain(i));
        sf_buf_printf(b, ",%d]", (1u << i) & HTML_NOT_ANOMALY ? 0 : 1);
    }
    sf_buf_puts(b, "]}");
    put_safe(&h->out, b);
}

/* Copies one kind's records into the page. */
static void copy_kind(struct html_out *h, int k)
{
    char chunk[65536];
    size_t n;

    if (!h->tmp[k]) {
        sf_buf_put(&h->out, h->kind[k].data ? h->kind[k].data : "", h->kind[k].len);
        return;
    }
    sf_buf_flush(&h->kind[k]);
    sf_buf_flush(&h->out);
    if (h->kind[k].io_error || fflush(h->tmp[k]) != 0 || fseek(h->tmp[k], 0, SEEK_SET) != 0) {
        h->out.io_error = true;
        return;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), h->tmp[k])) > 0)
        if (fwrite(chunk, 1, n, h->opts.out) != n) {
            h->out.io_error = true;
            return;
        }
    if (ferror(h->tmp[k]))
        h->out.io_error = true;
}

static void finish(void *ctx, const struct sf_run_end *end)
{
    struct html_out *h = ctx;
    struct sf_buf *o = &h->out;

    sf_buf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   /* Nothing may be fetched: the report works offline, and a
                    * capture's strings can never load anything. */
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta name=\"generator\" content=\"synfin\">\n"
                   "<title>synfin report</title>\n<style>\n");
    sf_buf_puts(o, sf_html_css);
    sf_buf_puts(o, "</style>\n</head>\n<body>\n");
    /* First, so that errors of everything below are recorded (the browser
     * test asserts data-errors stays empty). */
    sf_buf_puts(o, "<div id=\"sf-errors\" hidden data-errors=\"\"></div>\n<script>\n");
    sf_buf_puts(o, sf_html_js_errors);
    sf_buf_puts(o, "</script>\n");
    sf_buf_puts(o, sf_html_body);
    sf_buf_puts(o, "<script type=\"application/json\" id=\"sf-meta\">");
    meta_json(h, end);
    sf_buf_puts(o, "</script>\n<script type=\"application/json\" id=\"sf-conns\">[");
    copy_kind(h, T_CONNS);
    sf_buf_puts(o, "]</script>\n<script type=\"application/json\" id=\"sf-http\">[");
    copy_kind(h, T_HTTP);
    /* One line per connection, parsed only when the connection is opened. */
    sf_buf_puts(o, "]</script>\n<script type=\"text/plain\" id=\"sf-pkts\">\n");
    copy_kind(h, T_PKTS);
    sf_buf_puts(o, "</script>\n<script>\n");
    sf_buf_puts(o, sf_html_js);
    sf_buf_puts(o, "</script>\n</body>\n</html>\n");
    sf_buf_flush(o);
}

static void destroy(void *ctx)
{
    struct html_out *h = ctx;
    for (size_t i = 0; i < h->conns.cap; i++) {
        struct hconn *hc = h->conns.keys[i] ? h->conns.vals[i] : NULL;
        if (hc)
            hconn_free(h, hc);
    }
    sf_idmap_free(&h->conns);
    for (int k = 0; k < T_COUNT; k++) {
        sf_buf_free(&h->kind[k]);
        if (h->tmp[k])
            fclose(h->tmp[k]);
    }
    sf_buf_free(&h->rec);
    sf_buf_flush(&h->out);
    sf_buf_free(&h->out);
    free(h);
}

int sf_out_html_new(struct sf_output *o, const struct sf_out_opts *opts)
{
    struct html_out *h = calloc(1, sizeof(*h));
    if (!h)
        return -1;
    h->opts = *opts;
    sf_buf_init(&h->out, opts->out, 0);
    sf_buf_init(&h->rec, NULL, 0);
    for (int k = 0; k < T_COUNT; k++) {
        h->tmp[k] = tmpfile();
        sf_buf_init(&h->kind[k], h->tmp[k], 0);
    }
    o->ctx = h;
    o->packet = packet;
    o->conn_end = conn_end;
    o->finish = finish;
    o->destroy = destroy;
    o->http = http_txn;
    return 0;
}
