/* ladder.c - a sequence (ladder) diagram per connection in 80 columns:
 * client on the left, server on the right, time going down. */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "format/tls_out.h"
#include "synfin/app.h"
#include "synfin/tls.h"
#include "util/utf8.h"
#include "util/idmap.h"

#define WIDTH 80
#define GUTTER 17                 /* "frame  time" before the client's bar */
#define INNER (WIDTH - GUTTER - 2)
#define FOLD_HEAD 2               /* packets shown before a fold */
#define FOLD_TAIL 2               /* ... and after it */

struct glyphs {
    const char *bar, *dash, *right, *left, *fold, *sep;
};

static const struct glyphs unicode = { "\u2502", "\u2500", "\u25b6", "\u25c0", "\u22ee", "\u2550" };
static const struct glyphs ascii = { "|", "-", ">", "<", ":", "=" };

/* One packet, as much as the diagram needs, kept while a run may fold. */
struct lrec {
    uint64_t frame;
    int64_t ts;
    int64_t prev_ts;              /* the frame the -t d/dd delta counts from */
    enum sf_dir dir;
    char label[INNER];
    char notes[3][480];           /* explanations (explain mode, anomalies), wrapped when shown */
    uint8_t nnotes;
    uint32_t len;                 /* payload bytes */
};

struct conn_ladder {
    struct sf_buf out;
    int64_t last_ts;              /* the connection's previous frame (-t dd) */
    bool any_ts;
    enum sf_phase phase;
    bool any;
    /* The current foldable run: data segments and pure ACKs of one phase
     * without anomalies or HTTP labels.  The first FOLD_HEAD are printed,
     * the last FOLD_TAIL wait in a ring, the ones between are only counted. */
    uint32_t run;
    struct lrec ring[FOLD_TAIL];
    struct lrec folded_first;     /* shown instead of a fold line that would hide one packet */
    uint32_t ring_start, nring;
    uint64_t fold_pkts, fold_segs, fold_bytes, fold_acks;
    struct sf_flag_group flags;   /* explained once, then marked (flag_group.c) */
};

struct ladder_out {
    struct sf_out_opts opts;
    const struct glyphs *g;
    struct sf_buf out;
    struct sf_idmap conns;
    bool have_first;
    int64_t first_ts;
    int64_t prev_ts;              /* the previous captured frame (-t d) */
    int digits;                   /* decimals of the time column: the first frame's clock */
    int time_width;               /* columns of the time column (-t) */
    int gutter;                   /* columns before the client's bar: GUTTER, or wider for -t a/ad/e */
};

static void repeat(struct sf_buf *b, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        sf_buf_puts(b, s);
}

/* Terminal columns of the character starting at s[i] (UTF-8): Hangul and
 * other East Asian wide characters take two, continuation bytes none. */
static int char_columns(const char *s, size_t i, size_t len)
{
    const unsigned char *u = (const unsigned char *)s + i;
    uint32_t cp;
    if ((u[0] & 0xc0) == 0x80)
        return 0;
    if ((u[0] & 0xf0) != 0xe0 || i + 2 >= len)
        return 1;   /* ASCII, 2- and 4-byte sequences: one column */
    cp = (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6))
        return 2;
    return 1;
}

static int columns_n(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += char_columns(s, i, len);
    return n;
}

static int columns(const char *s)
{
    return columns_n(s, strlen(s));
}

/* An HTTP label comes from the capture: valid UTF-8 without control
 * characters, at most max characters. */
static void put_safe(struct sf_buf *b, const char *s, size_t max)
{
    sf_buf_text(b, s ? s : "", s ? strlen(s) : 0, max);
}

