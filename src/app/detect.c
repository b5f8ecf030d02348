/* detect.c - protocol detection by the first bytes of a stream (any port), and the opaque layer. */
#include <stdlib.h>
#include <string.h>

#include "app/h2_frame.h"
#include "app/http1.h"
#include "app/layer.h"

static int http1_probe(int dir, const uint8_t *p, size_t n)
{
    return sf_http_plausible(dir, p, n);
}

/* HTTP/2 with prior knowledge: the client's connection preface, on any port. */
static int h2_probe(int dir, const uint8_t *p, size_t n)
{
    if (dir == 0)
        return sf_h2_preface_probe(p, n);
    /* A server that knows h2c may send its SETTINGS before the client's
     * preface arrives: wait for the client then (the preface decides). */
    if (n >= 1 && p[0] != 0)
        return 0;
    if (n >= 4 && p[3] != 4)
        return 0;
    if (n >= 5 && (p[4] & 1))
        return 0;
    if (n >= 9 && ((sf_h2_u32(p + 5) & 0x7fffffffu) != 0 || ((uint32_t)p[1] << 8 | p[2]) % 6 != 0))
        return 0;
    return -1;
}

/* Tried in this order; the first that says 1 wins.  HTTP/1.x is also the
 * fallback.  A new protocol is one line here and one file of its own. */
static const struct sf_app_proto protos[] = {
    { "tls", sf_tls_probe, sf_tls_layer_new },
    { "http2", h2_probe, sf_http2_layer_new },
    { "socks", sf_socks_probe, sf_socks_layer_new },
    { "http1", http1_probe, sf_http1_layer_new },
};
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

/* Bytes held per direction until a decision: enough for the longest
 * signature (the HTTP/2 connection preface is 24 bytes) and for an h2c
 * server's first SETTINGS + WINDOW_UPDATE sent before the client's preface. */
#define DETECT_MAX 128
#define DETECT_PIECES 8

struct piece {
    uint8_t len;
    struct sf_span src;
};

struct detect {
    struct sf_layer l;
    uint8_t buf[2][DETECT_MAX];
    uint8_t len[2];
    struct piece piece[2][DETECT_PIECES];
    uint8_t npieces[2];
    bool eof[2];
};

/* Which protocol p[0..n) of dir starts: an index into protos, -1 to wait
 * for more bytes, or the fallback (HTTP/1.x, index 0 of its own row). */
static int choose(int dir, const uint8_t *p, size_t n, bool force)
{
    bool pending = false;
    for (size_t i = 0; i < NPROTOS; i++) {
        int r = protos[i].probe(dir, p, n);
        if (r == 1)
            return (int)i;
        /* HTTP/1.x gathers a short start itself: only the others wait. */
        if (r < 0 && protos[i].create != sf_http1_layer_new)
            pending = true;
    }
    if (pending && !force && n < DETECT_MAX)
        return -1;
    for (size_t i = 0; i < NPROTOS; i++)
        if (protos[i].create == sf_http1_layer_new)
            return (int)i;
    return -1;
}

/* Replaces the detection layer by the chosen one and replays what it held. */
static void decide(struct detect *d, int which)
{
    struct sf_stack *s = d->l.stack;
    struct sf_layer *next = NULL;
    struct sf_layer **slot = d->l.slot;
    struct detect saved;

    if (s->depth < SF_STACK_MAX_DEPTH) {
        s->depth++;
        next = protos[which].create(s);
        if (next)
            sf_stack_note(s, protos[which].name);
    }
    if (!next) {
        next = sf_opaque_layer_new(s);
        sf_stack_note(s, "opaque");
    }
    /* d is destroyed by the install: keep what it holds. */
    memcpy(&saved, d, sizeof(saved));
    sf_layer_install(s, slot, next, NULL);
    if (!next)
        return;
    for (int dir = 0; dir < 2; dir++) {
        size_t off = 0;
        for (uint8_t i = 0; i < saved.npieces[dir]; i++) {
            sf_layer_data(next, dir, saved.buf[dir] + off, saved.piece[dir][i].len, &saved.piece[dir][i].src);
            off += saved.piece[dir][i].len;
        }
    }
    for (int dir = 0; dir < 2; dir++)
        if (saved.eof[dir])
            sf_layer_eof(next, dir);
}

