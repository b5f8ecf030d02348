/* http1.c - incremental HTTP/1.x stream parser: message framing, FIFO pairing, tunnels, timings (RFC 9112). */
#include <stdlib.h>
#include <string.h>

#include "app/http1.h"

enum h1_state {
    ST_START = 0,   /* between messages */
    ST_HEAD,        /* reading a head */
    ST_LEN,         /* Content-Length body */
    ST_CLOSE,       /* body delimited by the connection's close */
    ST_CSIZE,       /* chunk-size line */
    ST_CDATA,       /* chunk data */
    ST_CCRLF,       /* CRLF after chunk data */
    ST_TRAILER,     /* trailer section after the last chunk */
    ST_TUNNEL,      /* after 101 or a 2xx to CONNECT: not HTTP any more */
    ST_DEAD,        /* not HTTP, or ended */
    ST_RESYNC,      /* after a gap or an error: waiting for a message start */
};

/* A transaction with the parser's bookkeeping; t comes first so that the
 * sf_http_txn pointer handed out can be freed through sf_h1_txn_free. */
struct h1_txn {
    struct sf_http_txn t;
    struct h1_txn *next;
    bool done;             /* the response is over (complete, abandoned, tunnel) */
    bool have_end;         /* end_off is the server offset after the response */
    bool acked;
    bool connect;          /* request method CONNECT */
    bool head;             /* request method HEAD */
    bool req_done;         /* the request is over (complete or abandoned) */
    enum sf_http_tunnel upgrade;  /* what the request's Upgrade asked for */
    uint64_t end_off;
};

struct h1_dir {
    enum h1_state st;
    uint8_t *scratch;      /* a head or line crossing deliveries (capped) */
    size_t slen, scap;
    uint64_t remain;       /* body or chunk bytes still to come */
    struct h1_txn *txn;    /* transaction of the message being read */
    struct sf_http_msg *msg;  /* message being read (&tmp while in the head) */
    struct sf_http_msg tmp;
    uint64_t last_frame;
    struct sf_http_decoder *dec;
    uint64_t off;          /* stream bytes consumed, gaps included */
    uint32_t messages;
    bool completed;        /* the current message ended in this delivery */
    bool bol;              /* RESYNC: at a line or delivery start */
    struct sf_http_msg *prev;  /* the last message read (late retransmissions) */
    struct h1_txn *prev_txn;
};

struct sf_h1 {
    const struct sf_http_config *cfg;
    const struct sf_h1_ops *ops;
    void *ctx;
    uint64_t conn_id;
    int64_t connect_ns;
    struct h1_dir d[2];
    struct h1_txn *head, *tail, *await;  /* queue; await = first without a final response */
    bool tunnel;           /* a tunnel opened: later bytes go to ops->tunnel */
    uint32_t count, ntxn;
    uint32_t *counter;     /* transaction numbers shared with other parsers of the connection */
    int out_dir;           /* direction whose decoded body is being handed out */
    uint64_t cur_frame;
    int64_t cur_ts;
    struct sf_http_stats st;
};

static const size_t MAX_LINE = 16384;
static const size_t MAX_CHUNK_LINE = 1024;
#define MAX_HEADER_SLOTS 256

struct sf_h1 *sf_h1_new(const struct sf_http_config *cfg, const struct sf_h1_ops *ops, void *ctx,
                        uint64_t conn_id, int64_t connect_ns)
{
    struct sf_h1 *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->cfg = cfg;
    h->ops = ops;
    h->ctx = ctx;
    h->conn_id = conn_id;
    h->connect_ns = connect_ns;
    return h;
}

void sf_h1_share_counter(struct sf_h1 *h, uint32_t *counter)
{
    h->counter = counter;
}

uint64_t sf_h1_offset(const struct sf_h1 *h, int dir)
{
    return h->d[dir & 1].off;
}

bool sf_h1_idle(const struct sf_h1 *h)
{
    for (int i = 0; i < 2; i++)
        if (h->d[i].st != ST_DEAD && h->d[i].st != ST_TUNNEL)
            return false;
    return true;
}

/* ------------------------------------------------------------ helpers */

static char *dupn(const char *p, size_t n, size_t cap)
{
    char *s;
    if (n > cap)
        n = cap;
    s = malloc(n + 1);
    if (!s)
        return NULL;
    memcpy(s, p, n);
    s[n] = '\0';
    /* Values go to JSON and file names through escaping writers; a NUL
     * would cut the C string, so it becomes a space. */
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0')
            s[i] = ' ';
    return s;
}

static void msg_free(struct sf_http_msg *m)
{
    free(m->content_type);
    free(m->content_encoding);
    free(m->transfer_encoding);
    for (uint32_t i = 0; i < m->nheaders; i++) {
        free(m->headers[i].name);
        free(m->headers[i].value);
    }
    free(m->headers);
    free(m->body);
}

void sf_h1_txn_free(struct sf_http_txn *t)
{
    if (!t)
        return;
    free(t->method);
    free(t->uri);
    free(t->host);
    free(t->reason);
    msg_free(&t->req);
    msg_free(&t->resp);
    free(t);   /* t is the first member of struct h1_txn */
}

