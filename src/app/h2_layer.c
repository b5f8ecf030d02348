/* h2_layer.c - HTTP/2 as a message parser of the stack: frames of each direction reassembled from
 * the layer's byte stream, header blocks decoded with libnghttp2's HPACK inflater (one dynamic
 * table per direction), one transaction per stream. */
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "app/h2_frame.h"
#include "app/http1.h"
#include "app/layer.h"
#include "synfin/http2.h"

/* A frame longer than this is not held (16 MiB frames would let one
 * connection pin that much memory): its direction stops being read. */
#define H2_HOLD_MAX (1u << 20)
#define H2_HBLOCK_MAX (256u << 10)

/* Flow control of one sender (RFC 9113 section 5.2) on one window: the
 * connection's or a stream's. */
struct h2_window {
    int64_t size;             /* what the sender may still send */
    bool blocked;             /* used up by a DATA frame that did not end the stream */
    bool opened;              /* then a WINDOW_UPDATE opened it: a stall if DATA follows */
    uint64_t blocked_frame, update_frame;
    int64_t blocked_ts, update_ts;
};

struct h2_stream {
    uint32_t id;
    struct sf_http_txn *t;
    bool end[2];              /* END_STREAM seen per direction */
    struct h2_window win[2];  /* per sender */
    struct sf_http_decoder *dec[2];   /* Content-Encoding of each direction's body */
};

struct h2_dir {
    uint8_t *buf;             /* bytes of an incomplete frame */
    size_t len, cap;
    bool preface;             /* the client preface is still expected (dir 0) */
    size_t preface_seen;
    bool dead;                /* framing lost (gap, oversize): nothing more is read */
    nghttp2_hd_inflater *inf;
    uint8_t *hblock;          /* header block being gathered (HEADERS + CONTINUATION) */
    size_t hlen, hcap;
    uint32_t hstream;         /* its stream; 0 = none */
    bool hend_stream;
    bool hpush;               /* the block is a PUSH_PROMISE's */
    uint32_t max_frame;       /* what the peer's SETTINGS allow this direction to send */
    uint32_t table_max;       /* HPACK table size the inflater accepts (peer's SETTINGS) */
    struct sf_span first;     /* the frame of the first byte held */
};

struct h2_layer {
    struct sf_layer l;
    struct h2_dir d[2];
    struct h2_stream *st;
    size_t nst, cap;
    uint32_t max_id[2];       /* highest stream id opened, even / odd: lower ones are closed */
    struct h2_window conn_win[2];     /* the connection's window per sender */
    int64_t init_win[2];      /* a new stream's window per sender (the peer's INITIAL_WINDOW_SIZE) */
    bool ping_pending[2];     /* a PING of this side waits for its ACK */
    uint8_t ping_data[2][8];
    uint32_t ping_slot[2];    /* its entry in info.pings (SF_H2_MAX_PINGS: not kept) */
    int64_t ping_ts[2];
    bool settings_wait_ack[2];    /* the first SETTINGS of this side waits for the peer's ACK */
    struct sf_h2_info info;
};

static struct h2_stream *stream_get(struct h2_layer *x, uint32_t id, bool create)
{
    for (size_t i = 0; i < x->nst; i++)
        if (x->st[i].id == id)
            return &x->st[i];
    /* Frames still in flight on a closed (reset or ended) stream are not a new stream. */
    if (!create || id <= x->max_id[id & 1])
        return NULL;
    if (x->nst == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 8;
        struct h2_stream *g = realloc(x->st, nc * sizeof(*g));
        if (!g)
            return NULL;
        x->st = g;
        x->cap = nc;
    }
    struct sf_http_txn *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->conn_id = x->l.stack->conn->id;
    t->n = ++x->l.stack->http_txns;
    t->stream = id;
    t->connect_ns = -1;
    t->send_ns = t->wait_ns = t->receive_ns = -1;
    t->client_ack_ts = -1;
    x->info.streams++;
    x->max_id[id & 1] = id;
    struct h2_stream *s = &x->st[x->nst++];
    memset(s, 0, sizeof(*s));
    s->id = id;
    s->t = t;
    s->win[0].size = x->init_win[0];
    s->win[1].size = x->init_win[1];
    return s;
}