static void gutter(struct ladder_out *l, struct sf_buf *b, const struct lrec *r)
{
    char t[48];
    struct sf_buf tb;
    sf_buf_init(&tb, NULL, 0);
    sf_time_put(&tb, l->opts.time_fmt, r->ts, l->first_ts, r->prev_ts, l->digits);
    snprintf(t, sizeof(t), "%.*s", (int)tb.len, tb.data);
    sf_buf_free(&tb);
    sf_buf_printf(b, "%6llu %*s ", (unsigned long long)r->frame, l->time_width, t);
}

static void arrow(struct ladder_out *l, struct sf_buf *b, const struct lrec *r)
{
    const struct glyphs *g = l->g;
    int len = columns(r->label);
    int fill = INNER - len - 4;
    if (fill < 1)
        fill = 1;
    gutter(l, b, r);
    sf_buf_puts(b, g->bar);
    if (r->dir == SF_C2S) {
        repeat(b, g->dash, 1);
        sf_buf_putc(b, ' ');
        sf_buf_puts(b, r->label);
        sf_buf_putc(b, ' ');
        repeat(b, g->dash, fill);
        sf_buf_puts(b, g->right);
    } else {
        sf_buf_puts(b, g->left);
        repeat(b, g->dash, fill);
        sf_buf_putc(b, ' ');
        sf_buf_puts(b, r->label);
        sf_buf_putc(b, ' ');
        repeat(b, g->dash, 1);
    }
    sf_buf_puts(b, g->bar);
    sf_buf_putc(b, '\n');
    for (uint8_t i = 0; i < r->nnotes; i++) {
        /* Word-wrap to the width right of the client's bar. */
        const char *t = r->notes[i];
        const int room = WIDTH - GUTTER - 4;
        while (*t) {
            int cols = 0;
            const char *cut = NULL, *q = t;
            size_t tl = strlen(t);
            for (; *q && cols <= room; q++) {
                cols += char_columns(t, (size_t)(q - t), tl);
                if (*q == ' ' && cols <= room)
                    cut = q;
            }
            if (!*q && cols <= room)
                cut = q;
            if (!cut)
                cut = q;
            repeat(b, " ", l->gutter);
            sf_buf_puts(b, g->bar);
            sf_buf_puts(b, "   ");
            sf_buf_put(b, t, (size_t)(cut - t));
            sf_buf_putc(b, '\n');
            t = *cut == ' ' ? cut + 1 : cut;
        }
    }
}

static void separator(struct ladder_out *l, struct sf_buf *b, const char *title)
{
    int len = columns(title);
    int left = 3, right = WIDTH - 2 - left - len - 2;
    if (right < 3)
        right = 3;
    sf_buf_puts(b, "  ");
    repeat(b, l->g->sep, left);
    sf_buf_printf(b, " %s ", title);
    repeat(b, l->g->sep, right);
    sf_buf_putc(b, '\n');
}

/* Ends a run: the fold line, then the packets kept from its end. */
static void run_end(struct ladder_out *l, struct conn_ladder *cl)
{
    struct sf_buf *b = &cl->out;
    /* A fold line for a single packet saves nothing: show the packet. */
    if (cl->fold_pkts == 1)
        arrow(l, b, &cl->folded_first);
    if (cl->fold_pkts > 1) {
        repeat(b, " ", l->gutter);
        sf_buf_puts(b, l->g->bar);
        sf_buf_printf(b, " %s %llu %s: %llu %s, ", l->g->fold, (unsigned long long)cl->fold_pkts,
                      sf_tr("more"), (unsigned long long)cl->fold_segs,
                      cl->fold_segs == 1 ? sf_tr("segment") : sf_tr("segments"));
        if (cl->fold_bytes >= 10240)
            sf_buf_printf(b, "%llu KB", (unsigned long long)(cl->fold_bytes + 512) / 1024);
        else
            sf_buf_printf(b, "%llu %s", (unsigned long long)cl->fold_bytes,
                          cl->fold_bytes == 1 ? sf_tr("byte") : sf_tr("bytes"));
        sf_buf_printf(b, ", %llu %s (--full)\n", (unsigned long long)cl->fold_acks,
                      cl->fold_acks == 1 ? "ACK" : "ACKs");
    }
    for (uint32_t i = 0; i < cl->nring; i++)
        arrow(l, b, &cl->ring[(cl->ring_start + i) % FOLD_TAIL]);
    cl->run = cl->nring = cl->ring_start = 0;
    cl->fold_pkts = cl->fold_segs = cl->fold_bytes = cl->fold_acks = 0;
}