static struct h1_txn *txn_new(struct sf_h1 *h)
{
    struct h1_txn *x = calloc(1, sizeof(*x));
    if (!x)
        return NULL;
    x->t.conn_id = h->conn_id;
    x->t.n = h->counter ? ++*h->counter : ++h->ntxn;
    x->t.connect_ns = -1;
    x->t.send_ns = x->t.wait_ns = x->t.receive_ns = -1;
    x->t.client_ack_ts = -1;
    if (h->tail)
        h->tail->next = x;
    else
        h->head = x;
    h->tail = x;
    h->count++;
    h->st.txns++;
    return x;
}

static int64_t span(int64_t a, int64_t b)
{
    return b >= a ? b - a : 0;
}

/* Fills the timings and hands the transaction over. */
static void release(struct sf_h1 *h, struct h1_txn *x)
{
    struct sf_http_txn *t = &x->t;
    h->head = x->next;
    if (!h->head)
        h->tail = NULL;
    if (h->await == x)
        h->await = x->next;
    h->count--;
    for (int i = 0; i < 2; i++) {
        if (h->d[i].prev_txn == x) {
            h->d[i].prev_txn = NULL;
            h->d[i].prev = NULL;
        }
    }
    if (t->n == 1 && h->connect_ns >= 0)
        t->connect_ns = h->connect_ns;
    if (t->req.present && t->req.complete)
        t->send_ns = span(t->req.first_ts, t->req.last_ts);
    if (t->resp.present && t->req.present && t->req.complete)
        t->wait_ns = span(t->req.last_ts, t->resp.first_ts);
    if (t->resp.present && t->resp.frames)
        t->receive_ns = span(t->resp.first_ts, t->resp.last_ts);
    if (h->ops && h->ops->final)
        h->ops->final(h->ctx, t);
    else
        sf_h1_txn_free(t);
}

/* Releases the transactions at the head of the queue that are over and
 * acknowledged; past max_pending the oldest goes anyway (memory bound). */
static void pump(struct sf_h1 *h, bool force_all)
{
    uint32_t max = h->cfg && h->cfg->max_pending ? h->cfg->max_pending : 256;
    while (h->head) {
        struct h1_txn *x = h->head;
        bool busy = h->d[0].txn == x || h->d[1].txn == x;
        bool ready = x->done && (x->acked || !x->have_end) && !busy && x->req_done;
        if (!ready && !force_all && h->count <= max)
            break;
        if (busy) {
            for (int i = 0; i < 2; i++) {
                if (h->d[i].txn == x) {
                    h->d[i].txn = NULL;
                    h->d[i].msg = NULL;
                    sf_http_decoder_free(h->d[i].dec);
                    h->d[i].dec = NULL;
                    if (h->d[i].st != ST_TUNNEL && h->d[i].st != ST_DEAD)
                        h->d[i].st = ST_RESYNC;
                }
            }
        }
        release(h, x);
    }
}

static bool scratch_append(struct sf_h1 *h, struct h1_dir *d, const uint8_t *p, size_t n, size_t cap)
{
    if (d->slen + n > cap)
        return false;
    if (d->slen + n > d->scap) {
        size_t nc = d->scap ? d->scap : 512;
        uint8_t *g;
        while (nc < d->slen + n)
            nc *= 2;
        if (nc > cap)
            nc = cap;
        g = realloc(d->scratch, nc);
        if (!g)
            return false;
        d->scratch = g;
        d->scap = nc;
    }
    memcpy(d->scratch + d->slen, p, n);
    d->slen += n;
    (void)h;
    return true;
}

/* Counts the frames that carried the message's bytes: a run that spans
 * several frames (a TLS record) counts each, less the one already counted
 * when the run starts where the previous one ended. */
static void touch(struct h1_dir *d, const struct sf_span *src)
{
    struct sf_http_msg *m = d->msg;
    uint32_t frames = src->frames ? src->frames : 1;
    if (!m)
        return;
    if (m->frames == 0)
        m->frames = frames;
    else if (d->last_frame != src->frame)
        m->frames += frames - (src->first_frame == d->last_frame ? 1 : 0);
    d->last_frame = src->frame;
    m->last_ts = src->ts_ns;
    m->last_data_frame = src->frame;
}

/* ------------------------------------------------------------- bodies */

void sf_http_keep_body(const struct sf_http_config *cfg, struct sf_http_msg *m, const uint8_t *p, size_t n)
{
    size_t max = cfg ? cfg->keep_body_max : 0;
    uint8_t *g;
    if (!max || m->body_truncated)
        return;
    if (m->body_len + n > max) {
        n = max - m->body_len;
        m->body_truncated = true;
    }
    if (!n)
        return;
    g = realloc(m->body, m->body_len + n);
    if (!g) {
        m->body_truncated = true;
        return;
    }
    m->body = g;
    memcpy(m->body + m->body_len, p, n);
    m->body_len += n;
}