static int64_t span_ns(int64_t a, int64_t b)
{
    return b >= a ? b - a : 0;
}

/* The stream will not change any more: timings, then ownership to the application. */
static void stream_release(struct h2_layer *x, struct h2_stream *s)
{
    struct sf_http_txn *t = s->t;
    if (!t)
        return;
    if (t->req.present && t->req.frames)
        t->send_ns = span_ns(t->req.first_ts, t->req.last_ts);
    if (t->req.present && t->resp.present)
        t->wait_ns = span_ns(t->req.last_ts, t->resp.first_ts);
    if (t->resp.present && t->resp.frames)
        t->receive_ns = span_ns(t->resp.first_ts, t->resp.last_ts);
    for (int dir = 0; dir < 2; dir++) {
        if (s->dec[dir]) {
            /* The body did not end (reset, or the capture stopped). */
            struct sf_http_msg *m = dir == 0 ? &t->req : &t->resp;
            m->body_decoded_bytes = sf_http_decoder_total(s->dec[dir]);
            if (m->decode == SF_HTTP_DECODE_OK)
                m->decode = SF_HTTP_DECODE_ERROR;
            sf_http_decoder_free(s->dec[dir]);
            s->dec[dir] = NULL;
        }
    }
    s->t = NULL;
    sf_stack_http_final(x->l.stack, t);
    /* Remove the slot: streams live only while open. */
    size_t i = (size_t)(s - x->st);
    x->st[i] = x->st[--x->nst];
}

static void msg_touch(struct sf_http_msg *m, const struct sf_span *src)
{
    if (!m->present) {
        m->present = true;
        memcpy(m->version, "2", 2);
        m->first_frame = src->first_frame ? src->first_frame : src->frame;
        m->first_ts = src->first_frame ? src->first_ts : src->ts_ns;
    }
    if (m->last_data_frame != src->frame)
        m->frames++;
    m->last_data_frame = src->frame;
    m->last_ts = src->ts_ns;
}

