/* reasm.c - TCP stream reassembly: zero-copy in-order delivery, bounded out-of-order holding, first copy wins. */
#include <stdlib.h>
#include <string.h>

#include "reasm/reasm.h"
#include "synfin/packet.h"

/* A held piece of one direction: [seq, seq + len).  Only the first `have`
 * bytes were captured; the rest (snaplen) are delivered as a gap.  Pieces
 * that touch are not merged yet: each keeps the frame that carried it, which
 * the HTTP layer's frame attribution reads (merging them changed a golden's
 * segment count; issue 10 item 1 leaves that open).  `data` points to the
 * inline bytes; `cap` and `cost` make room for a growing buffer. */
struct sf_reasm_seg {
    struct sf_reasm_seg *next;
    uint32_t seq;
    uint32_t len;
    uint32_t have;
    uint32_t cap;             /* bytes `data` can hold */
    size_t cost;              /* what it counts against the global memcap */
    struct sf_reasm_src src;  /* the segment that carried it */
    uint8_t *data;            /* inl, or a heap buffer after growing */
    uint8_t inl[];
};

/* Bytes glibc's malloc takes for a request of n: an 8-byte header, 16-byte
 * granules, 32 at least (malloc/malloc.c, request2size).  The memcap counts
 * these, so what it says is what the heap holds. */
static size_t footprint(size_t n)
{
    size_t c = (n + sizeof(size_t) + 15) & ~(size_t)15;
    return c < 32 ? 32 : c;
}

/* What a new piece of `have` captured bytes costs the global memcap. */
static size_t piece_cost(uint32_t have)
{
    return footprint(sizeof(struct sf_reasm_seg) + have);
}

/* Sequence arithmetic modulo 2^32 (RFC 9293 section 3.4). */
static int32_t sdiff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

void sf_reasm_init(struct sf_reasm *r, struct sf_reasm_mem *mem, const struct sf_reasm_limits *lim,
                   const struct sf_reasm_ops *ops, void *ctx)
{
    memset(r, 0, sizeof(*r));
    r->mem = mem;
    r->lim.dir_bytes = lim && lim->dir_bytes ? lim->dir_bytes : SF_REASM_DEFAULT_DIR_BYTES;
    r->lim.dir_segments = lim && lim->dir_segments ? lim->dir_segments : SF_REASM_DEFAULT_DIR_SEGS;
    r->ops = ops;
    r->ctx = ctx;
}

static void emit_data(struct sf_reasm *r, int dir, const uint8_t *p, size_t n, const struct sf_reasm_src *src)
{
    if (n == 0)
        return;
    r->half[dir].delivered += n;
    if (r->ops && r->ops->data)
        r->ops->data(r->ctx, dir, p, n, src);
}

static void emit_gap(struct sf_reasm *r, int dir, uint64_t n, enum sf_reasm_gap_why why,
                     const struct sf_reasm_src *src)
{
    if (n == 0)
        return;
    r->half[dir].gaps++;
    r->half[dir].gap_bytes += n;
    if (r->ops && r->ops->gap)
        r->ops->gap(r->ctx, dir, n, why, src);
}

static void seg_free(struct sf_reasm *r, struct sf_reasm_half *h, struct sf_reasm_seg *s)
{
    h->held_bytes -= s->have;
    h->held_count--;
    if (h->last == s)
        h->last = NULL;
    if (r->mem)
        r->mem->used -= s->cost;
    if (s->data != s->inl)
        free(s->data);
    free(s);
}

/* Delivers [from, end) of a piece whose bytes start at `seq`, of which the
 * first `have` were captured. */
static void emit_piece(struct sf_reasm *r, int dir, uint32_t seq, const uint8_t *data, uint32_t have,
                       uint32_t from_off, uint32_t end_off, const struct sf_reasm_src *src)
{
    (void)seq;
    if (from_off < have) {
        uint32_t stop = end_off < have ? end_off : have;
        emit_data(r, dir, data + from_off, stop - from_off, src);
        from_off = stop;
    }
    if (from_off < end_off)
        emit_gap(r, dir, end_off - from_off, SF_REASM_GAP_SNAPLEN, src);
}

