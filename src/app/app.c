/* app.c - the application layer behind sf_app_ops: per connection, TCP reassembly feeding a stack of
 * layers (detection, transforms, message parsers; layer.h), and the transactions they produce. */
#include <stdlib.h>
#include <string.h>

#include "app/http1.h"
#include "app/layer.h"
#include "app/tls_roles.h"
#include "reasm/reasm.h"

struct sf_http_app {
    struct sf_http_config cfg;
    struct sf_reasm_mem mem;
    struct sf_http_stats stats;
    struct sf_reasm_limits lim;
    struct sf_http_txn **ready;   /* final transactions waiting for drain */
    size_t nready, cap;
    struct sf_http_label label;   /* for the frame being analysed */
    bool label_set;
    size_t states;                /* connections with a state (for --memcap) */
    struct sf_tls_pkt tls_view;   /* the TLS view of the frame being analysed */
};

/* One connection: its reassembly feeding the bottom of its layer stack.
 * The stack comes first: sf_app_conn_info finds it from c->app_state. */
struct conn_state {
    struct sf_stack stack;
    struct sf_reasm r;
    bool stopped;                 /* nothing left to parse: reassembly let go */
};

void sf_http_config_default(struct sf_http_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->reasm_dir_bytes = SF_REASM_DEFAULT_DIR_BYTES;
    cfg->reasm_global_bytes = SF_REASM_DEFAULT_GLOBAL;
    cfg->max_head = 64u << 10;
    cfg->max_headers = 128;
    cfg->max_pending = 256;
    cfg->max_decoded = 64ull << 20;
}

const char *sf_http_decode_name(enum sf_http_decode d)
{
    switch (d) {
    case SF_HTTP_DECODE_OK: return "ok";
    case SF_HTTP_DECODE_ERROR: return "error";
    case SF_HTTP_DECODE_UNSUPPORTED: return "unsupported";
    case SF_HTTP_DECODE_CAPPED: return "capped";
    default: return "none";
    }
}

const char *sf_http_framing_name(enum sf_http_framing f)
{
    switch (f) {
    case SF_HTTP_BODY_LENGTH: return "length";
    case SF_HTTP_BODY_CHUNKED: return "chunked";
    case SF_HTTP_BODY_CLOSE: return "close";
    default: return "none";
    }
}

const char *sf_http_tunnel_name(enum sf_http_tunnel t)
{
    switch (t) {
    case SF_HTTP_TUNNEL_WEBSOCKET: return "websocket";
    case SF_HTTP_TUNNEL_H2C: return "h2c";
    case SF_HTTP_TUNNEL_UPGRADE: return "upgrade";
    case SF_HTTP_TUNNEL_CONNECT: return "connect";
    default: return "none";
    }
}

/* ------------------------------------------ message parsers -> application */

void sf_stack_http_done(struct sf_stack *s, struct sf_http_txn *t, bool request)
{
    struct sf_http_app *a = s->app;
    if (a->label_set) {
        a->label.more++;
        return;
    }
    memset(&a->label, 0, sizeof(a->label));
    a->label.request = request;
    if (request) {
        a->label.method = t->method;
        a->label.uri = t->uri;
        a->label.frames = t->req.frames;
    } else {
        a->label.status = t->status;
        /* An interim answer has no reason stored (t->reason is the final's). */
        a->label.reason = t->resp.present ? t->reason : NULL;
        a->label.frames = t->resp.present ? t->resp.frames : 1;
    }
    a->label_set = true;
}

void sf_stack_http_final(struct sf_stack *s, struct sf_http_txn *t)
{
    struct sf_http_app *a = s->app;
    t->conn = s->conn;
    if (t->n == 1 && s->conn->irtt_ns >= 0 && s->conn->hs_ack_frame)
        t->connect_ns = s->conn->irtt_ns;
    if (a->nready == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 16;
        struct sf_http_txn **g = realloc(a->ready, nc * sizeof(*g));
        if (!g) {
            sf_h1_txn_free(t);   /* out of memory: the record is lost, counted */
            a->stats.parse_errors++;
            return;
        }
        a->ready = g;
        a->cap = nc;
    }
    a->ready[a->nready++] = t;
}

