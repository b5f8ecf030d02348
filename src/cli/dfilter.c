/* dfilter.c - the display filter between the analyzer and the output (docs/filter.md). */
#include <stdlib.h>
#include <string.h>

#include "cli/dfilter.h"

struct conn_bits {
    uint64_t facts;           /* conn.* atoms at the connection's end (pass 1) */
    uint64_t any_packet;      /* packet.* atoms true on some packet */
    uint64_t any_http;        /* http.* atoms true on some transaction */
    bool learnt;              /* pass 1 saw the connection end */
    bool shown;               /* a packet of it was shown */
};

struct sf_dfilter {
    struct sf_filter *f;
    struct conn_bits *conns;  /* by connection number (dense from 0) */
    uint64_t nconns;
    bool showing;             /* pass 2, or the only pass */
    bool two_pass;
    bool have_first;
    int64_t first_ts;
    uint64_t shown;
    uint64_t mask[SF_FSCOPE_COUNT];
};

struct sf_dfilter *sf_dfilter_new(struct sf_filter *f)
{
    struct sf_dfilter *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->f = f;
    d->showing = true;
    for (int s = 0; s < SF_FSCOPE_COUNT; s++)
        d->mask[s] = sf_filter_scope_mask(f, (enum sf_fscope)s);
    return d;
}

void sf_dfilter_free(struct sf_dfilter *d)
{
    if (!d)
        return;
    free(d->conns);
    free(d);
}

bool sf_dfilter_two_pass(const struct sf_dfilter *d, bool shows_packets_or_http)
{
    unsigned later = (1u << SF_FSCOPE_CONN) | (1u << SF_FSCOPE_HTTP);
    return shows_packets_or_http && (sf_filter_scopes(d->f) & later);
}

bool sf_dfilter_needs_http(const struct sf_dfilter *d)
{
    return (sf_filter_scopes(d->f) & (1u << SF_FSCOPE_HTTP)) != 0;
}

/* The slot of connection id, grown as numbers come (NULL when out of memory). */
static struct conn_bits *slot(struct sf_dfilter *d, uint64_t id)
{
    if (id >= d->nconns) {
        uint64_t n = d->nconns ? d->nconns : 1024;
        struct conn_bits *g;
        while (n <= id)
            n *= 2;
        g = realloc(d->conns, n * sizeof(*g));
        if (!g)
            return NULL;
        memset(g + d->nconns, 0, (n - d->nconns) * sizeof(*g));
        d->conns = g;
        d->nconns = n;
    }
    return &d->conns[id];
}

static void note_first(struct sf_dfilter *d, const struct sf_packet *p)
{
    if (!d->have_first) {
        d->have_first = true;
        d->first_ts = p->ts_ns;
    }
}

static uint64_t packet_atoms(struct sf_dfilter *d, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct sf_frec r = { p, v, NULL, NULL, d->first_ts };
    return d->mask[SF_FSCOPE_PACKET] ? sf_filter_atoms(d->f, SF_FSCOPE_PACKET, &r) : 0;
}

static uint64_t conn_atoms(struct sf_dfilter *d, const struct sf_conn *c)
{
    struct sf_frec r = { NULL, NULL, c, NULL, d->first_ts };
    return d->mask[SF_FSCOPE_CONN] ? sf_filter_atoms(d->f, SF_FSCOPE_CONN, &r) : 0;
}

static uint64_t http_atoms(struct sf_dfilter *d, const struct sf_http_txn *t)
{
    struct sf_frec r = { NULL, NULL, t->conn, t, d->first_ts };
    return d->mask[SF_FSCOPE_HTTP] ? sf_filter_atoms(d->f, SF_FSCOPE_HTTP, &r) : 0;
}

void sf_dfilter_learn_packet(struct sf_dfilter *d, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct conn_bits *cb;
    note_first(d, p);
    if (!v)
        return;
    cb = slot(d, v->conn->id);
    if (cb)
        cb->any_packet |= packet_atoms(d, p, v);
}

void sf_dfilter_learn_http(struct sf_dfilter *d, const struct sf_http_txn *t)
{
    struct conn_bits *cb = slot(d, t->conn_id);
    if (cb)
        cb->any_http |= http_atoms(d, t);
}

void sf_dfilter_learn_conn(struct sf_dfilter *d, const struct sf_conn *c)
{
    struct conn_bits *cb = slot(d, c->id);
    if (cb) {
        cb->facts = conn_atoms(d, c);
        cb->learnt = true;
    }
}

void sf_dfilter_start_showing(struct sf_dfilter *d)
{
    d->showing = true;
    d->two_pass = true;
    /* The second pass shows packets from what the first learnt; which
     * packets it shows is counted afresh. */
    for (uint64_t i = 0; i < d->nconns; i++)
        d->conns[i].shown = false;
}

/* What a connection's other scopes say, for a record of scope `own`. */
static uint64_t context(struct sf_dfilter *d, uint64_t id, enum sf_fscope own)
{
    struct conn_bits *cb = id < d->nconns ? &d->conns[id] : NULL;
    uint64_t t = 0;
    if (!cb)
        return 0;
    if (own != SF_FSCOPE_CONN && cb->learnt)
        t |= cb->facts;
    if (own != SF_FSCOPE_PACKET)
        t |= cb->any_packet;
    if (own != SF_FSCOPE_HTTP)
        t |= cb->any_http;
    return t;
}

bool sf_dfilter_packet(struct sf_dfilter *d, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    uint64_t own;
    bool show;
    note_first(d, p);
    own = packet_atoms(d, p, v);
    if (!v) {
        show = sf_filter_eval(d->f, own);
    } else {
        struct conn_bits *cb = slot(d, v->conn->id);
        if (cb && !d->two_pass)
            cb->any_packet |= own;   /* single pass: conn and http records learn as they go */
        show = sf_filter_eval(d->f, own | context(d, v->conn->id, SF_FSCOPE_PACKET));
        if (show && cb)
            cb->shown = true;
    }
    if (show)
        d->shown++;
    return show;
}

bool sf_dfilter_http(struct sf_dfilter *d, const struct sf_http_txn *t)
{
    uint64_t own = http_atoms(d, t);
    struct conn_bits *cb = slot(d, t->conn_id);
    if (cb && !d->two_pass)
        cb->any_http |= own;
    return sf_filter_eval(d->f, own | context(d, t->conn_id, SF_FSCOPE_HTTP));
}

bool sf_dfilter_conn(struct sf_dfilter *d, const struct sf_conn *c)
{
    uint64_t own = conn_atoms(d, c);
    struct conn_bits *cb = c->id < d->nconns ? &d->conns[c->id] : NULL;
    if (cb && cb->shown)
        return true;   /* its shown packets are not left without their connection */
    return sf_filter_eval(d->f, own | context(d, c->id, SF_FSCOPE_CONN));
}

uint64_t sf_dfilter_shown(const struct sf_dfilter *d)
{
    return d->shown;
}
