/* detect.c - the per-packet detectors of classic TCP pathologies (rules: docs/diagnosis.md). */
#include "diag/diag.h"

#define MS 1000000LL
/* No stack retransmits on a timer sooner (Linux's TCP_RTO_MIN, 200 ms;
 * RFC 6298 asks for 1 s): a resend after this much silence is a timeout. */
#define RTO_MIN_NS (200 * MS)
/* A delayed ACK waits 40 ms on Linux (TCP_DELACK_MIN), up to 200 ms on
 * Windows and 500 ms by RFC 1122: an ACK this much later than one RTT
 * was held by the receiver, not the path. */
#define DELACK_MIN_NS (30 * MS)
#define DELACK_MAX_NS (600 * MS)
/* Bufferbloat: RTT samples this far above the smallest (and 3 times it)
 * are queueing, not the path's delay or a delayed ACK (40 ms on Linux). */
#define BLOAT_EXTRA_NS (50 * MS)
#define BLOAT_MIN_SAMPLES 8
/* A sender pause shorter than this is timer and scheduling noise. */
#define SENDER_GAP_MIN_NS (50 * MS)

/* A full-sized segment of this side: the peer's announced MSS (less the
 * timestamp option when agreed), else the largest payload seen, else the
 * IPv4 default. */
static uint32_t full_segment(const struct sf_conn *c, enum sf_dir dir, const struct sf_diag_side *me)
{
    const struct sf_syn_opts *peer = &c->half[!dir].opts;
    uint32_t m = 0;
    if (peer->seen && peer->has_mss) {
        m = peer->mss;
        if (peer->has_ts && c->half[dir].opts.has_ts && m > 12)
            m -= 12;
    }
    /* Without an announced MSS, RFC 9293's default is the floor: the
     * largest payload seen may itself be a small one. */
    if (!m)
        m = 536;
    if (me->mss > m)
        m = me->mss;
    return m;
}

static void syn_retries(struct sf_diag *d, enum sf_dir dir, const struct sf_packet *p,
                        const struct sf_pkt_view *v)
{
    struct sf_diag_side *me = &d->side[dir];
    bool retry = v->role == SF_ROLE_SYN_RETRANS || v->role == SF_ROLE_SYN_ACK_RETRANS;
    if (retry && me->syn_prev_ts >= 0)
        sf__diag_note(d, v->role == SF_ROLE_SYN_RETRANS ? SF_DIAG_SYN_RETRANSMISSION
                                                        : SF_DIAG_SYN_ACK_RETRANSMISSION,
                      dir, me->syn_prev_ts, p->ts_ns - me->syn_prev_ts, p->frame, me->syn_first_frame, 0);
    if (!me->syn_first_frame)
        me->syn_first_frame = p->frame;
    me->syn_prev_ts = p->ts_ns;
}

/* A data retransmission: a timeout or a fast (duplicate-ACK / SACK)
 * recovery, costing the time since the first copy was sent (or, when the
 * first copy was lost before the capture point, since the capture saw the
 * hole). */
static void retransmission(struct sf_diag *d, const struct sf_conn *c, enum sf_dir dir,
                           const struct sf_packet *p, const struct sf_pkt_view *v, int64_t silent_ns)
{
    struct sf_diag_side *me = &d->side[dir];
    int64_t start = p->ts_ns;
    enum sf_diag_kind k;

    if (v->original_frame)
        start = v->original_ts;
    else if (me->lost_frame && me->lost_ts <= p->ts_ns)
        start = me->lost_ts;
    if (v->analysis & SF_AN_FAST_RETRANSMISSION)
        k = SF_DIAG_FAST_RETRANSMIT;
    else if (silent_ns >= RTO_MIN_NS)
        k = SF_DIAG_RTO;
    else if (me->loss_signal)
        k = SF_DIAG_FAST_RETRANSMIT;   /* more holes of the same recovery (SACK) */
    else
        return;   /* a quick resend nobody asked for: a tail-loss probe, not a loss */
    sf__diag_note(d, k, dir, start, p->ts_ns - start, p->frame,
                  v->original_frame ? v->original_frame : me->lost_frame, 0);
    if (!me->in_recovery) {
        me->in_recovery = true;
        me->loss_peak = me->bif_peak;
        me->loss_ts = p->ts_ns;
        me->loss_frame = p->frame;
        me->post_peak = 0;
        me->post_frame = 0;
    }
    (void)c;
}

/* Congestion: after a loss, a Reno/CUBIC sender cuts its window (RFC 5681
 * halves it; CUBIC to 0.7): bytes in flight on new data in the round after
 * the recovery (one to two RTTs after the retransmission; decided on the
 * first new segment past that) stay at or below 0.7 of the peak before. */