static char *dupn(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static bool keep_header(struct sf_http_msg *m, const nghttp2_nv *nv)
{
    struct sf_http_hdr *g = realloc(m->headers, (m->nheaders + 1) * sizeof(*g));
    if (!g)
        return false;
    m->headers = g;
    g[m->nheaders].name = dupn(nv->name, nv->namelen);
    g[m->nheaders].value = dupn(nv->value, nv->valuelen);
    m->nheaders++;
    return true;
}

static bool nv_is(const nghttp2_nv *nv, const char *name)
{
    size_t k = strlen(name);
    return nv->namelen == k && memcmp(nv->name, name, k) == 0;
}

/* One decoded header field of stream s in direction dir. */
static void on_field(struct h2_layer *x, struct sf_http_txn *t, int dir, const nghttp2_nv *nv, uint16_t *status,
                     bool trailers)
{
    struct sf_http_msg *m = dir == 0 ? &t->req : &t->resp;
    const struct sf_http_config *cfg = sf_stack_http_config(x->l.stack);
    if (!trailers) {
        if (dir == 0 && nv_is(nv, ":method") && !t->method)
            t->method = dupn(nv->value, nv->valuelen);
        else if (dir == 0 && nv_is(nv, ":path") && !t->uri)
            t->uri = dupn(nv->value, nv->valuelen);
        else if (dir == 0 && nv_is(nv, ":authority") && !t->host)
            t->host = dupn(nv->value, nv->valuelen);
        else if (dir == 1 && nv_is(nv, ":status") && nv->valuelen == 3)
            *status = (uint16_t)((nv->value[0] - '0') * 100 + (nv->value[1] - '0') * 10 + (nv->value[2] - '0'));
        else if (nv_is(nv, "content-type") && !m->content_type)
            m->content_type = dupn(nv->value, nv->valuelen);
        else if (nv_is(nv, "content-encoding") && !m->content_encoding)
            m->content_encoding = dupn(nv->value, nv->valuelen);
    }
    if (cfg->keep_headers && m->nheaders < cfg->max_headers)
        keep_header(m, nv);
}

/* Decodes the gathered header block of direction dir and applies it to its stream. */
static void header_block(struct h2_layer *x, int dir, const struct sf_span *src)
{
    struct h2_dir *d = &x->d[dir];
    uint32_t id = d->hstream;
    struct h2_stream *s;
    uint16_t status = 0;
    bool trailers;
    /* An empty block (no CONTINUATION payload yet) has no buffer: the
     * inflater still needs a valid pointer. */
    static const uint8_t empty[1];
    const uint8_t *in = d->hblock ? d->hblock : empty;
    size_t inlen = d->hlen;

    d->hstream = 0;
    d->hlen = 0;
    if (x->info.hpack_unknown[dir] || !d->inf)
        return;
    s = stream_get(x, id, true);
    if (!s)
        return;
    {
        struct sf_http_msg *m = dir == 0 ? &s->t->req : &s->t->resp;
        /* A second block in a direction that already has a final message is trailers. */
        trailers = m->present && (dir == 0 || s->t->status >= 200);
        msg_touch(m, src);
        m->header_bytes += inlen;
    }
    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t rv = nghttp2_hd_inflate_hd2(d->inf, &nv, &flags, in, inlen, 1);
        if (rv < 0) {
            /* The dynamic table is now out of step: never guess afterwards. */
            x->info.hpack_unknown[dir] = true;
            sf_stack_http_stats(x->l.stack)->parse_errors++;
            break;
        }
        in += rv;
        inlen -= (size_t)rv;
        if (flags & NGHTTP2_HD_INFLATE_EMIT)
            on_field(x, s->t, dir, &nv, &status, trailers);
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(d->inf);
            break;
        }
        if (inlen == 0 && !(flags & NGHTTP2_HD_INFLATE_EMIT))
            break;
    }
    if (d->hpush)
        return;
    if (dir == 1 && status >= 100 && status < 200) {
        if (s->t->ninterim < SF_HTTP_MAX_INTERIM) {
            struct sf_http_interim *in1 = &s->t->interim[s->t->ninterim++];
            in1->status = status;
            in1->frame = src->frame;
            in1->ts = src->ts_ns;
        }
        sf_stack_http_done(x->l.stack, s->t, false);
        return;
    }
    if (dir == 1 && status && !trailers)
        s->t->status = status;
    if (!trailers) {
        struct sf_http_msg *m = dir == 0 ? &s->t->req : &s->t->resp;
        m->head_frame = src->frame;
    }
}

/* The message of dir on stream s ended (END_STREAM). */
static void message_end(struct h2_layer *x, struct h2_stream *s, int dir, const struct sf_span *src)
{
    struct sf_http_msg *m = dir == 0 ? &s->t->req : &s->t->resp;
    s->end[dir] = true;
    if (s->dec[dir]) {
        m->decode = sf_http_decoder_end(s->dec[dir]);
        m->body_decoded_bytes = sf_http_decoder_total(s->dec[dir]);
        sf_http_decoder_free(s->dec[dir]);
        s->dec[dir] = NULL;
    }
    m->complete = true;
    m->frame = src->frame;
    if (dir == 1)
        sf_stack_http_body(x->l.stack, s->t, NULL, 0);
    sf_stack_http_done(x->l.stack, s->t, dir == 0);
    if (s->end[0] && s->end[1])
        stream_release(x, s);
}