/* Hands out every held piece that now starts at or before `next`. */
static void drain(struct sf_reasm *r, int dir)
{
    struct sf_reasm_half *h = &r->half[dir];
    while (h->held && sdiff(h->held->seq, h->next) <= 0) {
        struct sf_reasm_seg *s = h->held;
        uint32_t end = s->seq + s->len;
        h->held = s->next;
        if (sdiff(end, h->next) > 0) {
            uint32_t off = h->next - s->seq;
            h->next = end;
            emit_piece(r, dir, s->seq, s->data, s->have, off, s->len, &s->src);
        }
        seg_free(r, h, s);
    }
}

static void try_eof(struct sf_reasm *r, int dir, const struct sf_reasm_src *src)
{
    struct sf_reasm_half *h = &r->half[dir];
    if (h->fin_seen && !h->eof_sent && !h->held && sdiff(h->next, h->fin_seq) >= 0) {
        h->eof_sent = true;
        if (r->ops && r->ops->eof)
            r->ops->eof(r->ctx, dir, src);
    }
}

/* The hole before the first held piece will not be filled (or may not be
 * waited for): record it as a gap and release what follows. */
static void skip_first_hole(struct sf_reasm *r, int dir, enum sf_reasm_gap_why why,
                            const struct sf_reasm_src *src)
{
    struct sf_reasm_half *h = &r->half[dir];
    if (!h->held)
        return;
    if (sdiff(h->held->seq, h->next) > 0) {
        emit_gap(r, dir, (uint32_t)(h->held->seq - h->next), why, src);
        h->next = h->held->seq;
    }
    drain(r, dir);
}

/* Bytes [seq, seq+len) with seq <= next < seq+len: delivered in place,
 * interleaved with held pieces that already own part of the range (the
 * first copy wins; differing bytes are counted as a conflict). */
static void deliver_inorder(struct sf_reasm *r, int dir, uint32_t seq, const uint8_t *p, uint32_t caplen,
                            uint32_t len, const struct sf_reasm_src *src)
{
    struct sf_reasm_half *h = &r->half[dir];
    uint32_t end = seq + len;

    while (sdiff(end, h->next) > 0) {
        uint32_t limit = end;
        if (h->held && sdiff(h->held->seq, end) < 0)
            limit = h->held->seq;
        if (sdiff(limit, h->next) > 0) {
            uint32_t from = h->next - seq, to = limit - seq;
            h->next = limit;
            emit_piece(r, dir, seq, p, caplen, from, to, src);
        }
        if (h->held && sdiff(h->held->seq, h->next) <= 0) {
            struct sf_reasm_seg *s = h->held;
            /* Compare the overlap of the held copy with this one. */
            uint32_t ov_end = sdiff(s->seq + s->len, end) < 0 ? s->seq + s->len : end;
            uint32_t a = s->seq - seq, b = ov_end - seq;
            uint32_t cmp_end = b < caplen ? b : caplen;
            uint32_t held_have_end = s->have;
            if (a < cmp_end) {
                uint32_t n = cmp_end - a;
                if (n > held_have_end)
                    n = held_have_end;
                if (n && memcmp(p + a, s->data, n) != 0)
                    h->overlap_conflicts++;
            }
            drain(r, dir);
        }
    }
}

static struct sf_reasm_seg *piece_new(uint32_t seq, uint32_t a, uint32_t b, const uint8_t *p, uint32_t caplen,
                                      const struct sf_reasm_src *src)
{
    uint32_t off = a - seq, n = b - a, have = 0;
    struct sf_reasm_seg *s;
    if (off < caplen)
        have = caplen - off < n ? caplen - off : n;
    s = malloc(sizeof(*s) + have);
    if (!s)
        return NULL;
    s->next = NULL;
    s->seq = a;
    s->len = n;
    s->have = have;
    s->cap = have;
    s->cost = piece_cost(have);
    s->src = *src;
    s->data = s->inl;
    if (have)
        memcpy(s->data, p + off, have);
    return s;
}