static void congestion(struct sf_diag *d, const struct sf_conn *c, enum sf_dir dir,
                       const struct sf_packet *p, const struct sf_pkt_view *v, uint32_t full)
{
    struct sf_diag_side *me = &d->side[dir];
    int64_t rtt = sf__diag_rtt(c);

    if (v->bytes_in_flight < 0)
        return;
    if (!me->in_recovery) {
        if (v->bytes_in_flight > me->bif_peak)
            me->bif_peak = v->bytes_in_flight;
        return;
    }
    if (rtt <= 0 || p->ts_ns <= me->loss_ts + rtt)
        return;
    if (v->bytes_in_flight > me->post_peak) {
        me->post_peak = v->bytes_in_flight;
        me->post_frame = p->frame;
    }
    if (p->ts_ns <= me->loss_ts + 2 * rtt)
        return;
    sf__diag_congestion_decide(d, dir, p->ts_ns, full);
}

void sf__diag_congestion_decide(struct sf_diag *d, enum sf_dir dir, int64_t now, uint32_t full)
{
    struct sf_diag_side *me = &d->side[dir];
    if (!me->in_recovery)
        return;
    if (me->loss_peak >= 4 * (int64_t)full && me->post_peak > 0 && me->post_peak * 10 <= me->loss_peak * 7) {
        struct sf_diag_slot *s;
        sf__diag_note(d, SF_DIAG_CONGESTION_LIMITED, dir, me->loss_ts, now - me->loss_ts,
                      me->loss_frame, me->post_frame, 0);
        s = d->slot[SF_DIAG_CONGESTION_LIMITED][dir];
        if (s && s->count == 1) {
            s->before = me->loss_peak;
            s->after = me->post_peak;
        }
    }
    me->in_recovery = false;
    me->bif_peak = me->post_peak;
}

/* An RTT sample of the peer's data, taken from our ACK of it. */
static void rtt_sample(struct sf_diag_side *s, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    int64_t r = v->ack_rtt_ns;
    if (s->rtt_n == 0 || r < s->rtt_min) {
        s->rtt_min = r;
        s->rtt_min_frame = p->frame;
        s->rtt_min_ts = p->ts_ns;
    }
    if (s->rtt_n == 0 || r > s->rtt_max) {
        s->rtt_max = r;
        s->rtt_max_frame = p->frame;
    }
    s->rtt_n++;
    if (r >= s->rtt_min + BLOAT_EXTRA_NS && r >= 3 * s->rtt_min)
        s->rtt_high++;
}

/* Bufferbloat: a quarter of the samples or more (4 at least, of 8 or more)
 * stood 50 ms and 3 times above the smallest: a queue on the path filled
 * under this side's load (delayed ACKs stay under 50 ms on Linux, and are
 * a minority of a bulk transfer's ACKs). */
void sf__diag_bloat_decide(struct sf_diag *d, enum sf_dir dir)
{
    struct sf_diag_side *s = &d->side[dir];
    struct sf_diag_slot *sl;
    if (s->bloat_done || s->rtt_n < BLOAT_MIN_SAMPLES || s->rtt_high < 4 || s->rtt_high * 4 < s->rtt_n)
        return;
    s->bloat_done = true;
    sf__diag_note(d, SF_DIAG_BUFFERBLOAT, dir, s->rtt_min_ts, s->rtt_max - s->rtt_min, s->rtt_min_frame,
                  s->rtt_max_frame, 0);
    sl = d->slot[SF_DIAG_BUFFERBLOAT][dir];
    if (sl) {
        sl->before = s->rtt_min;
        sl->after = s->rtt_max;
    }
}