static void settings(struct h2_layer *x, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct sf_h2_settings *first = &x->info.settings[dir];
    bool record = first->frame == 0;
    x->info.settings_frames[dir]++;
    if (record) {
        first->frame = src->frame;
        first->ts = src->ts_ns;
        x->settings_wait_ack[dir] = true;
    }
    for (size_t i = 0; i + 6 <= n; i += 6) {
        uint16_t id = (uint16_t)(p[i] << 8 | p[i + 1]);
        uint32_t v = sf_h2_u32(p + i + 2);
        if (record && first->n < SF_H2_MAX_SETTINGS) {
            first->id[first->n] = id;
            first->value[first->n] = v;
            first->n++;
        }
        /* SETTINGS_MAX_FRAME_SIZE of dir limits what the other side sends. */
        if (id == 0x5 && v >= SF_H2_DEFAULT_MAX_FRAME && v <= 0xffffff)
            x->d[!dir].max_frame = v;
        /* SETTINGS_HEADER_TABLE_SIZE of dir bounds the other side's encoder:
         * the inflater of that direction must accept a size update up to it.
         * Only raised (the old bound holds until the ACK; a larger one is
         * harmless to a reader), so a smaller value is never enforced early. */
        if (id == 0x1 && v > x->d[!dir].table_max && x->d[!dir].inf &&
            nghttp2_hd_inflate_change_table_size(x->d[!dir].inf, v) == 0)
            x->d[!dir].table_max = v;
        /* SETTINGS_INITIAL_WINDOW_SIZE of dir sizes the other side's stream
         * windows, the open ones changed by the difference (RFC 9113 6.9.2). */
        if (id == 0x4 && v <= 0x7fffffffu) {
            int64_t delta = (int64_t)v - x->init_win[!dir];
            for (size_t k = 0; k < x->nst; k++)
                x->st[k].win[!dir].size += delta;
            x->init_win[!dir] = v;
        }
    }
}

/* A DATA frame of `len` flow-controlled bytes (padding included) from dir
 * on window w: a stall is recorded when the window had been used up and a
 * WINDOW_UPDATE opened it before this frame. */
static void window_spend(struct h2_layer *x, struct h2_window *w, int dir, uint32_t stream, uint32_t len,
                         bool end_stream, const struct sf_span *src)
{
    if (w->opened) {
        if (x->info.nstalls < SF_H2_MAX_STALLS) {
            struct sf_h2_stall *st = &x->info.stalls[x->info.nstalls];
            st->stream = stream;
            st->dir = (uint8_t)dir;
            st->blocked_frame = w->blocked_frame;
            st->update_frame = w->update_frame;
            st->resume_frame = src->frame;
            st->wait_ns = w->update_ts >= w->blocked_ts ? w->update_ts - w->blocked_ts : 0;
        }
        x->info.nstalls++;
        w->opened = false;
    }
    w->size -= len;
    if (w->size <= 0 && !end_stream && !w->blocked) {
        w->blocked = true;
        w->blocked_frame = src->frame;
        w->blocked_ts = src->ts_ns;
    }
}

static void window_update(struct h2_window *w, uint32_t inc, const struct sf_span *src)
{
    w->size += inc;
    if (w->blocked && w->size > 0) {
        w->blocked = false;
        w->opened = true;
        w->update_frame = src->frame;
        w->update_ts = src->ts_ns;
    }
}

struct dec_out {
    struct h2_layer *x;
    struct h2_stream *s;
    int dir;
};

static void decoded_out(void *ctx, const uint8_t *p, size_t n)
{
    struct dec_out *o = ctx;
    struct sf_http_msg *m = o->dir == 0 ? &o->s->t->req : &o->s->t->resp;
    sf_http_keep_body(sf_stack_http_config(o->x->l.stack), m, p, n);
    if (o->dir == 1)
        sf_stack_http_body(o->x->l.stack, o->s->t, p, n);
}

