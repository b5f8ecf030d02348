/* analysis.c - Wireshark's TCP sequence analysis (packet-tcp.c,
 * tcp_analyze_sequence_number), rule for rule, plus the RTT, bytes in
 * flight and scaled window figures, and the counters per direction. */
#include <stdlib.h>
#include <string.h>

#include "flow/analysis.h"

#define GT_SEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define LT_SEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define LE_SEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)

#define NOSFR(f) (((f) & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)) == 0)

struct an_names {
    const char *name;
    const char *explain;
};

static const struct an_names names[SF_AN_COUNT_BITS] = {
    { "retransmission",
      "retransmission: these bytes were sent before and not acknowledged in time (loss, or a "
      "timeout); if the capture missed the original, the loss happened before the capture point" },
    { "fast_retransmission",
      "fast retransmission: resent right after duplicate ACKs asked for it (network loss, "
      "recovered without waiting for a timeout)" },
    { "spurious_retransmission",
      "spurious retransmission: resent although the receiver had already acknowledged these bytes "
      "(the ACK was late or lost on its way back)" },
    { "out_of_order",
      "out of order: arrived after a later segment, within one round trip (reordering on the path, "
      "or the capture saw two paths)" },
    { "lost_segment",
      "previous segment not captured: bytes before this one were never seen (lost before the "
      "capture point, or dropped by the capture itself; common at capture start)" },
    { "ack_lost_segment",
      "ACKed unseen segment: the peer acknowledges bytes the capture never saw (capture started "
      "mid-stream or dropped packets: an artefact of the capture, not of the network)" },
    { "duplicate_ack",
      "duplicate ACK: the receiver repeats its ACK because a later segment arrived and one before "
      "it is missing (it is asking for it again)" },
    { "zero_window",
      "zero window: the receiver's buffer is full, the sender must stop (the receiving "
      "application is not reading fast enough)" },
    { "zero_window_probe",
      "zero window probe: one byte sent into a closed window to ask whether it has opened" },
    { "zero_window_probe_ack",
      "zero window probe ACK: the receiver answers the probe, its window is still closed" },
    { "window_full",
      "window full: this segment fills the receiver's advertised window exactly; the sender must "
      "now wait for an ACK (the receiver, or the window size, limits throughput)" },
    { "window_update",
      "window update: the receiver only announces a new window (its application read data)" },
    { "keep_alive",
      "keep-alive: a probe one byte behind the next sequence number, to check the peer is still "
      "there" },
    { "keep_alive_ack",
      "keep-alive ACK: the answer to a keep-alive probe" },
    { "reused_ports",
      "reused ports: a new connection with the addresses and ports of an earlier one in this "
      "capture" },
};

const char *sf_analysis_name(unsigned bit_index)
{
    return bit_index < SF_AN_COUNT_BITS ? names[bit_index].name : "unknown";
}

const char *sf_analysis_explain(unsigned bit_index)
{
    return bit_index < SF_AN_COUNT_BITS ? names[bit_index].explain : "unknown";
}

void sf_analysis_init(struct sf_conn *c)
{
    for (int d = 0; d < 2; d++) {
        c->half[d].an.win_scale = -1;
        /* Bytes in flight are reported from the first segment on, until a
         * lost segment suspends them (Wireshark's valid_bif). */
        c->half[d].an.valid_bif = true;
        c->half[d].an.is_first_ack = true;
        /* Wireshark starts each window at G_MAXUINT32: a capture that
         * begins mid-stream has not seen the peer's window, and 0 would
         * make its first one-byte segment a zero-window probe. */
        c->half[d].an.window = UINT32_MAX;
        c->half[d].cnt.zero_window_since = -1;
    }
    c->rtt_min_ns = -1;
}

void sf_analysis_free(struct sf_conn *c)
{
    for (int d = 0; d < 2; d++) {
        free(c->half[d].an.segs);
        c->half[d].an.segs = NULL;
        c->half[d].an.nsegs = c->half[d].an.capsegs = 0;
    }
    free(c->rtt_samples);
    c->rtt_samples = NULL;
    c->rtt_cap = 0;
}