static void make_label(struct ladder_out *l, const struct sf_packet *p, const struct sf_pkt_view *v,
                       struct lrec *r)
{
    struct sf_buf lb;
    sf_buf_init(&lb, NULL, sizeof(r->label) - 1);
    if (v->http) {
        if (v->http->request) {
            put_safe(&lb, v->http->method, 16);
            sf_buf_putc(&lb, ' ');
            put_safe(&lb, v->http->uri, 40);
        } else {
            sf_buf_printf(&lb, "%u ", v->http->status);
            put_safe(&lb, v->http->reason, 24);
        }
        sf_buf_puts(&lb, " | ");
    }
    if (v->tls && v->tls->n) {
        const struct sf_app_info *ai = sf_app_conn_info(v->conn);
        sf_out_tls_label(&lb, ai ? ai->tls : NULL, v->tls);
        sf_buf_puts(&lb, " | ");
    }
    sf_out_flags_words_ace(&lb, p->flags, v->ace);
    if (p->flags & SF_TH_SYN)
        sf_buf_printf(&lb, " seq=%u", v->rel_seq);
    else
        sf_buf_printf(&lb, " seq=%u ack=%u", v->rel_seq, v->rel_ack);
    if (p->payload_len)
        sf_buf_printf(&lb, " len=%u", p->payload_len);
    if ((p->flags & SF_TH_SYN) && p->opt.has_mss)
        sf_buf_printf(&lb, " MSS=%u", p->opt.mss);
    for (unsigned i = 0; i < SF_AN_COUNT_BITS; i++)
        if (v->analysis & (1u << i) && !((1u << i) == SF_AN_RETRANSMISSION &&
                                         (v->analysis & (SF_AN_FAST_RETRANSMISSION |
                                                         SF_AN_SPURIOUS_RETRANSMISSION))))
            sf_buf_printf(&lb, " !%s", sf_analysis_name(i));
    /* Too long for the arrow: cut with an ellipsis. */
    if (columns_n(lb.data ? lb.data : "", lb.len) > INNER - 6 || lb.overflow) {
        size_t cut = (size_t)(INNER - 9);
        while (cut && ((unsigned char)lb.data[cut] & 0xc0) == 0x80)
            cut--;
        sf_buf_truncate(&lb, cut);
        sf_buf_puts(&lb, "...");
    }
    snprintf(r->label, sizeof(r->label), "%.*s", (int)lb.len, lb.data ? lb.data : "");
    sf_buf_free(&lb);
    (void)l;
}

/* first: the flags seen for the first time in the connection, the only
 * ones explained (the label marks every flag). */
static void make_notes(struct ladder_out *l, const struct sf_packet *p, const struct sf_pkt_view *v,
                       struct lrec *r, uint32_t first)
{
    r->nnotes = 0;
    if (l->opts.explain) {
        struct sf_buf nb;
        sf_buf_init(&nb, NULL, sizeof(r->notes[0]) - 1);
        sf_explain_packet(&nb, p, v);
        snprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), "%.*s", (int)nb.len,
                 nb.data ? nb.data : "");
        sf_buf_free(&nb);
    }
    for (unsigned i = 0; i < SF_AN_COUNT_BITS && r->nnotes < 3; i++) {
        struct sf_buf nb;
        if (!(v->analysis & (1u << i)) || !(first & (1u << i)))
            continue;
        sf_buf_init(&nb, NULL, sizeof(r->notes[0]) - 3);
        sf_explain_flag(&nb, i, p, v);
        if (nb.len)
            snprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), "! %.*s", (int)nb.len, nb.data);
        sf_buf_free(&nb);
    }
}