/* De-framed DATA bytes of a message: content-decoded as for HTTP/1.x. */
static void body_bytes(struct h2_layer *x, struct h2_stream *s, int dir, const uint8_t *c, size_t cn)
{
    struct sf_http_msg *m = dir == 0 ? &s->t->req : &s->t->resp;
    struct dec_out o = { x, s, dir };
    if (m->body_bytes == 0 && m->content_encoding && !s->dec[dir]) {
        const struct sf_http_config *cfg = sf_stack_http_config(x->l.stack);
        s->dec[dir] = sf_http_decoder_new(m->content_encoding, strlen(m->content_encoding), &m->decode);
        if (s->dec[dir])
            sf_http_decoder_set_cap(s->dec[dir], cfg->max_decoded);
    }
    m->body_bytes += cn;
    if (s->dec[dir]) {
        m->decode = sf_http_decoder_feed(s->dec[dir], c, cn, decoded_out, &o);
        m->body_decoded_bytes = sf_http_decoder_total(s->dec[dir]);
    } else {
        m->body_decoded_bytes += cn;
        if (cn)
            decoded_out(&o, c, cn);
    }
}

static void frame(struct h2_layer *x, int dir, const struct sf_h2_frame *f, const uint8_t *p, const struct sf_span *src)
{
    struct h2_dir *d = &x->d[dir];
    const uint8_t *c;
    size_t cn;
    uint32_t promised;
    struct h2_stream *s;

    x->info.frames[dir]++;
    if (f->type < SF_H2_NTYPES)
        x->info.by_type[f->type]++;
    else {
        x->info.unknown_frames++;   /* RFC 9113 5.5: ignored */
        return;
    }
    if (!sf_h2_frame_content(f, p, &c, &cn, &promised)) {
        x->info.bad_frames++;
        return;
    }
    /* A header block is not interleaved with other frames (RFC 9113 6.10). */
    if (d->hstream && f->type != SF_H2_CONTINUATION) {
        x->info.bad_frames++;
        d->hstream = 0;
        d->hlen = 0;
    }
    switch (f->type) {
    case SF_H2_HEADERS:
    case SF_H2_PUSH_PROMISE:
    case SF_H2_CONTINUATION:
        if (f->type == SF_H2_CONTINUATION && (!d->hstream || f->stream != d->hstream)) {
            x->info.bad_frames++;
            return;
        }
        if (f->type != SF_H2_CONTINUATION) {
            if (f->stream == 0) {
                x->info.bad_frames++;
                return;
            }
            d->hstream = f->type == SF_H2_PUSH_PROMISE ? promised : f->stream;
            d->hpush = f->type == SF_H2_PUSH_PROMISE;
            d->hend_stream = f->type == SF_H2_HEADERS && (f->flags & SF_H2_END_STREAM);
            d->hlen = 0;
        }
        if (d->hlen + cn > H2_HBLOCK_MAX) {
            x->info.hpack_unknown[dir] = true;   /* a block we cannot hold: the table is lost */
            d->hstream = 0;
            return;
        }
        if (d->hlen + cn > d->hcap) {
            size_t nc = (d->hlen + cn) * 2;
            uint8_t *g = realloc(d->hblock, nc);
            if (!g) {
                x->info.hpack_unknown[dir] = true;
                d->hstream = 0;
                return;
            }
            d->hblock = g;
            d->hcap = nc;
        }
        if (cn)
            memcpy(d->hblock + d->hlen, c, cn);
        d->hlen += cn;
        if (f->flags & SF_H2_END_HEADERS) {
            /* A PUSH_PROMISE's block is a request on the promised stream
             * sent by the server: it is decoded with the server's table. */
            bool push = d->hpush, end = d->hend_stream;
            uint32_t id = d->hstream;
            if (push) {
                /* The promised request: fields go to the request of the promised stream. */
                struct h2_stream *ps = stream_get(x, id, true);
                if (ps && !x->info.hpack_unknown[dir]) {
                    static const uint8_t empty[1];
                    const uint8_t *in = d->hblock ? d->hblock : empty;
                    size_t inlen = d->hlen;
                    uint16_t st = 0;
                    msg_touch(&ps->t->req, src);
                    for (;;) {
                        nghttp2_nv nv;
                        int fl = 0;
                        ssize_t rv = nghttp2_hd_inflate_hd2(d->inf, &nv, &fl, in, inlen, 1);
                        if (rv < 0) {
                            x->info.hpack_unknown[dir] = true;
                            break;
                        }
                        in += rv;
                        inlen -= (size_t)rv;
                        if (fl & NGHTTP2_HD_INFLATE_EMIT)
                            on_field(x, ps->t, 0, &nv, &st, false);
                        if (fl & NGHTTP2_HD_INFLATE_FINAL) {
                            nghttp2_hd_inflate_end_headers(d->inf);
                            break;
                        }
                        if (inlen == 0 && !(fl & NGHTTP2_HD_INFLATE_EMIT))
                            break;
                    }
                    ps->t->pushed = true;
                    ps->end[0] = true;   /* a promised request has no body */
                    ps->t->req.complete = true;
                    ps->t->req.frame = src->frame;
                }
                d->hstream = 0;
                d->hlen = 0;
                return;
            }
            header_block(x, dir, src);
            if (end && (s = stream_get(x, id, false)) != NULL)
                message_end(x, s, dir, src);
        }
        return;
    case SF_H2_DATA:
        s = stream_get(x, f->stream, f->stream != 0);
        if (!s)
            return;
        {
            struct sf_http_msg *m = dir == 0 ? &s->t->req : &s->t->resp;
            bool end = f->flags & SF_H2_END_STREAM;
            msg_touch(m, src);
            m->body_wire_bytes += f->length;
            window_spend(x, &x->conn_win[dir], dir, 0, f->length, end, src);
            window_spend(x, &s->win[dir], dir, s->id, f->length, end, src);
            body_bytes(x, s, dir, c, cn);
        }
        if (f->flags & SF_H2_END_STREAM)
            message_end(x, s, dir, src);
        return;
    case SF_H2_RST_STREAM:
        x->info.resets[dir]++;
        s = stream_get(x, f->stream, false);
        if (s && cn >= 4) {
            s->t->rst_code = sf_h2_u32(c);
            s->t->rst_by = (int8_t)dir;
            s->t->reset = true;
        }
        /* The sender's side is over; the peer's frames already in flight
         * (a response to a request the client just reset) still belong to
         * the stream, so it waits for the peer's end or its own reset. */
        if (s) {
            s->end[dir] = true;
            if (s->end[!dir] || dir == 1)
                stream_release(x, s);
        }
        return;
    case SF_H2_SETTINGS:
        if (!(f->flags & SF_H2_ACK)) {
            settings(x, dir, c, cn, src);
        } else if (x->settings_wait_ack[!dir]) {
            /* The ACK of the peer's first SETTINGS: the set-up is done. */
            x->settings_wait_ack[!dir] = false;
            x->info.settings[!dir].ack_frame = src->frame;
            x->info.settings[!dir].ack_ts = src->ts_ns;
        }
        return;
    case SF_H2_PING:
        if (cn != 8 || f->stream != 0) {
            x->info.bad_frames++;
            return;
        }
        if (!(f->flags & SF_H2_ACK)) {
            x->info.npings++;
            x->ping_pending[dir] = true;
            memcpy(x->ping_data[dir], c, 8);
            x->ping_slot[dir] = SF_H2_MAX_PINGS;
            if (x->info.npings <= SF_H2_MAX_PINGS) {
                struct sf_h2_ping *pg = &x->info.pings[x->info.npings - 1];
                pg->by = (uint8_t)dir;
                pg->frame = src->frame;
                pg->rtt_ns = -1;
                x->ping_slot[dir] = x->info.npings - 1;
                pg->ack_frame = 0;
            }
            x->ping_ts[dir] = src->ts_ns;
        } else if (x->ping_pending[!dir] && memcmp(x->ping_data[!dir], c, 8) == 0) {
            x->ping_pending[!dir] = false;
            if (x->ping_slot[!dir] < SF_H2_MAX_PINGS) {
                struct sf_h2_ping *pg = &x->info.pings[x->ping_slot[!dir]];
                pg->ack_frame = src->frame;
                pg->rtt_ns = src->ts_ns >= x->ping_ts[!dir] ? src->ts_ns - x->ping_ts[!dir] : 0;
            }
        }
        return;
    case SF_H2_GOAWAY:
        x->info.goaway[dir] = true;
        if (cn >= 8) {
            struct sf_h2_goaway *g = &x->info.goaways[dir];
            size_t k, dn = cn - 8;
            g->frame = src->frame;
            g->last_stream = sf_h2_u32(c) & 0x7fffffffu;
            g->error = sf_h2_u32(c + 4);
            for (k = 0; k < dn && k + 1 < sizeof(g->debug); k++)
                g->debug[k] = (c[8 + k] >= 0x20 && c[8 + k] < 0x7f) ? (char)c[8 + k] : '?';
            g->debug[k] = '\0';
        } else {
            x->info.bad_frames++;
        }
        return;
    case SF_H2_WINDOW_UPDATE:
        if (cn != 4) {
            x->info.bad_frames++;
            return;
        }
        x->info.window_updates[dir]++;
        {
            uint32_t inc = sf_h2_u32(c) & 0x7fffffffu;
            /* An update sent by dir opens the window of the other side. */
            if (f->stream == 0)
                window_update(&x->conn_win[!dir], inc, src);
            else if ((s = stream_get(x, f->stream, false)) != NULL)
                window_update(&s->win[!dir], inc, src);
        }
        return;
    default:
        return;   /* PRIORITY: counted */
    }
}

