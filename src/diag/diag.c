/* diag.c - the per-connection diagnosis state: fed per packet, read as findings at the end. */
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"
#include "flow/analysis.h"

static const char *const kind_names[SF_DIAG_KIND_COUNT] = {
    [SF_DIAG_SYN_RETRANSMISSION] = "syn_retransmission",
    [SF_DIAG_SYN_ACK_RETRANSMISSION] = "syn_ack_retransmission",
    [SF_DIAG_RTO] = "rto",
    [SF_DIAG_FAST_RETRANSMIT] = "fast_retransmit",
    [SF_DIAG_ZERO_WINDOW] = "zero_window",
    [SF_DIAG_WINDOW_LIMITED] = "window_limited",
    [SF_DIAG_NAGLE_DELAYED_ACK] = "nagle_delayed_ack",
    [SF_DIAG_SENDER_LIMITED] = "sender_limited",
    [SF_DIAG_CONGESTION_LIMITED] = "congestion_limited",
    [SF_DIAG_BUFFERBLOAT] = "bufferbloat",
    [SF_DIAG_HOL_BLOCKING] = "hol_blocking",
};

const char *sf_diag_kind_name(enum sf_diag_kind k)
{
    return (unsigned)k < SF_DIAG_KIND_COUNT ? kind_names[k] : "unknown";
}

static void side_init(struct sf_diag_side *s)
{
    s->syn_prev_ts = -1;
    s->win = -1;
    s->bif_peak = 0;
    s->loss_peak = -1;
}

void sf_diag_packet(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p,
                    const struct sf_pkt_view *v)
{
    struct sf_diag *d = c->diag;
    if (!d) {
        /* The first packet: nothing to diagnose is lost by starting here. */
        d = calloc(1, sizeof(*d));
        if (!d)
            return;
        d->split.last_data_dir = -1;
        d->split.mark_ts = p->ts_ns;
        d->split.mark_frame = p->frame;
        for (int i = 0; i < SF_SPLIT_COUNT; i++)
            d->split.part[i].ns = 0;
        side_init(&d->side[0]);
        side_init(&d->side[1]);
        c->diag = d;
    }
    sf__diag_split_packet(d, c, dir, p, v);
    sf__diag_detect_packet(d, c, dir, p, v);
}

void sf_diag_free(struct sf_conn *c)
{
    struct sf_diag *d = c->diag;
    if (!d)
        return;
    for (int k = 0; k < SF_DIAG_KIND_COUNT; k++)
        for (int s = 0; s < 2; s++)
            free(d->slot[k][s]);
    free(d);
    c->diag = NULL;
}

int64_t sf__diag_rtt(const struct sf_conn *c)
{
    if (c->irtt_ns > 0)
        return c->irtt_ns;
    if (c->rtt_count)
        return c->rtt_min_ns;
    return -1;
}

static void slot_add(struct sf_diag_slot *s, int64_t start, int64_t ns)
{
    int64_t end = start + ns;
    if (s->count == 0) {
        s->ep_start = start;
        s->ep_end = end;
    } else if (start <= s->ep_end) {
        if (start < s->ep_start)
            s->ep_start = start;
        if (end > s->ep_end)
            s->ep_end = end;
    } else {
        s->ns += s->ep_end - s->ep_start;
        s->ep_start = start;
        s->ep_end = end;
    }
    s->count++;
    if (ns > s->longest_ns)
        s->longest_ns = ns;
}

static int64_t slot_total(const struct sf_diag_slot *s)
{
    return s->count ? s->ns + (s->ep_end - s->ep_start) : 0;
}

void sf__diag_note(struct sf_diag *d, enum sf_diag_kind kind, enum sf_dir dir, int64_t start,
                   int64_t ns, uint64_t f0, uint64_t f1, uint64_t f2)
{
    struct sf_diag_slot *s = d->slot[kind][dir];
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return;
        d->slot[kind][dir] = s;
    }
    if (ns < 0)
        ns = 0;
    if (s->nocc < SF_DIAG_OCC_MAX) {
        struct sf_diag_occ *o = &s->occ[s->nocc++];
        o->frame[0] = f0;
        o->frame[1] = f1;
        o->frame[2] = f2;
        o->start_ts = start;
        o->ns = ns;
    }
    if ((kind == SF_DIAG_SYN_RETRANSMISSION || kind == SF_DIAG_SYN_ACK_RETRANSMISSION) && s->nwaits < 4)
        s->waits_ns[s->nwaits++] = ns;
    slot_add(s, start, ns);
}

/* Thresholds that need the whole picture (docs/diagnosis.md): the
 * per-occurrence ones are applied where the occurrence is noted. */
bool sf__diag_reportable(enum sf_diag_kind k, const struct sf_diag_slot *s, const struct sf_conn *c)
{
    (void)c;
    if (!s || s->count == 0)
        return false;
    switch (k) {
    case SF_DIAG_WINDOW_LIMITED:
        /* A window filled once is a burst meeting the edge; a transfer
         * that keeps hitting it, and waits there, is limited by it. */
        return s->count >= 3 && slot_total(s) >= 10 * 1000000LL;
    default:
        return true;
    }
}