static void decoded_out(void *ctx, const uint8_t *p, size_t n)
{
    struct sf_h1 *h = ctx;
    struct h1_dir *d = &h->d[h->out_dir];
    if (!d->msg || !d->txn)
        return;
    sf_http_keep_body(h->cfg, d->msg, p, n);
    if (h->out_dir == 1 && h->ops && h->ops->body)
        h->ops->body(h->ctx, &d->txn->t, p, n);
}

/* Entity bytes (de-chunked) of the current message. */
static void body_bytes(struct sf_h1 *h, int dir, const uint8_t *p, size_t n)
{
    struct h1_dir *d = &h->d[dir];
    struct sf_http_msg *m = d->msg;
    if (!m || !n)
        return;
    m->body_bytes += n;
    h->out_dir = dir;
    if (d->dec) {
        m->decode = sf_http_decoder_feed(d->dec, p, n, decoded_out, h);
    } else if (m->decode == SF_HTTP_DECODE_NONE || m->decode == SF_HTTP_DECODE_UNSUPPORTED) {
        decoded_out(h, p, n);
    }
}

/* ------------------------------------------------- message boundaries */

static void begin_msg(struct sf_h1 *h, int dir, const struct sf_span *src)
{
    struct h1_dir *d = &h->d[dir];
    memset(&d->tmp, 0, sizeof(d->tmp));
    d->tmp.first_frame = src->first_frame ? src->first_frame : src->frame;
    d->tmp.first_ts = src->first_frame ? src->first_ts : src->ts_ns;
    d->msg = &d->tmp;
    d->txn = NULL;
    d->slen = 0;
    d->st = ST_HEAD;
}

/* The message ended normally (its last byte was consumed). */
static void msg_done(struct sf_h1 *h, int dir)
{
    struct h1_dir *d = &h->d[dir];
    struct sf_http_msg *m = d->msg;
    struct h1_txn *x = d->txn;

    if (!m || !x) {
        d->st = ST_START;
        return;
    }
    m->complete = true;
    m->frame = h->cur_frame;
    if (d->dec) {
        m->decode = sf_http_decoder_end(d->dec);
        m->body_decoded_bytes = sf_http_decoder_total(d->dec);
        sf_http_decoder_free(d->dec);
        d->dec = NULL;
    } else if (m->decode == SF_HTTP_DECODE_NONE) {
        m->body_decoded_bytes = m->body_bytes;
    }
    if (dir == 1 && h->ops && h->ops->body && m->body_bytes)
        h->ops->body(h->ctx, &x->t, NULL, 0);
    if (h->ops && h->ops->done)
        h->ops->done(h->ctx, &x->t, dir == 0);
    if (dir == 0) {
        x->req_done = true;
        h->st.requests++;
    } else {
        x->done = true;
        x->have_end = true;
        x->end_off = d->off;
        h->st.responses++;
    }
    d->prev = m;
    d->prev_txn = x;
    d->msg = NULL;
    d->txn = NULL;
    d->messages++;
    if (d->st != ST_TUNNEL)
        d->st = ST_START;
    if (x->t.tunnel != SF_HTTP_TUNNEL_NONE && dir == 1) {
        h->tunnel = true;
        if (h->ops && h->ops->tunnel_open)
            h->ops->tunnel_open(h->ctx, &x->t);
        h->d[0].st = ST_TUNNEL;
        h->d[1].st = ST_TUNNEL;
        if (h->d[0].txn) {
            /* A request still being read when the tunnel opened ends here. */
            h->d[0].txn->req_done = true;
            sf_http_decoder_free(h->d[0].dec);
            h->d[0].dec = NULL;
            h->d[0].txn = NULL;
            h->d[0].msg = NULL;
        }
    }
}

/* The message cannot be finished (gap, error, end): it stays incomplete. */
static void msg_abandon(struct sf_h1 *h, int dir, enum h1_state next)
{
    struct h1_dir *d = &h->d[dir];
    struct h1_txn *x = d->txn;
    if (x) {
        struct sf_http_msg *m = d->msg;
        if (d->dec) {
            m->body_decoded_bytes = sf_http_decoder_total(d->dec);
            if (m->decode == SF_HTTP_DECODE_OK)
                m->decode = SF_HTTP_DECODE_ERROR;
            sf_http_decoder_free(d->dec);
            d->dec = NULL;
        } else if (m->decode == SF_HTTP_DECODE_NONE) {
            m->body_decoded_bytes = m->body_bytes;
        }
        if (dir == 1 && h->ops && h->ops->body && m->body_bytes)
            h->ops->body(h->ctx, &x->t, NULL, 0);
        if (dir == 0)
            x->req_done = true;
        else
            x->done = true;
        d->prev = m;
        d->prev_txn = x;
    }
    d->msg = NULL;
    d->txn = NULL;
    d->slen = 0;
    d->st = next;
}

/* Not HTTP (first message) or lost (later): stop or wait for a start. */
static void bad_start(struct sf_h1 *h, int dir)
{
    struct h1_dir *d = &h->d[dir];
    if (d->messages == 0) {
        h->st.non_http_streams++;
        msg_abandon(h, dir, ST_DEAD);
    } else {
        h->st.parse_errors++;
        msg_abandon(h, dir, ST_RESYNC);
    }
}