static bool room_for(const struct sf_reasm *r, const struct sf_reasm_half *h, uint32_t bytes)
{
    if (h->held_count + 1 > r->lim.dir_segments)
        return false;
    if (h->held_bytes + bytes > r->lim.dir_bytes)
        return false;
    if (r->mem && r->mem->limit && r->mem->used + piece_cost(bytes) > r->mem->limit)
        return false;
    return true;
}

/* Holds the new parts of an out-of-order segment (seq > next).  Returns
 * false when nothing could be held for lack of memory. */
static bool hold(struct sf_reasm *r, int dir, uint32_t seq, const uint8_t *p, uint32_t caplen, uint32_t len,
                 const struct sf_reasm_src *src)
{
    struct sf_reasm_half *h = &r->half[dir];
    struct sf_reasm_seg **pp = &h->held;
    uint32_t end = seq + len, cur = seq;
    bool added = false;

    if (h->last && sdiff(h->last->seq + h->last->len, seq) <= 0)
        pp = &h->last->next;   /* every piece before the hint ends before seq */

    while (sdiff(end, cur) > 0) {
        struct sf_reasm_seg *s = *pp;
        if (s && sdiff(s->seq + s->len, cur) <= 0) {
            pp = &s->next;
            continue;
        }
        if (!s || sdiff(s->seq, cur) > 0) {
            uint32_t pend = s && sdiff(s->seq, end) < 0 ? s->seq : end;
            struct sf_reasm_seg *n = piece_new(seq, cur, pend, p, caplen, src);
            if (!n || !room_for(r, h, n->have)) {
                free(n);
                return added;
            }
            n->next = s;
            *pp = n;
            h->held_bytes += n->have;
            h->held_count++;
            h->last = n;
            if (r->mem) {
                r->mem->used += n->cost;
                if (r->mem->used > r->mem->peak)
                    r->mem->peak = r->mem->used;
            }
            pp = &n->next;
            cur = pend;
            added = true;
            continue;
        }
        /* s covers cur: its copy came first. */
        {
            uint32_t ov_end = sdiff(s->seq + s->len, end) < 0 ? s->seq + s->len : end;
            uint32_t a = cur - seq, b = ov_end - seq, sa = cur - s->seq;
            if (b > caplen)
                b = caplen;
            if (a < b && sa < s->have) {
                uint32_t n = b - a;
                if (n > s->have - sa)
                    n = s->have - sa;
                if (memcmp(p + a, s->data + sa, n) != 0)
                    h->overlap_conflicts++;
            }
            cur = ov_end;
            pp = &s->next;
        }
    }
    if (!added)
        h->retrans_segments++;
    return true;
}

static void data_segment(struct sf_reasm *r, int dir, uint32_t seq, const uint8_t *p, uint32_t caplen,
                         uint32_t len, const struct sf_reasm_src *src)
{
    struct sf_reasm_half *h = &r->half[dir];
    uint32_t end = seq + len;

    /* A keep-alive probe repeats the byte before next (RFC 9293 3.8.4). */
    if (len <= 1 && sdiff(seq, h->next) < 0 && sdiff(end, h->next) <= 0 && sdiff(h->next, seq) == 1)
        return;
    for (;;) {
        uint32_t before;
        if (sdiff(end, h->next) <= 0) {
            h->retrans_segments++;
            if (r->ops && r->ops->retrans)
                r->ops->retrans(r->ctx, dir, src);
            return;
        }
        if (sdiff(seq, h->next) <= 0) {
            deliver_inorder(r, dir, seq, p, caplen, len, src);
            return;
        }
        before = h->retrans_segments;
        if (room_for(r, h, caplen) && hold(r, dir, seq, p, caplen, len, src)) {
            if (h->retrans_segments != before && r->ops && r->ops->retrans)
                r->ops->retrans(r->ctx, dir, src);
            return;
        }
        /* A cap is hit: the oldest hole becomes a gap (never a silent
         * loss) and the segment is tried again.  Each turn frees a held
         * piece or makes the segment in-order, so this ends. */
        h->cap_hits++;
        if (h->held) {
            skip_first_hole(r, dir, SF_REASM_GAP_CAP, src);
        } else {
            emit_gap(r, dir, (uint32_t)(seq - h->next), SF_REASM_GAP_CAP, src);
            h->next = seq;
        }
    }
}