/* A TLS packet folds only when it is past the handshake and carries
 * nothing but application data (an alert is worth its own arrow). */
static bool tls_foldable(const struct sf_tls_pkt *t)
{
    if (!t)
        return true;
    if (t->handshake_phase)
        return false;
    for (uint8_t i = 0; i < t->n; i++)
        if (t->rec[i].role != SF_TLS_REC_APPDATA)
            return false;
    return true;
}

/* A run folds over plain data and ACKs, and over flags already explained
 * in the connection (their frames are listed under it). */
static bool foldable(const struct sf_packet *p, const struct sf_pkt_view *v, uint32_t first)
{
    return v->phase == SF_PHASE_DATA && !first && !v->http && tls_foldable(v->tls) &&
           !(p->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)) &&
           (v->role == SF_ROLE_DATA || v->role == SF_ROLE_ACK);
}

static const char *phase_title(enum sf_phase p)
{
    switch (p) {
    case SF_PHASE_CONNECT: return sf_tr("connect: 3-way handshake");
    case SF_PHASE_DATA: return sf_tr("data");
    default: return sf_tr("disconnect");
    }
}

static void packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct ladder_out *l = ctx;
    struct conn_ladder *cl;
    struct lrec r;
    uint32_t first;

    if (!l->have_first) {
        l->have_first = true;
        l->first_ts = l->prev_ts = p->ts_ns;
        l->digits = p->ts_digits;
        l->time_width = sf_time_width(l->opts.time_fmt, l->digits);
        if (l->time_width < 9)
            l->time_width = 9;    /* room for relative times up to 99 s, as always */
        l->gutter = GUTTER + l->time_width - 9;
    }
    if (!v || !sf_out_selected(&l->opts, v->conn->id)) {
        l->prev_ts = p->ts_ns;
        return;
    }
    cl = sf_idmap_get(&l->conns, v->conn->id);
    if (!cl) {
        cl = calloc(1, sizeof(*cl));
        if (!cl || sf_idmap_put(&l->conns, v->conn->id, cl) != 0) {
            free(cl);
            return;
        }
        sf_buf_init(&cl->out, NULL, 0);
    }
    memset(&r, 0, sizeof(r));
    r.frame = p->frame;
    r.ts = p->ts_ns;
    r.prev_ts = l->opts.time_fmt == SF_TIME_DELTA_SHOWN ? (cl->any_ts ? cl->last_ts : p->ts_ns) : l->prev_ts;
    cl->last_ts = p->ts_ns;
    cl->any_ts = true;
    l->prev_ts = p->ts_ns;
    r.dir = v->dir;
    make_label(l, p, v, &r);
    first = sf_flag_group_add(&cl->flags, v, p->frame);
    make_notes(l, p, v, &r, l->opts.no_notes ? 0 : first);

    r.len = p->payload_len;
    if (!l->opts.full && !l->opts.explain && foldable(p, v, first) && cl->any && cl->phase == v->phase) {
        if (++cl->run <= FOLD_HEAD) {
            arrow(l, &cl->out, &r);
            return;
        }
        if (cl->nring == FOLD_TAIL) {
            const struct lrec *old = &cl->ring[cl->ring_start];
            if (cl->fold_pkts++ == 0)
                cl->folded_first = *old;
            if (old->len) {
                cl->fold_segs++;
                cl->fold_bytes += old->len;
            } else {
                cl->fold_acks++;
            }
            cl->ring[cl->ring_start] = r;
            cl->ring_start = (cl->ring_start + 1) % FOLD_TAIL;
        } else {
            cl->ring[(cl->ring_start + cl->nring++) % FOLD_TAIL] = r;
        }
        return;
    }
    run_end(l, cl);
    if (!cl->any || cl->phase != v->phase) {
        char title[160];
        if (v->phase == SF_PHASE_DATA && v->conn->irtt_ns >= 0) {
            struct sf_buf tb;
            sf_buf_init(&tb, NULL, 0);
            sf_buf_secs(&tb, v->conn->irtt_ns * 1000, 3);
            snprintf(title, sizeof(title), "%s (%s %.*s ms)", phase_title(v->phase),
                     sf_tr("handshake done, iRTT"), (int)tb.len, tb.data);
            sf_buf_free(&tb);
        } else {
            snprintf(title, sizeof(title), "%s", phase_title(v->phase));
        }
        separator(l, &cl->out, title);
        cl->phase = v->phase;
        cl->any = true;
    }
    arrow(l, &cl->out, &r);
}