static const struct sf_http_header *find_hdr(const struct sf_http_header *hs, size_t n, const char *name)
{
    const struct sf_http_header *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (hs[i].name && sf_http_eq(hs[i].name, hs[i].name_len, name))
            found = found ? found : &hs[i];
    return found;
}

/* Content-Length (RFC 9110 8.6): digits; a list of equal values is one. */
static int parse_cl(const struct sf_http_header *hs, size_t n, uint64_t *out)
{
    bool have = false;
    for (size_t i = 0; i < n; i++) {
        const char *v;
        size_t k = 0, vl;
        if (!hs[i].name || !sf_http_eq(hs[i].name, hs[i].name_len, "content-length"))
            continue;
        v = hs[i].value;
        vl = hs[i].value_len;
        while (k < vl) {
            uint64_t x = 0;
            size_t digits = 0;
            while (k < vl && (v[k] == ' ' || v[k] == '\t' || v[k] == ','))
                k++;
            if (k == vl)
                break;
            while (k < vl && v[k] >= '0' && v[k] <= '9') {
                if (++digits > 18)
                    return -1;
                x = x * 10 + (uint64_t)(v[k] - '0');
                k++;
            }
            if (digits == 0)
                return -1;
            while (k < vl && (v[k] == ' ' || v[k] == '\t'))
                k++;
            if (k < vl && v[k] != ',')
                return -1;
            if (have && x != *out)
                return -1;
            *out = x;
            have = true;
        }
    }
    return have ? 1 : 0;
}

static void keep_headers(struct sf_h1 *h, struct sf_http_msg *m, const struct sf_http_header *hs, size_t n)
{
    if (!h->cfg || !h->cfg->keep_headers || n == 0)
        return;
    m->headers = calloc(n, sizeof(*m->headers));
    if (!m->headers)
        return;
    for (size_t i = 0; i < n; i++) {
        if (!hs[i].name) {
            /* obs-fold: joined to the previous value with one space. */
            struct sf_http_hdr *prev = m->nheaders ? &m->headers[m->nheaders - 1] : NULL;
            size_t pl, nl;
            char *g;
            if (!prev || !prev->value)
                continue;
            pl = strlen(prev->value);
            nl = hs[i].value_len;
            g = realloc(prev->value, pl + nl + 2);
            if (!g)
                continue;
            g[pl] = ' ';
            memcpy(g + pl + 1, hs[i].value, nl);
            g[pl + 1 + nl] = '\0';
            for (size_t k = pl + 1; k < pl + 1 + nl; k++)
                if (g[k] == '\0')
                    g[k] = ' ';
            prev->value = g;
            continue;
        }
        m->headers[m->nheaders].name = dupn(hs[i].name, hs[i].name_len, 256);
        m->headers[m->nheaders].value = dupn(hs[i].value, hs[i].value_len, MAX_LINE);
        m->nheaders++;
    }
}

static void set_str(char **dst, const struct sf_http_header *hv, size_t cap)
{
    if (hv && !*dst)
        *dst = dupn(hv->value, hv->value_len, cap);
}

/* Framing and decoding for a message whose head was just read. */
static void start_body(struct sf_h1 *h, int dir, enum sf_http_framing f, uint64_t cl)
{
    struct h1_dir *d = &h->d[dir];
    struct sf_http_msg *m = d->msg;
    m->framing = f;
    if (f != SF_HTTP_BODY_NONE && m->content_encoding) {
        d->dec = sf_http_decoder_new(m->content_encoding, strlen(m->content_encoding), &m->decode);
        if (d->dec)
            sf_http_decoder_set_cap(d->dec, h->cfg && h->cfg->max_decoded ? h->cfg->max_decoded : 0);
    }
    switch (f) {
    case SF_HTTP_BODY_NONE:
        d->completed = true;
        break;
    case SF_HTTP_BODY_LENGTH:
        d->remain = cl;
        if (cl == 0)
            d->completed = true;
        else
            d->st = ST_LEN;
        break;
    case SF_HTTP_BODY_CHUNKED:
        d->st = ST_CSIZE;
        d->slen = 0;
        break;
    case SF_HTTP_BODY_CLOSE:
        d->st = ST_CLOSE;
        break;
    }
}

static enum sf_http_tunnel upgrade_kind(const struct sf_http_header *up)
{
    if (!up)
        return SF_HTTP_TUNNEL_UPGRADE;
    if (sf_http_list_has(up->value, up->value_len, "websocket"))
        return SF_HTTP_TUNNEL_WEBSOCKET;
    if (sf_http_list_has(up->value, up->value_len, "h2c"))
        return SF_HTTP_TUNNEL_H2C;
    return SF_HTTP_TUNNEL_UPGRADE;
}