/* The peer acknowledged up to `ack`: bytes before it that never came are lost. */
static void ack_gap(struct sf_reasm *r, int dir, uint32_t ack, const struct sf_reasm_src *src)
{
    struct sf_reasm_half *h = &r->half[dir];
    uint32_t lim = ack;

    if (!h->started)
        return;
    if (h->fin_seen && sdiff(lim, h->fin_seq) > 0)
        lim = h->fin_seq;
    /* An ACK far ahead is nonsense (or another connection); ignore it. */
    if (sdiff(lim, h->next) <= 0 || sdiff(lim, h->next) > (1 << 30))
        return;
    while (sdiff(lim, h->next) > 0) {
        if (h->held && sdiff(h->held->seq, lim) < 0) {
            skip_first_hole(r, dir, SF_REASM_GAP_ACKED, src);
        } else {
            emit_gap(r, dir, (uint32_t)(lim - h->next), SF_REASM_GAP_ACKED, src);
            h->next = lim;
            drain(r, dir);
        }
    }
}

void sf_reasm_segment(struct sf_reasm *r, const struct sf_reasm_in *in)
{
    struct sf_reasm_half *h;
    uint32_t seq = in->seq;
    int dir = in->dir & 1;

    h = &r->half[dir];
    if (in->flags & SF_TH_SYN) {
        seq++;
        if (!h->started) {
            h->started = true;
            h->next = seq;
        }
    }
    if (!h->started && (in->len > 0 || (in->flags & SF_TH_FIN))) {
        h->started = true;
        h->next = seq;
        /* The tracker's view of where the stream began (an ACK from the
         * peer may say earlier bytes were sent but not captured). */
        if (in->start_known && sdiff(seq, in->start_seq) > 0 && sdiff(seq, in->start_seq) < (1 << 20))
            h->next = in->start_seq;
    }
    if (h->started && in->len > 0 && !(in->flags & SF_TH_RST))
        data_segment(r, dir, seq, in->payload, in->caplen < in->len ? in->caplen : in->len, in->len, &in->src);
    if (h->started && (in->flags & SF_TH_FIN) && !h->fin_seen) {
        h->fin_seen = true;
        h->fin_seq = seq + in->len;
    }
    if (in->flags & SF_TH_ACK)
        ack_gap(r, !dir, in->ack, &in->src);
    try_eof(r, dir, &in->src);
    try_eof(r, !dir, &in->src);
}

void sf_reasm_syn(struct sf_reasm *r, int dir, uint32_t syn_seq)
{
    struct sf_reasm_half *h = &r->half[dir & 1];
    if (!h->started) {
        h->started = true;
        h->next = syn_seq + 1;
    }
}

void sf_reasm_finish(struct sf_reasm *r, const struct sf_reasm_src *src)
{
    for (int dir = 0; dir < 2; dir++) {
        struct sf_reasm_half *h = &r->half[dir];
        if (!h->started)
            continue;
        while (h->held)
            skip_first_hole(r, dir, SF_REASM_GAP_END, src);
        if (h->fin_seen && sdiff(h->fin_seq, h->next) > 0 && sdiff(h->fin_seq, h->next) < (1 << 30)) {
            emit_gap(r, dir, (uint32_t)(h->fin_seq - h->next), SF_REASM_GAP_END, src);
            h->next = h->fin_seq;
        }
        if (!h->eof_sent) {
            h->eof_sent = true;
            if (r->ops && r->ops->eof)
                r->ops->eof(r->ctx, dir, src);
        }
    }
}

void sf_reasm_free(struct sf_reasm *r)
{
    for (int dir = 0; dir < 2; dir++) {
        struct sf_reasm_half *h = &r->half[dir];
        while (h->held) {
            struct sf_reasm_seg *s = h->held;
            h->held = s->next;
            seg_free(r, h, s);
        }
    }
}