static void conn_end(void *ctx, const struct sf_conn *c)
{
    struct ladder_out *l = ctx;
    struct conn_ladder *cl;
    struct sf_buf *b = &l->out;
    char title[200];
    int pad;

    if (!sf_out_selected(&l->opts, c->id))
        return;
    cl = sf_idmap_del(&l->conns, c->id);
    sf_buf_printf(b, "%s %llu: %s ", sf_tr("Connection"), (unsigned long long)c->id, sf_tr("client"));
    sf_out_endpoint(b, &c->addr[SF_C2S], c->port[SF_C2S]);
    sf_buf_printf(b, " %s %s ", l->opts.ascii ? "->" : "\u2192", sf_tr("server"));
    sf_out_endpoint(b, &c->addr[SF_S2C], c->port[SF_S2C]);
    sf_buf_putc(b, '\n');
    /* Column heads over the two bars. */
    pad = l->gutter - 3;
    repeat(b, " ", pad);
    sf_buf_puts(b, "client");
    repeat(b, " ", WIDTH + (l->gutter - GUTTER) - pad - 6 - 6 - 1);
    sf_buf_puts(b, "server\n");
    if (cl) {
        run_end(l, cl);
        sf_buf_put(b, cl->out.data, cl->out.len);
        sf_flag_group_text(b, &cl->flags, "  ", l->opts.ascii);
        sf_buf_free(&cl->out);
        free(cl);
    }
    snprintf(title, sizeof(title), "%s", sf_tr(sf_close_kind_words(c->close_kind)));
    separator(l, b, title);
    sf_buf_putc(b, '\n');
    sf_buf_flush(b);
}

static void http_txn(void *ctx, const struct sf_http_txn *t)
{
    (void)ctx;
    (void)t;
}

static void finish(void *ctx, const struct sf_run_end *end)
{
    struct ladder_out *l = ctx;
    sf_out_totals_text(&l->out, end);
    sf_buf_flush(&l->out);
}

static void flush_out(void *ctx)
{
    struct ladder_out *l = ctx;
    sf_buf_flush(&l->out);
}

static void destroy(void *ctx)
{
    struct ladder_out *l = ctx;
    for (size_t i = 0; i < l->conns.cap; i++) {
        struct conn_ladder *cl = l->conns.keys[i] ? l->conns.vals[i] : NULL;
        if (cl) {
            sf_buf_free(&cl->out);
            free(cl);
        }
    }
    sf_idmap_free(&l->conns);
    sf_buf_flush(&l->out);
    sf_buf_free(&l->out);
    free(l);
}

int sf_out_ladder_new(struct sf_output *o, const struct sf_out_opts *opts)
{
    struct ladder_out *l = calloc(1, sizeof(*l));
    if (!l)
        return -1;
    l->opts = *opts;
    l->g = opts->ascii ? &ascii : &unicode;
    l->gutter = GUTTER;
    l->time_width = 9;
    sf_buf_init(&l->out, opts->out, 0);
    o->ctx = l;
    o->packet = packet;
    o->conn_end = conn_end;
    o->http = http_txn;
    o->finish = finish;
    o->flush = flush_out;
    o->destroy = destroy;
    return 0;
}