/* A whole head is in buf[0..len): parse it and set up what follows. */
static void on_head(struct sf_h1 *h, int dir, const uint8_t *buf, size_t len)
{
    struct h1_dir *d = &h->d[dir];
    struct sf_http_header hdrs[MAX_HEADER_SLOTS];
    struct sf_http_start s;
    size_t nh;
    long r;
    const struct sf_http_header *te, *ce, *ct, *up;
    uint64_t cl = 0;
    int have_cl;
    bool chunked = false;
    struct h1_txn *x;
    struct sf_http_msg *m;

    /* The header slots live on the stack: no per-connection array (tens
     * of thousands of connections may be open at once). */
    nh = h->cfg && h->cfg->max_headers ? h->cfg->max_headers : 128;
    if (nh > MAX_HEADER_SLOTS)
        nh = MAX_HEADER_SLOTS;
    if (dir == 0)
        r = sf_http_parse_request((const char *)buf, len, &s, hdrs, &nh, MAX_LINE);
    else
        r = sf_http_parse_response((const char *)buf, len, &s, hdrs, &nh, MAX_LINE);
    if (r <= 0) {
        bad_start(h, dir);
        return;
    }
    d->tmp.header_bytes = (uint64_t)len;
    d->tmp.head_frame = h->cur_frame;
    d->tmp.present = true;
    if (s.version) {
        /* As sent (a malformed "1." stays visible), printable only. */
        size_t k;
        for (k = 0; k < s.version_len && k + 1 < sizeof(d->tmp.version); k++) {
            unsigned char c = (unsigned char)s.version[k];
            d->tmp.version[k] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
        }
        d->tmp.version[k] = '\0';
    } else {
        memcpy(d->tmp.version, "0.9", 4);
    }
    te = find_hdr(hdrs, nh, "transfer-encoding");
    ce = find_hdr(hdrs, nh, "content-encoding");
    ct = find_hdr(hdrs, nh, "content-type");
    up = find_hdr(hdrs, nh, "upgrade");
    have_cl = parse_cl(hdrs, nh, &cl);
    if (te) {
        /* RFC 9112 6.3: chunked must be the final coding. */
        const char *v = te->value;
        size_t vl = te->value_len, a;
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        a = vl;
        while (a && v[a - 1] != ',')
            a--;
        while (a < vl && (v[a] == ' ' || v[a] == '\t'))
            a++;
        chunked = sf_http_eq(v + a, vl - a, "chunked");
    }

    if (dir == 1 && s.status >= 100 && s.status < 200 && s.status != 101) {
        /* An interim answer (100 Continue, 102, 103): listed in the final
         * response of the transaction it belongs to. */
        x = h->await;
        if (!x)
            x = h->await = txn_new(h);
        if (x && x->t.ninterim < SF_HTTP_MAX_INTERIM) {
            struct sf_http_interim *in = &x->t.interim[x->t.ninterim++];
            in->status = (uint16_t)s.status;
            in->frame = h->cur_frame;
            in->ts = d->tmp.first_ts;
        }
        if (h->ops && h->ops->done && x) {
            uint16_t saved = x->t.status;
            x->t.status = (uint16_t)s.status;
            h->ops->done(h->ctx, &x->t, false);
            x->t.status = saved;
        }
        d->msg = NULL;
        d->txn = NULL;
        d->messages++;
        d->st = ST_START;
        return;
    }
    if (have_cl < 0) {
        /* Conflicting, overflowing or malformed Content-Length: an anomaly,
         * the message is still reported.  RFC 9112 6.3 item 5: its framing
         * is unknown, so a response is read to the close (the client must
         * close the connection) and a request gets no body. */
        s.anomalies |= SF_HTTP_ANOM_CONTENT_LENGTH;
    }
    if (te && have_cl != 0)
        s.anomalies |= SF_HTTP_ANOM_CL_AND_TE;   /* RFC 9112 6.3 item 3: TE wins */

    if (dir == 0) {
        d->tmp.anomalies = s.anomalies;
        x = txn_new(h);
        if (!x) {
            bad_start(h, dir);
            return;
        }
        if (!h->await)
            h->await = x;
        x->t.method = dupn(s.method, s.method_len, 32);
        x->t.uri = dupn(s.uri, s.uri_len, 8192);
        set_str(&x->t.host, find_hdr(hdrs, nh, "host"), 256);
        x->connect = sf_http_eq(s.method, s.method_len, "CONNECT");
        x->head = sf_http_eq(s.method, s.method_len, "HEAD");
        if (up)
            x->upgrade = upgrade_kind(up);
        x->t.req = d->tmp;
        m = &x->t.req;
    } else {
        x = h->await;
        if (!x)
            x = txn_new(h);
        if (!x) {
            bad_start(h, dir);
            return;
        }
        h->await = x->next;
        x->t.status = (uint16_t)s.status;
        x->t.reason = dupn(s.reason, s.reason_len, 256);
        d->tmp.anomalies = s.anomalies;
        x->t.resp = d->tmp;
        m = &x->t.resp;
        if (!x->t.req.present)
            x->req_done = true;
    }
    d->txn = x;
    d->msg = m;
    set_str(&m->content_type, ct, 256);
    set_str(&m->content_encoding, ce, 256);
    set_str(&m->transfer_encoding, te, 256);
    keep_headers(h, m, hdrs, nh);

    if (dir == 0) {
        if (chunked)
            start_body(h, dir, SF_HTTP_BODY_CHUNKED, 0);
        else if (have_cl > 0)
            start_body(h, dir, SF_HTTP_BODY_LENGTH, cl);
        else
            start_body(h, dir, SF_HTTP_BODY_NONE, 0);   /* RFC 9112 6.3 item 7 */
        return;
    }
    if (s.status == 101) {
        x->t.tunnel = up ? upgrade_kind(up) : (x->upgrade ? x->upgrade : SF_HTTP_TUNNEL_UPGRADE);
        start_body(h, dir, SF_HTTP_BODY_NONE, 0);
    } else if (x->connect && s.status >= 200 && s.status < 300) {
        x->t.tunnel = SF_HTTP_TUNNEL_CONNECT;
        start_body(h, dir, SF_HTTP_BODY_NONE, 0);
    } else if (x->head || s.status == 204 || s.status == 304) {
        start_body(h, dir, SF_HTTP_BODY_NONE, 0);
    } else if (te) {
        start_body(h, dir, chunked ? SF_HTTP_BODY_CHUNKED : SF_HTTP_BODY_CLOSE, 0);
    } else if (have_cl > 0) {
        start_body(h, dir, SF_HTTP_BODY_LENGTH, cl);
    } else {
        start_body(h, dir, SF_HTTP_BODY_CLOSE, 0);
    }
}