void sf_stack_http_body(struct sf_stack *s, struct sf_http_txn *t, const uint8_t *p, size_t n)
{
    t->conn = s->conn;
    if (s->app->cfg.body)
        s->app->cfg.body(s->app->cfg.ctx, t, p, n);
}

const struct sf_http_config *sf_stack_http_config(const struct sf_stack *s)
{
    return &s->app->cfg;
}

struct sf_http_stats *sf_stack_http_stats(struct sf_stack *s)
{
    return &s->app->stats;
}

void sf_stack_follow(struct sf_stack *s, int dir, const uint8_t *p, size_t n, uint64_t gap, uint64_t frame)
{
    if (s->follow && s->app->cfg.stream)
        s->app->cfg.stream(s->app->cfg.ctx, s->conn, (enum sf_dir)dir, p, n, gap, frame);
}

/* --------------------------------------------------- reassembly -> stack */

static void r_data(void *ctx, int dir, const uint8_t *p, size_t n, const struct sf_reasm_src *src)
{
    struct conn_state *cs = ctx;
    struct sf_span sp = { src->frame, src->ts_ns, src->frame, src->ts_ns, 1 };
    sf_layer_data(cs->stack.bottom, dir, p, n, &sp);
    if (!cs->stack.follow_plain)
        sf_stack_follow(&cs->stack, dir, p, n, 0, src->frame);
}

static void r_gap(void *ctx, int dir, uint64_t n, enum sf_reasm_gap_why why, const struct sf_reasm_src *src)
{
    struct conn_state *cs = ctx;
    (void)why;
    sf_layer_gap(cs->stack.bottom, dir, n);
    if (!cs->stack.follow_plain)
        sf_stack_follow(&cs->stack, dir, NULL, 0, n, src->frame);
}

static void r_retrans(void *ctx, int dir, const struct sf_reasm_src *src)
{
    struct conn_state *cs = ctx;
    (void)src;
    sf_layer_retrans(cs->stack.bottom, dir);
}

static void r_eof(void *ctx, int dir, const struct sf_reasm_src *src)
{
    struct conn_state *cs = ctx;
    (void)src;
    sf_layer_eof(cs->stack.bottom, dir);
}

static const struct sf_reasm_ops reasm_ops = { r_data, r_gap, r_retrans, r_eof };

/* ------------------------------------------------------------- the hooks */

static void *app_conn_new(void *app, const struct sf_conn *c)
{
    struct sf_http_app *a = app;
    struct conn_state *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return NULL;
    cs->stack.app = a;
    cs->stack.conn = c;
    cs->stack.follow = a->cfg.follow && a->cfg.follow(a->cfg.ctx, c);
    sf_reasm_init(&cs->r, &a->mem, &a->lim, &reasm_ops, cs);
    /* The tracker asks for this state only at the first data, FIN or
     * completed handshake: the SYNs before it start their directions here,
     * as they would have had they been fed. */
    for (int d = 0; d < 2; d++)
        if (c->half[d].syn_count)
            sf_reasm_syn(&cs->r, d, c->half[d].syn_seq);
    if (!sf_layer_install(&cs->stack, &cs->stack.bottom, sf_detect_layer_new(&cs->stack), NULL) &&
        !cs->stack.follow) {
        free(cs);
        return NULL;
    }
    a->states++;
    return cs;
}

static void app_packet(void *app, void *state, const struct sf_conn *c, const struct sf_packet *p,
                       struct sf_pkt_view *v)
{
    struct sf_http_app *a = app;
    struct conn_state *cs = state;
    struct sf_reasm_in in;
    const struct sf_half *hf;

    a->label_set = false;
    if (!cs || cs->stopped)
        return;
    cs->stack.cur_frame = p->frame;
    cs->stack.cur_ts = p->ts_ns;
    memset(&in, 0, sizeof(in));
    in.dir = v->dir;
    in.seq = p->seq;
    in.ack = p->ack;
    in.flags = p->flags;
    in.payload = p->payload;
    in.caplen = p->payload_caplen;
    in.len = p->payload_len;
    in.src.frame = p->frame;
    in.src.ts_ns = p->ts_ns;
    hf = &c->half[v->dir];
    if (hf->base_set) {
        in.start_known = true;
        in.start_seq = hf->base_seq + 1;
    }
    sf_reasm_segment(&cs->r, &in);