/* Decides with what is held (a gap, an end, or the other direction's
 * data makes waiting pointless); returns the layer now in place. */
static struct sf_layer *force(struct detect *d, int dir)
{
    struct sf_layer **slot = d->l.slot;
    int which;
    if (d->len[dir] == 0 && d->len[!dir] != 0)
        dir = !dir;
    which = choose(dir, d->buf[dir], d->len[dir], true);
    decide(d, which < 0 ? 0 : which);
    return *slot;
}

static void detect_data(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct detect *d = (struct detect *)l;
    struct sf_layer **slot = l->slot;
    int which;

    if (d->len[dir] == 0 && d->len[!dir] == 0) {
        /* The common case: the first delivery decides, with no copy. */
        which = choose(dir, p, n, false);
        if (which >= 0) {
            decide(d, which);
            sf_layer_data(*slot, dir, p, n, src);
            return;
        }
    }
    if (d->len[!dir] != 0 && d->len[dir] == 0) {
        /* The other direction is waiting and this one has started: this
         * one decides if it can (a client's HTTP/2 preface after a server's
         * SETTINGS), else the first direction's bytes; then pass these on. */
        struct sf_layer *next;
        which = choose(dir, p, n, false);
        if (which >= 0 && protos[which].create != sf_http1_layer_new) {
            decide(d, which);
            sf_layer_data(*slot, dir, p, n, src);
            return;
        }
        next = force(d, !dir);
        sf_layer_data(next, dir, p, n, src);
        return;
    }
    {
        size_t take = n;
        if (take > (size_t)(DETECT_MAX - d->len[dir]))
            take = DETECT_MAX - d->len[dir];
        if (d->npieces[dir] == DETECT_PIECES)
            take = 0;
        if (take) {
            struct piece *pc = &d->piece[dir][d->npieces[dir]++];
            memcpy(d->buf[dir] + d->len[dir], p, take);
            d->len[dir] = (uint8_t)(d->len[dir] + take);
            pc->len = (uint8_t)take;
            pc->src = *src;
        }
        which = choose(dir, d->buf[dir], d->len[dir], take < n);
        if (which < 0)
            return;
        decide(d, which);
        if (take < n)
            sf_layer_data(*slot, dir, p + take, n - take, src);
    }
}

static void detect_gap(struct sf_layer *l, int dir, uint64_t n)
{
    struct detect *d = (struct detect *)l;
    struct sf_layer **slot = l->slot;
    if (d->len[0] == 0 && d->len[1] == 0) {
        /* Nothing to judge yet: the stream starts with a hole, so its
         * first bytes are lost; HTTP/1.x resynchronises on a message start. */
        decide(d, choose(dir, NULL, 0, true));
        sf_layer_gap(*slot, dir, n);
        return;
    }
    sf_layer_gap(force(d, dir), dir, n);
}

static void detect_eof(struct sf_layer *l, int dir)
{
    struct detect *d = (struct detect *)l;
    d->eof[dir] = true;
    if (d->eof[0] && d->eof[1])
        force(d, dir);
}

static void detect_finish(struct sf_layer *l)
{
    struct detect *d = (struct detect *)l;
    if (d->len[0] || d->len[1]) {
        struct sf_layer *next = force(d, 0);
        sf_layer_finish(next);
    }
}

static const struct sf_layer_ops detect_ops = {
    .name = "detect",
    .data = detect_data,
    .gap = detect_gap,
    .eof = detect_eof,
    .finish = detect_finish,
};

struct sf_layer *sf_detect_layer_new(struct sf_stack *s)
{
    struct detect *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->l.ops = &detect_ops;
    d->l.stack = s;
    return &d->l;
}

/* ------------------------------------------------------------ opaque */

static void opaque_data(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    (void)l;
    (void)dir;
    (void)p;
    (void)n;
    (void)src;
}

static bool opaque_idle(const struct sf_layer *l)
{
    (void)l;
    return true;
}

static const struct sf_layer_ops opaque_ops = {
    .name = "opaque",
    .data = opaque_data,
    .idle = opaque_idle,
};

struct sf_layer *sf_opaque_layer_new(struct sf_stack *s)
{
    struct sf_layer *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->ops = &opaque_ops;
    l->stack = s;
    return l;
}