void sf_analysis_compact(struct sf_conn *c)
{
    /* A closed connection keeps only what its record needs. */
    for (int d = 0; d < 2; d++) {
        struct sf_seq_state *s = &c->half[d].an;
        if (s->nsegs == 0 && s->segs) {
            free(s->segs);
            s->segs = NULL;
            s->capsegs = 0;
        }
    }
}

/* Window scaling from the handshake (RFC 7323 2.2), as tshark 4.0 keeps
 * it: every SYN or SYN+ACK with the option sets its direction's scale;
 * then a SYN without it, on a direction whose scale is still unknown,
 * means no scaling either way (-2), and a SYN+ACK answering a SYN that had
 * none (the peer's -2) does not scale either.  A later SYN without the
 * option (a retried or TFO attempt) leaves a known scale as it is. */
static void handshake_scale(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p)
{
    struct sf_seq_state *fwd = &c->half[dir].an, *rev = &c->half[!dir].an;
    if (!(p->flags & SF_TH_SYN))
        return;
    if (p->opt.has_wscale)
        fwd->win_scale = p->opt.wscale > 14 ? 14 : p->opt.wscale;
    if (fwd->win_scale == -1) {
        fwd->win_scale = -2;
        rev->win_scale = -2;
    } else if ((p->flags & SF_TH_ACK) && rev->win_scale == -2) {
        fwd->win_scale = -2;
    }
}

/* Keeps a bounded sample of RTTs: every sample while there is room, then a
 * deterministic reservoir (so the median is exact up to SF_RTT_SAMPLES
 * samples, an unbiased estimate beyond). */