    /* The client's ACK of server bytes, as an offset of the server's stream. */
    if (cs->stack.bottom && v->dir == SF_C2S && (p->flags & SF_TH_ACK) && cs->r.half[SF_S2C].started) {
        const struct sf_reasm_half *sh = &cs->r.half[SF_S2C];
        uint64_t cur = sh->delivered + sh->gap_bytes;
        int32_t d = (int32_t)(p->ack - sh->next);
        uint64_t off = cur;
        if (d < 0)
            off = (uint64_t)-(int64_t)d <= cur ? cur - (uint64_t)-(int64_t)d : 0;
        sf_layer_acked(cs->stack.bottom, SF_S2C, off);
    }
    if (!cs->stack.follow && sf_layer_idle(cs->stack.bottom)) {
        /* Nothing above will use more bytes (not HTTP, a tunnel not
         * followed): reassembly lets go. */
        cs->stopped = true;
        sf_reasm_free(&cs->r);
    }
    if (a->label_set)
        v->http = &a->label;
    if (cs->stack.tls_roles && cs->stack.info.tls) {
        sf_tls_roles_view(cs->stack.tls_roles, cs->stack.info.tls, p->frame, &a->tls_view);
        v->tls = &a->tls_view;
    }
}

static void app_conn_end(void *app, void *state, const struct sf_conn *c)
{
    struct sf_http_app *a = app;
    struct conn_state *cs = state;
    struct sf_reasm_src src;

    if (!cs)
        return;
    src.frame = c->last_frame;
    src.ts_ns = c->last_ts;
    cs->stack.cur_frame = c->last_frame;
    cs->stack.cur_ts = c->last_ts;
    if (!cs->stopped)
        sf_reasm_finish(&cs->r, &src);
    for (int d = 0; d < 2; d++) {
        a->stats.overlap_conflicts += cs->r.half[d].overlap_conflicts;
        a->stats.reasm_cap_hits += cs->r.half[d].cap_hits;
    }
    sf_reasm_free(&cs->r);
    a->stats.reasm_peak = a->mem.peak;
    sf_layer_finish(cs->stack.bottom);
    a->label_set = false;
}

static void app_conn_free(void *app, void *state, const struct sf_conn *c)
{
    struct sf_http_app *a = app;
    struct conn_state *cs = state;
    (void)c;
    if (!cs)
        return;
    sf_layer_destroy(cs->stack.bottom);
    free(cs);
    a->states--;
}

/* What --memcap counts of this layer: each connection's state and every
 * byte the reassembler holds (its pieces and their bookkeeping).  The
 * parsers' own buffers have their own caps (docs/architecture.md). */
static size_t app_mem_used(void *app)
{
    struct sf_http_app *a = app;
    return a->states * sizeof(struct conn_state) + a->mem.used;
}

const struct sf_app_info *sf_app_conn_info(const struct sf_conn *c)
{
    const struct sf_stack *s = c ? c->app_state : NULL;
    return s ? &s->info : NULL;
}

static const struct sf_app_ops app_ops = { app_conn_new, app_packet, app_conn_end, app_conn_free,
                                           app_mem_used };

const struct sf_app_ops *sf_http_app_ops(void)
{
    return &app_ops;
}

struct sf_http_app *sf_http_app_new(const struct sf_http_config *cfg)
{
    struct sf_http_app *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    if (cfg)
        a->cfg = *cfg;
    else
        sf_http_config_default(&a->cfg);
    a->mem.limit = a->cfg.reasm_global_bytes;
    a->lim.dir_bytes = a->cfg.reasm_dir_bytes;
    return a;
}

void sf_http_app_drain(struct sf_http_app *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nready; i++) {
        if (a->cfg.txn)
            a->cfg.txn(a->cfg.ctx, a->ready[i]);
        sf_h1_txn_free(a->ready[i]);
    }
    a->nready = 0;
}

const struct sf_http_stats *sf_http_app_stats(const struct sf_http_app *a)
{
    return &a->stats;
}

void sf_http_app_free(struct sf_http_app *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nready; i++)
        sf_h1_txn_free(a->ready[i]);
    free(a->ready);
    free(a);
}