/* Reads whole frames from p[0..n); returns the bytes used (the rest is an incomplete frame). */
static size_t frames(struct h2_layer *x, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct h2_dir *d = &x->d[dir];
    size_t off = 0;
    struct sf_h2_frame f;
    while (!d->dead && sf_h2_frame_head(p + off, n - off, &f)) {
        if (f.length > d->max_frame) {
            x->info.oversize_frames++;   /* RFC 9113 4.2: FRAME_SIZE_ERROR */
            if (f.length > H2_HOLD_MAX) {
                d->dead = true;
                break;
            }
        }
        if (n - off < SF_H2_HEAD + (size_t)f.length)
            break;
        frame(x, dir, &f, p + off + SF_H2_HEAD, src);
        off += SF_H2_HEAD + f.length;
    }
    return off;
}

static void h2l_data(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src)
{
    struct h2_layer *x = (struct h2_layer *)l;
    struct h2_dir *d = &x->d[dir];
    size_t used;

    if (d->dead)
        return;
    if (d->preface) {
        /* The client's 24-byte preface, possibly split. */
        while (n && d->preface_seen < SF_H2_PREFACE_LEN) {
            if (*p != (uint8_t)SF_H2_PREFACE[d->preface_seen]) {
                d->dead = true;
                sf_stack_http_stats(l->stack)->parse_errors++;
                return;
            }
            p++;
            n--;
            d->preface_seen++;
        }
        if (d->preface_seen < SF_H2_PREFACE_LEN)
            return;
        d->preface = false;
    }
    if (d->len == 0) {
        used = frames(x, dir, p, n, src);
        p += used;
        n -= used;
        if (!n || d->dead)
            return;
    }
    if (d->len + n > d->cap) {
        size_t nc = d->len + n;
        if (nc < 2 * d->cap)
            nc = 2 * d->cap;
        if (nc > H2_HOLD_MAX + SF_H2_HEAD)
            nc = H2_HOLD_MAX + SF_H2_HEAD;
        if (d->len + n > nc) {
            d->dead = true;
            return;
        }
        uint8_t *g = realloc(d->buf, nc);
        if (!g) {
            d->dead = true;
            return;
        }
        d->buf = g;
        d->cap = nc;
    }
    if (d->len == 0)
        d->first = *src;
    memcpy(d->buf + d->len, p, n);
    d->len += n;
    {
        /* A frame completed by this segment began in an earlier one. */
        struct sf_span sp = *src;
        sp.first_frame = d->first.first_frame ? d->first.first_frame : d->first.frame;
        sp.first_ts = d->first.first_frame ? d->first.first_ts : d->first.ts_ns;
        used = frames(x, dir, d->buf, d->len, &sp);
    }
    if (used) {
        memmove(d->buf, d->buf + used, d->len - used);
        d->len -= used;
        if (d->len)
            d->first = *src;
    }
}