void sf__diag_detect_packet(struct sf_diag *d, const struct sf_conn *c, enum sf_dir dir,
                            const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct sf_diag_side *me = &d->side[dir], *peer = &d->side[!dir];
    int64_t ts = p->ts_ns;
    int64_t rtt = sf__diag_rtt(c);
    bool syn = p->flags & SF_TH_SYN, rst = p->flags & SF_TH_RST;
    bool data = p->payload_len > 0 && !syn && !rst &&
                !(v->analysis & (SF_AN_KEEP_ALIVE | SF_AN_ZERO_WINDOW_PROBE));
    /* "Out-of-order" bytes whose first copy this capture saw are a resend
     * too: at the sender tshark calls a retransmission that follows new
     * data within the iRTT out-of-order. */
    bool retrans = (v->analysis & (SF_AN_RETRANSMISSION | SF_AN_FAST_RETRANSMISSION)) ||
                   ((v->analysis & SF_AN_OUT_OF_ORDER) && v->original_frame);
    uint32_t full = full_segment(c, dir, me);
    int64_t silent = me->last_ts ? ts - me->last_ts : 0;

    if (syn && !rst)
        syn_retries(d, dir, p, v);

    /* Zero window: this side (the receiver) closed its window; the episode
     * ends with its first packet that opens it again. */
    if (!rst && (v->analysis & SF_AN_ZERO_WINDOW)) {
        if (!me->zw_frame) {
            me->zw_frame = p->frame;
            me->zw_ts = ts;
        }
        peer->blocked = true;
    } else if (me->zw_frame && !rst && v->win_scaled > 0) {
        sf__diag_note(d, SF_DIAG_ZERO_WINDOW, dir, me->zw_ts, ts - me->zw_ts, me->zw_frame, p->frame, 0);
        me->zw_frame = 0;
    }
    if (v->analysis & SF_AN_LOST_SEGMENT) {
        me->lost_frame = p->frame;
        me->lost_ts = ts;
        me->loss_signal = true;
    }
    /* Duplicate ACKs, or SACK blocks above the ACK (not a D-SACK below
     * it), report a hole in our peer's data; a plain ACK ends that. */
    if (p->flags & SF_TH_ACK) {
        bool sack_above = p->opt.sack_count && (int32_t)(p->opt.sack[0][0] - p->ack) > 0;
        if ((v->analysis & SF_AN_DUPLICATE_ACK) || sack_above)
            peer->loss_signal = true;
        else if (!p->opt.sack_count && (v->analysis & SF_AN_DUPLICATE_ACK) == 0 && !data)
            peer->loss_signal = false;
    }

    /* Nagle + delayed ACK, first half: a pure ACK of everything the peer
     * sent, later than one RTT by a delayed-ACK timer, with no data of ours
     * since the peer's (so it was not piggybacked), and a window open wide. */
    if (!data && !syn && !rst && !(p->flags & SF_TH_FIN) && (p->flags & SF_TH_ACK) && peer->last_data_frame &&
        !peer->peer_data_since && p->ack == c->half[!dir].an.nextseq && rtt >= 0) {
        int64_t delay = ts - peer->last_data_ts;
        uint32_t pfull = full_segment(c, !dir, peer);
        if (delay >= rtt + DELACK_MIN_NS && delay <= DELACK_MAX_NS && v->win_scaled >= 4 * (int64_t)pfull &&
            !peer->blocked) {
            peer->held_ack_frame = p->frame;
            peer->held_ack_ts = ts;
            peer->held_ns = delay;
            peer->held_data_frame = peer->last_data_frame;
        }
    }

    if (data) {
        bool nagle = false;
        if (retrans && !(v->analysis & SF_AN_SPURIOUS_RETRANSMISSION))
            retransmission(d, c, dir, p, v, silent);
        if (!retrans)
            congestion(d, c, dir, p, v, full);
        me->full = full;

        /* Nagle, second half: right after that ACK, a segment shorter than
         * a full one leaves: it was held until everything was ACKed. */
        if (me->held_ack_frame && !retrans && p->payload_len + 40 < full &&
            ts - me->held_ack_ts <= (rtt > 0 ? rtt : 0) + 2 * MS) {
            sf__diag_note(d, SF_DIAG_NAGLE_DELAYED_ACK, dir, me->last_data_ts, me->held_ns,
                          me->held_data_frame, me->held_ack_frame, p->frame);
            nagle = true;
        }
        me->held_ack_frame = 0;

        /* Receive-window-limited: the segment before filled the peer's
         * window and we waited for it to open. */
        /* Only a wait for the window to open counts: half an RTT or more
         * (an ACK's round trip); the segment that fits the rest at once
         * was not held. */
        if (me->window_full_pending) {
            if (ts - me->window_full_ts >= (rtt > 0 ? rtt / 2 : 0))
                sf__diag_note(d, SF_DIAG_WINDOW_LIMITED, dir, me->window_full_ts, ts - me->window_full_ts,
                              me->window_full_frame, p->frame, 0);
            me->window_full_pending = false;
        }

        /* Sender-limited: a pause inside a transfer (the peer sent nothing
         * meanwhile), with everything ACKed and the window open, longer
         * than ACK clocking explains: the application had nothing to send. */
        if (!nagle && !retrans && me->last_data_frame && !me->peer_data_since && !me->blocked &&
            d->split.hs_done && d->split.tls != 1 && v->bytes_in_flight >= 0 &&
            v->bytes_in_flight <= (int64_t)p->payload_len && c->half[!dir].cnt.zero_window_since < 0) {
            int64_t gap = ts - me->last_data_ts;
            int64_t min = rtt > 0 && 4 * rtt > SENDER_GAP_MIN_NS ? 4 * rtt : SENDER_GAP_MIN_NS;
            if (gap >= min)
                sf__diag_note(d, SF_DIAG_SENDER_LIMITED, dir, me->last_data_ts, gap, me->last_data_frame,
                              p->frame, 0);
        }

        /* The peer's window left no room for another full segment (or
         * tshark's window_full: this segment reached its edge exactly). */
        if ((v->analysis & SF_AN_WINDOW_FULL) ||
            (peer->win >= 0 && v->bytes_in_flight >= 0 && v->bytes_in_flight + (int64_t)full > peer->win)) {
            me->window_full_pending = true;
            me->window_full_frame = p->frame;
            me->window_full_ts = ts;
            me->blocked = true;
        } else {
            me->blocked = false;
        }
        if (p->payload_len > me->mss)
            me->mss = p->payload_len;
        me->last_data_frame = p->frame;
        me->last_data_ts = ts;
        me->last_data_len = p->payload_len;
        me->peer_data_since = false;
        peer->peer_data_since = true;
    }
    if (v->ack_rtt_ns >= 0 && !v->ack_ambiguous)
        rtt_sample(peer, p, v);
    if (v->win_scaled >= 0 && !syn)
        me->win = v->win_scaled;
    me->last_ts = ts;
}