/* Reads toward the end of a head; returns bytes consumed. */
static size_t head_feed(struct sf_h1 *h, int dir, const uint8_t *p, size_t n)
{
    struct h1_dir *d = &h->d[dir];
    size_t cap = h->cfg && h->cfg->max_head ? h->cfg->max_head : 65536;
    size_t e, old, take;

    if (d->slen == 0) {
        if (sf_http_plausible(dir, p, n) == 0) {
            bad_start(h, dir);
            return n;
        }
        e = sf_http_head_end(p, n, 0);
        if (e) {
            on_head(h, dir, p, e);   /* in place: no copy */
            return e;
        }
        if (!scratch_append(h, d, p, n, cap)) {
            bad_start(h, dir);
            return n;
        }
        return n;
    }
    old = d->slen;
    take = n < cap - old ? n : cap - old;
    if (!scratch_append(h, d, p, take, cap)) {
        bad_start(h, dir);
        return n;
    }
    if (old < 24 && sf_http_plausible(dir, d->scratch, d->slen) == 0) {
        bad_start(h, dir);
        return take;
    }
    e = sf_http_head_end(d->scratch, d->slen, old >= 2 ? old - 2 : 0);
    if (e) {
        d->slen = 0;
        on_head(h, dir, d->scratch, e);
        if (d->scap > 4096 && d->slen == 0) {
            /* A big head is rare: do not keep its buffer for the connection's life. */
            free(d->scratch);
            d->scratch = NULL;
            d->scap = 0;
        }
        return e - old;
    }
    if (d->slen >= cap) {
        h->st.parse_errors++;
        bad_start(h, dir);
    }
    return take;
}

/* A chunk-size line (RFC 9112 7.1): hex digits, then extensions. */
static bool chunk_size(const uint8_t *l, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0, digits = 0;
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    for (; i < n; i++) {
        int x;
        uint8_t c = l[i];
        if (c >= '0' && c <= '9')
            x = c - '0';
        else if (c >= 'a' && c <= 'f')
            x = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            x = c - 'A' + 10;
        else
            break;
        if (++digits > 15)
            return false;
        v = v * 16 + (uint64_t)x;
    }
    if (digits == 0)
        return false;
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    if (i < n && l[i] != ';')
        return false;
    *out = v;
    return true;
}

/* Takes bytes up to the next LF.  Returns bytes consumed; line and len are
 * set (CR LF stripped) when a whole line is available; *err on overflow. */
static size_t take_line(struct sf_h1 *h, struct h1_dir *d, const uint8_t *p, size_t n, size_t cap,
                        const uint8_t **line, size_t *len, bool *err)
{
    const uint8_t *lf = memchr(p, '\n', n);
    size_t upto = lf ? (size_t)(lf - p) + 1 : n;
    *line = NULL;
    *err = false;
    if (lf && d->slen == 0) {
        *line = p;
        *len = upto - 1;
    } else {
        if (!scratch_append(h, d, p, upto, cap)) {
            *err = true;
            return upto;
        }
        if (!lf)
            return upto;
        *line = d->scratch;
        *len = d->slen - 1;
        d->slen = 0;
    }
    if (*len && (*line)[*len - 1] == '\r')
        (*len)--;
    return upto;
}