static void h2l_gap(struct sf_layer *l, int dir, uint64_t n)
{
    struct h2_layer *x = (struct h2_layer *)l;
    (void)n;
    /* Frame boundaries and the HPACK dynamic table of this direction are
     * both lost: say so, and stop rather than guess. */
    x->d[dir].dead = true;
    x->info.hpack_unknown[dir] = true;
    sf_stack_http_stats(l->stack)->gaps++;
}

static void h2l_finish(struct sf_layer *l)
{
    struct h2_layer *x = (struct h2_layer *)l;
    while (x->nst)
        stream_release(x, &x->st[x->nst - 1]);
}

static bool h2l_idle(const struct sf_layer *l)
{
    const struct h2_layer *x = (const struct h2_layer *)l;
    return x->d[0].dead && x->d[1].dead;
}

static void h2l_destroy(struct sf_layer *l)
{
    struct h2_layer *x = (struct h2_layer *)l;
    for (size_t i = 0; i < x->nst; i++) {
        sf_http_decoder_free(x->st[i].dec[0]);
        sf_http_decoder_free(x->st[i].dec[1]);
        sf_h1_txn_free(x->st[i].t);
    }
    for (int dir = 0; dir < 2; dir++) {
        free(x->d[dir].buf);
        free(x->d[dir].hblock);
        if (x->d[dir].inf)
            nghttp2_hd_inflate_del(x->d[dir].inf);
    }
    if (l->stack && l->stack->info.h2 == &x->info)
        l->stack->info.h2 = NULL;
    free(x->st);
    free(x);
}