static void finding_from(struct sf_diag_finding *f, enum sf_diag_kind k, enum sf_dir dir,
                         const struct sf_diag_slot *s)
{
    memset(f, 0, sizeof(*f));
    f->kind = k;
    f->dir = dir;
    f->count = s->count;
    f->ns = slot_total(s);
    f->longest_ns = s->longest_ns;
    for (unsigned i = 0; i < s->nocc && f->nframes < SF_DIAG_FRAMES_MAX; i++)
        for (int j = 0; j < 3 && f->nframes < SF_DIAG_FRAMES_MAX; j++) {
            uint64_t fr = s->occ[i].frame[j];
            bool dup = false;
            if (!fr)
                continue;
            for (unsigned m = 0; m < f->nframes; m++)
                dup = dup || f->frames[m] == fr;
            if (!dup)
                f->frames[f->nframes++] = fr;
        }
    /* Ascending, as a reader looks them up. */
    for (unsigned i = 1; i < f->nframes; i++)
        for (unsigned j = i; j > 0 && f->frames[j - 1] > f->frames[j]; j--) {
            uint64_t x = f->frames[j];
            f->frames[j] = f->frames[j - 1];
            f->frames[j - 1] = x;
        }
    f->before = s->before;
    f->after = s->after;
    f->nwaits = s->nwaits;
    memcpy(f->waits_ns, s->waits_ns, sizeof(f->waits_ns));
}

unsigned sf_diag_conn_findings(const struct sf_conn *c, struct sf_diag_finding *out, unsigned max)
{
    unsigned n = 0;
    const struct sf_diag *d = c->diag;
    if (!d)
        return 0;
    /* A transfer that ended within the round after a recovery: what was
     * seen of that round decides (once: the watch is closed after). */
    for (int s = 0; s < 2; s++) {
        if (d->side[s].in_recovery && d->side[s].post_frame)
            sf__diag_congestion_decide(c->diag, (enum sf_dir)s, c->last_ts, d->side[s].full);
        sf__diag_bloat_decide(c->diag, (enum sf_dir)s);
    }
    for (int k = 0; k < SF_DIAG_KIND_COUNT; k++)
        for (int s = 0; s < 2; s++) {
            const struct sf_diag_slot *sl = d->slot[k][s];
            if (n < max && sf__diag_reportable((enum sf_diag_kind)k, sl, c))
                finding_from(&out[n++], (enum sf_diag_kind)k, (enum sf_dir)s, sl);
        }
    return n;
}

/* The frames a transaction spans: its request's first to the last frame
 * of its response (or the client's ACK of it). */
static void txn_range(const struct sf_http_txn *t, uint64_t *lo, uint64_t *hi)
{
    uint64_t a = t->req.present && t->req.first_frame ? t->req.first_frame : t->resp.first_frame;
    uint64_t b = t->resp.last_data_frame;
    if (t->resp.frame > b)
        b = t->resp.frame;
    if (t->client_ack_frame > b)
        b = t->client_ack_frame;
    if (t->req.last_data_frame > b)
        b = t->req.last_data_frame;
    /* The first transaction waited for the handshake too. */
    if (t->n == 1 && t->conn && t->conn->first_frame && t->conn->first_frame < a)
        a = t->conn->first_frame;
    *lo = a;
    *hi = b;
}

unsigned sf_diag_txn_findings(const struct sf_http_txn *t, struct sf_diag_finding *out, unsigned max)
{
    const struct sf_conn *c = t->conn;
    const struct sf_diag *d = c ? c->diag : NULL;
    struct sf_time_split sp;
    struct sf_diag_slot tmp;
    uint64_t lo, hi;
    unsigned n = 0;

    if (!d)
        return 0;
    txn_range(t, &lo, &hi);
    for (int k = 0; k < SF_DIAG_KIND_COUNT && lo; k++)
        for (int s = 0; s < 2; s++) {
            const struct sf_diag_slot *sl = d->slot[k][s];
            if (!sl || k == SF_DIAG_HOL_BLOCKING)
                continue;
            memset(&tmp, 0, sizeof(tmp));
            for (unsigned i = 0; i < sl->nocc; i++) {
                const struct sf_diag_occ *o = &sl->occ[i];
                if (o->frame[0] < lo || o->frame[0] > hi)
                    continue;
                if (tmp.count == 0) {
                    tmp.before = sl->before;
                    tmp.after = sl->after;
                }
                tmp.occ[tmp.nocc++] = *o;
                if ((k == SF_DIAG_SYN_RETRANSMISSION || k == SF_DIAG_SYN_ACK_RETRANSMISSION) &&
                    tmp.nwaits < 4)
                    tmp.waits_ns[tmp.nwaits++] = o->ns;
                slot_add(&tmp, o->start_ts, o->ns);
            }
            if (n < max && sf__diag_reportable((enum sf_diag_kind)k, &tmp, c))
                finding_from(&out[n++], (enum sf_diag_kind)k, (enum sf_dir)s, &tmp);
        }
    /* Head-of-line blocking is the transaction's own: its split knows it. */
    sf_diag_txn_split(t, &sp);
    if (n < max && sp.queued_ns >= 20 * 1000000LL) {
        struct sf_diag_finding *f = &out[n++];
        uint32_t prev = (t->n - 1) % 2;
        memset(f, 0, sizeof(*f));
        f->kind = SF_DIAG_HOL_BLOCKING;
        f->dir = SF_S2C;
        f->count = 1;
        f->ns = f->longest_ns = sp.queued_ns;
        f->frames[f->nframes++] = t->req.last_data_frame;
        if (d->txn[prev].n == t->n - 1 && d->txn[prev].resp_last_frame)
            f->frames[f->nframes++] = d->txn[prev].resp_last_frame;
        if (t->resp.first_frame)
            f->frames[f->nframes++] = t->resp.first_frame;
    }
    return n;
}