static size_t chunk_feed(struct sf_h1 *h, int dir, const uint8_t *p, size_t n)
{
    struct h1_dir *d = &h->d[dir];
    const uint8_t *line;
    size_t len = 0, used;
    bool err;
    size_t cap = d->st == ST_TRAILER ? MAX_LINE : MAX_CHUNK_LINE;

    used = take_line(h, d, p, n, cap, &line, &len, &err);
    if (d->msg)
        d->msg->body_wire_bytes += used;
    if (err) {
        h->st.parse_errors++;
        msg_abandon(h, dir, ST_RESYNC);
        return used;
    }
    if (!line)
        return used;
    switch (d->st) {
    case ST_CSIZE: {
        uint64_t sz;
        if (!chunk_size(line, len, &sz)) {
            h->st.parse_errors++;
            msg_abandon(h, dir, ST_RESYNC);
            break;
        }
        if (sz == 0) {
            d->st = ST_TRAILER;
        } else {
            d->remain = sz;
            d->st = ST_CDATA;
        }
        break;
    }
    case ST_CCRLF:
        if (len != 0) {
            h->st.parse_errors++;
            msg_abandon(h, dir, ST_RESYNC);
            break;
        }
        d->st = ST_CSIZE;
        break;
    case ST_TRAILER:
        if (len == 0)
            d->completed = true;
        break;
    default:
        break;
    }
    return used;
}

/* ----------------------------------------------------------- entry points */

void sf_h1_data(struct sf_h1 *h, int dir, const uint8_t *p, size_t n, const struct sf_span *src,
                uint64_t frame)
{
    struct h1_dir *d = &h->d[dir & 1];
    dir &= 1;
    h->cur_frame = frame;
    h->cur_ts = src->ts_ns;
    if (d->st == ST_RESYNC && d->slen == 0)
        d->bol = true;
    while (n > 0) {
        size_t used = 0;
        switch (d->st) {
        case ST_DEAD:
            used = n;
            break;
        case ST_TUNNEL:
            used = n;
            if (h->tunnel && h->ops && h->ops->tunnel)
                h->ops->tunnel(h->ctx, dir, p, n, src);
            break;
        case ST_RESYNC: {
            /* Lost: a message may start at a delivery start or at a line
             * start; a candidate split over deliveries is gathered (up to
             * 24 bytes) until it can be judged. */
            int pl;
            if (d->slen) {
                size_t take = n < 24 - d->slen ? n : 24 - d->slen;
                size_t saved;
                scratch_append(h, d, p, take, 24);
                pl = sf_http_plausible(dir, d->scratch, d->slen);
                used = take;
                if (pl == 1) {
                    saved = d->slen;
                    begin_msg(h, dir, src);
                    d->slen = saved;    /* the gathered bytes open the head */
                } else if (pl == 0 || d->slen >= 24) {
                    d->slen = 0;
                    d->bol = false;
                }
                break;
            }
            if (d->bol) {
                pl = sf_http_plausible(dir, p, n);
                if (pl == 1) {
                    d->st = ST_START;
                    continue;
                }
                if (pl < 0) {
                    used = n < 24 ? n : 24;
                    scratch_append(h, d, p, used, 24);
                    break;
                }
                d->bol = false;
            }
            {
                const uint8_t *lf = memchr(p, '\n', n);
                used = lf ? (size_t)(lf - p) + 1 : n;
                d->bol = lf != NULL;
            }
            break;
        }
        case ST_START:
            while (used < n && (p[used] == '\r' || p[used] == '\n'))
                used++;
            if (used < n)
                begin_msg(h, dir, src);
            break;
        case ST_HEAD:
            touch(d, src);
            used = head_feed(h, dir, p, n);
            break;
        case ST_LEN:
        case ST_CDATA:
            touch(d, src);
            used = n < d->remain ? n : (size_t)d->remain;
            d->remain -= used;
            if (d->msg)
                d->msg->body_wire_bytes += used;
            body_bytes(h, dir, p, used);
            if (d->remain == 0) {
                if (d->st == ST_LEN)
                    d->completed = true;
                else
                    d->st = ST_CCRLF;
            }
            break;
        case ST_CLOSE:
            touch(d, src);
            used = n;
            if (d->msg)
                d->msg->body_wire_bytes += used;
            body_bytes(h, dir, p, used);
            break;
        case ST_CSIZE:
        case ST_CCRLF:
        case ST_TRAILER:
            touch(d, src);
            used = chunk_feed(h, dir, p, n);
            break;
        }
        d->off += used;
        p += used;
        n -= used;
        if (d->completed) {
            d->completed = false;
            msg_done(h, dir);
        }
    }
    pump(h, false);
}

/* A head cut by a gap (snaplen, lost segment): the complete lines before
 * the cut are still read (Wireshark shows such a request too), the message
 * stays incomplete and parsing waits for the next message start. */