static void rtt_sample(struct sf_conn *c, enum sf_dir acker, int64_t rtt)
{
    uint32_t slot;
    if (rtt < 0)
        return;
    if (c->rtt_count == 0 || rtt < c->rtt_min_ns)
        c->rtt_min_ns = rtt;
    if (rtt > c->rtt_max_ns)
        c->rtt_max_ns = rtt;
    c->rtt_count++;
    if (acker == SF_C2S)
        c->rtt_client_side_sum += rtt, c->rtt_client_side_n++;
    else
        c->rtt_server_side_sum += rtt, c->rtt_server_side_n++;
    if (c->rtt_count <= SF_RTT_SAMPLES) {
        /* Short connections have a handful of samples: grow in steps. */
        if (c->rtt_count > c->rtt_cap) {
            uint32_t ncap = c->rtt_cap ? c->rtt_cap * 2 : 4;
            int64_t *n = realloc(c->rtt_samples, ncap * sizeof(*n));
            if (!n) {
                c->rtt_count--;
                return;
            }
            c->rtt_samples = n;
            c->rtt_cap = ncap;
        }
        c->rtt_samples[c->rtt_count - 1] = rtt;
        return;
    }
    /* xorshift on the sample count: reproducible, no global state */
    {
        uint64_t x = c->rtt_count * 0x9e3779b97f4a7c15ULL + c->id;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 33;
        slot = (uint32_t)(x % c->rtt_count);
    }
    if (slot < SF_RTT_SAMPLES)
        c->rtt_samples[slot] = rtt;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t sf_analysis_rtt_median(const struct sf_conn *c)
{
    int64_t tmp[SF_RTT_SAMPLES];
    uint32_t n = c->rtt_count < SF_RTT_SAMPLES ? (uint32_t)c->rtt_count : SF_RTT_SAMPLES;
    if (n == 0 || !c->rtt_samples)
        return -1;
    memcpy(tmp, c->rtt_samples, n * sizeof(tmp[0]));
    qsort(tmp, n, sizeof(tmp[0]), cmp_i64);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* The un-ACKed list is a ring in send order.  While it is also in
 * sequence order (the common case: no retransmission pending) the ACK and
 * bytes-in-flight work touches only its ends; otherwise it is scanned
 * whole, as Wireshark walks its list. */
#define SEG(st, i) ((st)->segs[((st)->head + (i)) & ((st)->capsegs - 1)])

static void push_seg(struct sf_seq_state *s, uint32_t seq, uint32_t nextseq, uint64_t frame,
                     int64_t ts)
{
    struct sf_unacked *u;
    if (s->nsegs >= SF_MAX_UNACKED)
        return;
    if (s->nsegs == s->capsegs) {
        uint32_t ncap = s->capsegs ? s->capsegs * 2 : 8;
        struct sf_unacked *n = malloc(ncap * sizeof(*n));
        if (!n)
            return;
        for (uint32_t i = 0; i < s->nsegs; i++)
            n[i] = SEG(s, i);
        free(s->segs);
        s->segs = n;
        s->capsegs = ncap;
        s->head = 0;
    }
    if (s->nsegs == 0) {
        s->sorted = true;
    } else {
        const struct sf_unacked *last = &SEG(s, s->nsegs - 1);
        if (LT_SEQ(seq, last->seq) || LT_SEQ(nextseq, last->nextseq))
            s->sorted = false;
    }
    u = &SEG(s, s->nsegs);
    u->seq = seq;
    u->nextseq = nextseq;
    u->frame = frame;
    u->ts = ts;
    u->retransmitted = false;
    s->nsegs++;
}

/* Removes what `ack` covers from the list; an exact match (the oldest one)
 * gives the RTT sample. */
static void ack_segments(struct sf_seq_state *s, uint32_t ack, int64_t now, struct sf_pkt_view *v)
{
    if (s->sorted) {
        /* Fully acknowledged segments form a prefix... */
        while (s->nsegs && LE_SEQ(SEG(s, 0).nextseq, ack)) {
            const struct sf_unacked *u = &SEG(s, 0);
            if (ack == u->nextseq && !v->acked_frame) {
                v->acked_frame = u->frame;
                v->ack_rtt_ns = now - u->ts;
                v->ack_ambiguous = u->retransmitted;
            }
            s->head = (s->head + 1) & (s->capsegs - 1);
            s->nsegs--;
        }
        /* ...then partly acknowledged ones, up to the first untouched. */
        for (uint32_t i = 0; i < s->nsegs && GT_SEQ(ack, SEG(s, i).seq); i++)
            SEG(s, i).seq = ack;
    } else {
        uint32_t keep = 0, n = s->nsegs;
        for (uint32_t i = 0; i < n; i++) {
            struct sf_unacked u = SEG(s, i);
            if (ack == u.nextseq) {
                /* Several copies: Wireshark ends on the oldest. */
                if (!v->acked_frame) {
                    v->acked_frame = u.frame;
                    v->ack_rtt_ns = now - u.ts;
                    v->ack_ambiguous = u.retransmitted;
                }
                continue;
            }
            if (GT_SEQ(ack, u.seq) && LE_SEQ(ack, u.nextseq))
                u.seq = ack;          /* partly acknowledged */
            else if (!GT_SEQ(u.nextseq, ack))
                continue;             /* old: acknowledged before */
            SEG(s, keep) = u;
            keep++;
        }
        s->nsegs = keep;
    }
    if (s->nsegs == 0)
        s->sorted = true;
}

static void zero_window_episode(struct sf_an_counts *cnt, bool zero, int64_t now)
{
    if (zero && cnt->zero_window_since < 0) {
        cnt->zero_window_since = now;
        cnt->zero_window_episodes++;
    } else if (!zero && cnt->zero_window_since >= 0) {
        cnt->zero_window_ns += now - cnt->zero_window_since;
        cnt->zero_window_since = -1;
    }
}

void sf_analysis_packet(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p,
                        struct sf_pkt_view *v)
{
    struct sf_seq_state *fwd = &c->half[dir].an, *rev = &c->half[!dir].an;
    struct sf_an_counts *cnt = &c->half[dir].cnt;
    uint32_t seq = p->seq, ack = p->ack, seglen = p->payload_len, window = p->win;
    uint16_t flags = p->flags;
    uint32_t fl = 0, nextseq;
    int64_t now = p->ts_ns;

    v->ack_rtt_ns = -1;
    v->bytes_in_flight = -1;
    handshake_scale(c, dir, p);
    if (flags & SF_TH_ACK)
        rev->valid_bif = true;

    /* ZERO WINDOW PROBE: the next expected byte, alone, into a closed window. */
    if (seglen == 1 && seq == fwd->nextseq && rev->window == 0) {
        fl |= SF_AN_ZERO_WINDOW_PROBE;
        goto finished_fwd;
    }
    /* ZERO WINDOW */
    if (window == 0 && NOSFR(flags))
        fl |= SF_AN_ZERO_WINDOW;
    /* LOST SEGMENT: beyond the highest byte seen (RSTs are not checked). */
    if (fwd->nextseq && GT_SEQ(seq, fwd->nextseq) && !(flags & SF_TH_RST)) {
        fl |= SF_AN_LOST_SEGMENT;
        fwd->valid_bif = false;
    }
    /* KEEP ALIVE: 0 or 1 byte, one byte before the next expected one. */
    if ((seglen == 0 || seglen == 1) && seq == fwd->nextseq - 1 && NOSFR(flags))
        fl |= SF_AN_KEEP_ALIVE;
    /* WINDOW UPDATE: same seq and ack, a new non-zero window. */
    if (seglen == 0 && window && window != fwd->window && seq == fwd->nextseq &&
        ack == fwd->lastack && NOSFR(flags))
        fl |= SF_AN_WINDOW_UPDATE;
    /* WINDOW FULL: ends exactly at the right edge of the receiver's window. */
    if (seglen > 0 && rev->win_scale != -1 && NOSFR(flags) &&
        seq + seglen == rev->lastack + (rev->window << (rev->is_first_ack || rev->win_scale == -2
                                                            ? 0 : rev->win_scale)))
        fl |= SF_AN_WINDOW_FULL;
    /* KEEP ALIVE ACK */
    if (seglen == 0 && window && window == fwd->window && seq == fwd->nextseq &&
        ack == fwd->lastack && (rev->lastflags & SF_AN_KEEP_ALIVE) && NOSFR(flags)) {
        fl |= SF_AN_KEEP_ALIVE_ACK;
        goto finished_fwd;
    }
    /* ZERO WINDOW PROBE ACK */
    if (seglen == 0 && window == 0 && window == fwd->window && seq == fwd->nextseq &&
        ack == fwd->lastack && (rev->lastflags & SF_AN_ZERO_WINDOW_PROBE) && NOSFR(flags)) {
        fl |= SF_AN_ZERO_WINDOW_PROBE_ACK;
        goto finished_fwd;
    }
    /* DUPLICATE ACK: nothing changed but the receiver speaks again. */
    if (seglen == 0 && window && window == fwd->window && seq == fwd->nextseq &&
        ack == fwd->lastack && NOSFR(flags)) {
        fwd->dupacknum++;
        fl |= SF_AN_DUPLICATE_ACK;
        v->dup_ack_num = (uint32_t)fwd->dupacknum;
        v->dup_ack_frame = fwd->lastnondupack;
    }

finished_fwd:
    if (ack != fwd->lastack) {
        fwd->lastnondupack = p->frame;
        fwd->dupacknum = 0;
    }

    /* ACKED LOST SEGMENT: acknowledges bytes never seen the other way. */
    if (rev->maxseqtobeacked && GT_SEQ(ack, rev->maxseqtobeacked) && (flags & SF_TH_ACK) &&
        !(ack == fwd->lastack && (fwd->lastflags & SF_AN_ACK_LOST_SEGMENT))) {
        /* One missing segment gives one flag: the bound jumps ahead, and a
         * stalled side's repeated ACKs are counted once (plain comparison,
         * not wrap-aware, as Wireshark). */
        fl |= SF_AN_ACK_LOST_SEGMENT;
        rev->maxseqtobeacked = rev->nextseq;
    }

    /* RETRANSMISSION / FAST RETRANSMISSION / SPURIOUS / OUT-OF-ORDER */
    if (seglen > 0 || (flags & (SF_TH_SYN | SF_TH_FIN))) {
        bool not_advanced = fwd->nextseq && LT_SEQ(seq, fwd->nextseq);
        int64_t t, ooo_thres;

        if (fl & SF_AN_KEEP_ALIVE)
            goto finished_retrans;
        /* New data right after a zero-window probe byte is not a retransmission. */
        if (seglen > 1 && fwd->nextseq - 1 == seq)
            not_advanced = false;

        /* Spurious first: everything in it was already acknowledged. */
        if (seglen > 0 && rev->lastack && LE_SEQ(seq + seglen, rev->lastack)) {
            fl |= SF_AN_SPURIOUS_RETRANSMISSION;
            goto finished_retrans;
        }
        /* Fast retransmission (it takes precedence over out-of-order, as
         * Wireshark's default tcp.fastrt_supersedes_ooo). */
        t = now - rev->lastack_ts;
        if (not_advanced && rev->dupacknum >= 2 && rev->lastack == seq && t < 20000000) {
            fl |= SF_AN_FAST_RETRANSMISSION;
            goto finished_retrans;
        }
        t = now - fwd->nextseq_ts;
        ooo_thres = c->irtt_ns > 0 ? c->irtt_ns : 3000000;
        if (not_advanced && t < ooo_thres &&
            fwd->nextseq != seq + seglen + ((flags & (SF_TH_SYN | SF_TH_FIN)) ? 1 : 0)) {
            fl |= SF_AN_OUT_OF_ORDER;
            goto finished_retrans;
        }
        if (not_advanced)
            fl |= SF_AN_RETRANSMISSION;
    }
finished_retrans:

    nextseq = seq + seglen;
    if (seglen || (flags & (SF_TH_SYN | SF_TH_FIN))) {
        if (flags & (SF_TH_SYN | SF_TH_FIN))
            nextseq += 1;
        /* Karn: an ACK of data that was sent twice is ambiguous.  The
         * oldest copy still un-ACKed is the original the text points to. */
        if (fl & (SF_AN_RETRANSMISSION | SF_AN_FAST_RETRANSMISSION | SF_AN_SPURIOUS_RETRANSMISSION |
                  SF_AN_OUT_OF_ORDER))
            for (uint32_t i = 0; i < fwd->nsegs; i++)
                if (LE_SEQ(SEG(fwd, i).seq, seq) && GT_SEQ(SEG(fwd, i).nextseq, seq)) {
                    SEG(fwd, i).retransmitted = true;
                    if (!v->original_frame) {
                        v->original_frame = SEG(fwd, i).frame;
                        v->original_ts = SEG(fwd, i).ts;
                    }
                }
        push_seg(fwd, seq, nextseq, p->frame, now);
    }
    /* Zero-window probes do not move nextseq. */
    if ((GT_SEQ(nextseq, fwd->nextseq) || !fwd->nextseq) && !(fl & SF_AN_ZERO_WINDOW_PROBE)) {
        fwd->nextseq = nextseq;
        fwd->nextseq_frame = p->frame;
        fwd->nextseq_ts = now;
    }
    if ((seq == fwd->maxseqtobeacked || !fwd->maxseqtobeacked) && !(fl & SF_AN_ZERO_WINDOW_PROBE))
        fwd->maxseqtobeacked = fwd->nextseq;

    fwd->window = window;
    fwd->lastack = ack;
    fwd->lastack_ts = now;
    fwd->lastflags = fl;
    if (!(flags & SF_TH_SYN))
        fwd->is_first_ack = false;
    /* The SACK blocks this side reports now (RFC 2018): delivered bytes that
     * do not count as in flight for the other side. */
    fwd->nsack = p->opt.sack_count;
    fwd->sack_bytes = 0;
    for (uint8_t i = 0; i < p->opt.sack_count; i++)
        fwd->sack_bytes += p->opt.sack[i][1] - p->opt.sack[i][0];

    /* Drop what this ACK covers from the other side's un-ACKed list; an
     * exact match gives the RTT sample (tcp.analysis.ack_rtt). */
    if (flags & SF_TH_ACK) {
        ack_segments(rev, ack, now, v);
        if (v->ack_rtt_ns >= 0 && !v->ack_ambiguous)
            rtt_sample(c, dir, v->ack_rtt_ns);
    }

    /* Bytes in flight after this segment: the span of this side's un-ACKed list. */
    if (seglen && fwd->nsegs && fwd->valid_bif) {
        uint32_t base = c->half[dir].base_seq;
        uint32_t first = SEG(fwd, 0).seq - base;
        uint32_t last = SEG(fwd, fwd->nsegs - 1).nextseq - base;
        if (!fwd->sorted) {
            /* Wireshark's span on relative numbers: lowest start, highest end. */
            last = SEG(fwd, 0).nextseq - base;
            for (uint32_t i = 1; i < fwd->nsegs; i++) {
                uint32_t st = SEG(fwd, i).seq - base;
                uint32_t e = SEG(fwd, i).nextseq - base;
                if (e > last)
                    last = e;
                if (st < first)
                    first = st;
            }
        }
        {
            uint32_t in_flight = last - first - rev->sack_bytes;
            if (in_flight > 0 && in_flight < 2000000000u)
                v->bytes_in_flight = in_flight - ((flags & (SF_TH_SYN | SF_TH_FIN)) ? 1 : 0);
        }
    }

    /* Scaled window: never for a SYN, unknown until the handshake says. */
    v->win_scale = fwd->win_scale;
    if ((flags & SF_TH_SYN) || fwd->win_scale < 0)
        v->win_scaled = window;   /* unknown scale: tshark shows the raw value */
    else
        v->win_scaled = (int64_t)window << (fwd->win_scale == -2 ? 0 : fwd->win_scale);

    /* Counters. */
    if (fl & (SF_AN_RETRANSMISSION | SF_AN_FAST_RETRANSMISSION | SF_AN_SPURIOUS_RETRANSMISSION)) {
        cnt->retrans_segs++;
        cnt->retrans_bytes += seglen;
        /* tshark also shows the generic flag for the two special kinds. */
        fl |= SF_AN_RETRANSMISSION;
    }
    if (fl & SF_AN_FAST_RETRANSMISSION)
        cnt->fast_retrans++;
    if (fl & SF_AN_SPURIOUS_RETRANSMISSION)
        cnt->spurious_retrans++;
    if (fl & SF_AN_OUT_OF_ORDER)
        cnt->out_of_order++;
    if (fl & SF_AN_LOST_SEGMENT)
        cnt->lost_segment++;
    if (fl & SF_AN_ACK_LOST_SEGMENT)
        cnt->ack_lost_segment++;
    if (fl & SF_AN_DUPLICATE_ACK)
        cnt->dup_acks++;
    if (fl & SF_AN_ZERO_WINDOW)
        cnt->zero_window++;
    if (fl & SF_AN_ZERO_WINDOW_PROBE)
        cnt->zero_window_probes++;
    if (fl & SF_AN_WINDOW_FULL)
        cnt->window_full++;
    if (fl & SF_AN_KEEP_ALIVE)
        cnt->keep_alive++;
    if (!(flags & (SF_TH_SYN | SF_TH_RST)))
        zero_window_episode(cnt, window == 0, now);
    v->analysis |= fl;
}

void sf_analysis_handshake_rtt(struct sf_conn *c)
{
    /* The handshake gives one sample of each half, seen from the capture
     * point: server side = SYN -> SYN+ACK, client side = SYN+ACK -> ACK. */
    const struct sf_half *cl = &c->half[SF_C2S], *sv = &c->half[SF_S2C];
    if (cl->syn_count == 1 && sv->syn_count >= 1 && c->hs_ack_frame) {
        c->hs_server_side_ns = sv->syn_ts - cl->syn_ts;
        c->hs_client_side_ns = c->hs_ack_ts - sv->syn_ts;
    }
}