static const struct sf_layer_ops h2l_ops = {
    .name = "http2",
    .data = h2l_data,
    .gap = h2l_gap,
    .finish = h2l_finish,
    .idle = h2l_idle,
    .destroy = h2l_destroy,
};

static struct sf_layer *h2_new(struct sf_stack *s, bool upgraded)
{
    struct h2_layer *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->l.ops = &h2l_ops;
    x->l.stack = s;
    for (int dir = 0; dir < 2; dir++) {
        x->d[dir].max_frame = SF_H2_DEFAULT_MAX_FRAME;
        x->d[dir].table_max = 4096;   /* RFC 7541 default */
        /* Without the inflater, headers are simply not decoded (said per direction). */
        if (nghttp2_hd_inflate_new(&x->d[dir].inf) != 0) {
            x->d[dir].inf = NULL;
            x->info.hpack_unknown[dir] = true;
        }
    }
    for (int dir = 0; dir < 2; dir++) {
        /* RFC 9113 6.9.2: 65,535 bytes until a SETTINGS says otherwise. */
        x->conn_win[dir].size = 65535;
        x->init_win[dir] = 65535;
    }
    x->d[0].preface = true;   /* after Upgrade too (RFC 9113 3.2) */
    x->info.upgraded = upgraded;
    s->info.h2 = &x->info;
    return &x->l;
}

struct sf_layer *sf_http2_layer_new(struct sf_stack *s)
{
    return h2_new(s, false);
}

struct sf_layer *sf_http2_upgrade_layer_new(struct sf_stack *s)
{
    return h2_new(s, true);
}
