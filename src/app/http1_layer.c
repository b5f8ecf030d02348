/* http1_layer.c - HTTP/1.x as a layer of the stack: the stream parser of http1.c behind the
 * stream-consumer interface, and the tunnels it opens (CONNECT 2xx, 101) handed up. */
#include <stdlib.h>

#include "app/http1.h"
#include "app/layer.h"

struct h1_layer {
    struct sf_layer l;
    struct sf_h1 *h;
    bool tunnel;               /* a tunnel opened: its bytes go to l.up */
    uint64_t base[2];          /* input offsets where the tunnel's bytes begin */
};

static void on_done(void *ctx, struct sf_http_txn *t, bool request)
{
    struct h1_layer *x = ctx;
    sf_stack_http_done(x->l.stack, t, request);
}

static void on_final(void *ctx, struct sf_http_txn *t)
{
    struct h1_layer *x = ctx;
    sf_stack_http_final(x->l.stack, t);
}

static void on_body(void *ctx, struct sf_http_txn *t, const uint8_t *p, size_t n)
{
    struct h1_layer *x = ctx;
    sf_stack_http_body(x->l.stack, t, p, n);
}

static void on_tunnel_open(void *ctx, const struct sf_http_txn *t)
{
    struct h1_layer *x = ctx;
    struct sf_stack *s = x->l.stack;
    struct sf_layer *up = NULL;

    x->tunnel = true;
    x->base[0] = sf_h1_offset(x->h, 0);
    x->base[1] = sf_h1_offset(x->h, 1);
    /* A CONNECT tunnel carries a new stream of its own (TLS to the origin,
     * or plain HTTP): it starts a new detection.  Other upgrades
     * (WebSocket) are not followed; h2c continues as HTTP/2. */
    if (t->tunnel == SF_HTTP_TUNNEL_CONNECT && s->depth < SF_STACK_MAX_DEPTH) {
        s->depth++;
        up = sf_detect_layer_new(s);
    } else if (t->tunnel == SF_HTTP_TUNNEL_H2C && s->depth < SF_STACK_MAX_DEPTH) {
        s->depth++;
        up = sf_http2_upgrade_layer_new(s);
        if (up)
            sf_stack_note(s, "http2");
    }
    sf_layer_install(s, &x->l.up, up, NULL);
}

static void on_tunnel(void *ctx, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct h1_layer *x = ctx;
    sf_layer_data(x->l.up, dir, p, n, src);
}

static const struct sf_h1_ops h1_ops = {
    .done = on_done,
    .final = on_final,
    .body = on_body,
    .tunnel_open = on_tunnel_open,
    .tunnel = on_tunnel,
};

static void h1l_data(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct h1_layer *x = (struct h1_layer *)l;
    sf_h1_data(x->h, dir, p, n, src, l->stack->cur_frame);
}

static void h1l_gap(struct sf_layer *l, int dir, uint64_t n)
{
    struct h1_layer *x = (struct h1_layer *)l;
    sf_h1_gap(x->h, dir, n, l->stack->cur_frame);
    if (x->tunnel)
        sf_layer_gap(l->up, dir, n);
}

static void h1l_retrans(struct sf_layer *l, int dir)
{
    struct h1_layer *x = (struct h1_layer *)l;
    sf_h1_retrans(x->h, dir);
    if (x->tunnel)
        sf_layer_retrans(l->up, dir);
}

static void h1l_eof(struct sf_layer *l, int dir)
{
    struct h1_layer *x = (struct h1_layer *)l;
    sf_h1_eof(x->h, dir, l->stack->cur_frame, l->stack->cur_ts);
    if (x->tunnel)
        sf_layer_eof(l->up, dir);
}

static void h1l_acked(struct sf_layer *l, int dir, uint64_t off)
{
    struct h1_layer *x = (struct h1_layer *)l;
    /* The client's ACK of the server's bytes times the end of each response. */
    if (dir == 1)
        sf_h1_client_ack(x->h, off, l->stack->cur_frame, l->stack->cur_ts);
    if (x->tunnel && off > x->base[dir])
        sf_layer_acked(l->up, dir, off - x->base[dir]);
}

static void h1l_finish(struct sf_layer *l)
{
    struct h1_layer *x = (struct h1_layer *)l;
    sf_h1_finish(x->h);
    sf_layer_finish(l->up);
}

static bool h1l_idle(const struct sf_layer *l)
{
    const struct h1_layer *x = (const struct h1_layer *)l;
    if (!sf_h1_idle(x->h))
        return false;
    return !x->tunnel || sf_layer_idle(l->up);
}

static void h1l_destroy(struct sf_layer *l)
{
    struct h1_layer *x = (struct h1_layer *)l;
    sf_h1_stats(x->h, sf_stack_http_stats(l->stack));
    sf_h1_free(x->h);
    free(x);
}

static const struct sf_layer_ops h1l_ops = {
    .name = "http1",
    .data = h1l_data,
    .gap = h1l_gap,
    .retrans = h1l_retrans,
    .eof = h1l_eof,
    .acked = h1l_acked,
    .finish = h1l_finish,
    .idle = h1l_idle,
    .destroy = h1l_destroy,
};

struct sf_layer *sf_http1_layer_new(struct sf_stack *s)
{
    struct h1_layer *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->l.ops = &h1l_ops;
    x->l.stack = s;
    x->h = sf_h1_new(sf_stack_http_config(s), &h1_ops, x, s->conn->id, -1);
    if (!x->h) {
        free(x);
        return NULL;
    }
    sf_h1_share_counter(x->h, &s->http_txns);
    return &x->l;
}