static void head_cut(struct sf_h1 *h, int dir)
{
    struct h1_dir *d = &h->d[dir];
    size_t cap = (h->cfg && h->cfg->max_head ? h->cfg->max_head : 65536) + 2;
    size_t keep = d->slen;
    const char *end = "\r\n";
    while (keep > 0 && d->scratch[keep - 1] != '\n')
        keep--;
    if (keep == 0 && dir == 0 && d->slen > 0) {
        /* Even the request line is cut: "GET /x HTT".  A last token that
         * is a prefix of the version is dropped; the rest is the line. */
        size_t t = d->slen;
        while (t > 0 && d->scratch[t - 1] != ' ')
            t--;
        keep = d->slen;
        if (t > 0 && d->slen - t < 8 && memcmp(d->scratch + t, "HTTP/1.1", d->slen - t) == 0)
            keep = t - 1;
        end = "\r\n\r\n";
    }
    d->slen = keep;
    if (keep == 0 || !scratch_append(h, d, (const uint8_t *)end, strlen(end), cap + 2)) {
        msg_abandon(h, dir, ST_RESYNC);
        return;
    }
    keep = d->slen;
    d->slen = 0;
    on_head(h, dir, d->scratch, keep);
    d->completed = false;
    msg_abandon(h, dir, ST_RESYNC);
}

void sf_h1_gap(struct sf_h1 *h, int dir, uint64_t n, uint64_t frame)
{
    struct h1_dir *d = &h->d[dir & 1];
    struct sf_http_msg *m;
    dir &= 1;
    h->cur_frame = frame;
    h->st.gaps++;
    h->st.gap_bytes += n;
    d->off += n;
    m = d->msg;
    if (m) {
        m->gaps++;
        m->gap_bytes += n;
    }
    switch (d->st) {
    case ST_LEN:
    case ST_CDATA:
    case ST_CLOSE:
        if (!m)
            break;   /* a body state always has its message; be safe anyway */
        if (d->st != ST_CLOSE && n > d->remain) {
            /* The hole runs past the body: the next message start is lost. */
            m->body_bytes += d->remain;
            m->body_wire_bytes += d->remain;
            msg_abandon(h, dir, ST_RESYNC);
            break;
        }
        /* Inside a body of known length: resume after the hole. */
        m->body_bytes += n;
        m->body_wire_bytes += n;
        if (d->dec) {
            m->body_decoded_bytes = sf_http_decoder_total(d->dec);
            m->decode = SF_HTTP_DECODE_ERROR;
            sf_http_decoder_free(d->dec);
            d->dec = NULL;
        }
        if (d->st == ST_CLOSE)
            break;
        d->remain -= n;
        if (d->remain == 0) {
            if (d->st == ST_LEN)
                msg_done(h, dir);
            else
                d->st = ST_CCRLF;
        }
        break;
    case ST_HEAD:
        head_cut(h, dir);
        break;
    case ST_CSIZE:
    case ST_CCRLF:
    case ST_TRAILER:
        msg_abandon(h, dir, ST_RESYNC);
        break;
    case ST_START:
        d->st = ST_RESYNC;
        break;
    default:
        break;
    }
    pump(h, false);
}

void sf_h1_retrans(struct sf_h1 *h, int dir)
{
    struct h1_dir *d = &h->d[dir & 1];
    if (d->msg)
        d->msg->retransmissions++;
    else if (d->prev)
        d->prev->retransmissions++;
}

void sf_h1_eof(struct sf_h1 *h, int dir, uint64_t frame, int64_t ts)
{
    struct h1_dir *d = &h->d[dir & 1];
    dir &= 1;
    h->cur_frame = frame;
    h->cur_ts = ts;
    if (d->st == ST_CLOSE)
        msg_done(h, dir);
    else if (d->msg)
        msg_abandon(h, dir, ST_DEAD);
    if (d->st != ST_TUNNEL)
        d->st = ST_DEAD;
    pump(h, false);
}

void sf_h1_client_ack(struct sf_h1 *h, uint64_t off, uint64_t frame, int64_t ts)
{
    bool any = false;
    for (struct h1_txn *x = h->head; x; x = x->next) {
        if (!x->have_end)
            break;
        if (x->acked)
            continue;
        if (x->end_off > off)
            break;
        x->acked = true;
        x->t.client_ack_frame = frame;
        x->t.client_ack_ts = ts;
        any = true;
    }
    if (any)
        pump(h, false);
}

void sf_h1_finish(struct sf_h1 *h)
{
    for (int dir = 0; dir < 2; dir++) {
        struct h1_dir *d = &h->d[dir];
        if (d->msg && d->txn)
            msg_abandon(h, dir, ST_DEAD);
        else
            d->msg = NULL;
    }
    pump(h, true);
}

void sf_h1_stats(const struct sf_h1 *h, struct sf_http_stats *st)
{
    st->txns += h->st.txns;
    st->requests += h->st.requests;
    st->responses += h->st.responses;
    st->non_http_streams += h->st.non_http_streams;
    st->parse_errors += h->st.parse_errors;
    st->gaps += h->st.gaps;
    st->gap_bytes += h->st.gap_bytes;
}

void sf_h1_free(struct sf_h1 *h)
{
    if (!h)
        return;
    while (h->head) {
        struct h1_txn *x = h->head;
        h->head = x->next;
        sf_h1_txn_free(&x->t);
    }
    for (int i = 0; i < 2; i++) {
        sf_http_decoder_free(h->d[i].dec);
        free(h->d[i].scratch);
    }
    free(h);
}
