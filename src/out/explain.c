/* explain.c - one line per TCP analysis flag: what it means here, and its likely cause. */
#include "out/out.h"

static const char *side(enum sf_dir d)
{
    return d == SF_C2S ? "client" : "server";
}

void sf_explain_flag(struct sf_buf *b, unsigned bit, const struct sf_packet *p,
                     const struct sf_pkt_view *v)
{
    const struct sf_conn *c = v->conn;
    const char *me = side(v->dir), *peer = side(!v->dir);
    /* Early in a connection picked up mid-stream, "unseen" data is the
     * capture's start, not the network's doing. */
    bool capture_start = c->started_before_capture && v->conn_packet <= 3;

    switch (1u << bit) {
    case SF_AN_RETRANSMISSION:
        if (v->analysis & (SF_AN_FAST_RETRANSMISSION | SF_AN_SPURIOUS_RETRANSMISSION))
            return;   /* the more precise line follows */
        if (v->original_frame)
            sf_buf_printf(b, "retransmission of frame %llu: the %s sent these bytes again because no ACK "
                             "came in time (lost after the capture point, or its ACK was lost)",
                          (unsigned long long)v->original_frame, me);
        else
            sf_buf_printf(b, "retransmission: the %s sends bytes again whose first copy was never "
                             "captured (lost before the capture point)", me);
        return;
    case SF_AN_FAST_RETRANSMISSION:
        sf_buf_printf(b, "fast retransmission: the %s resent at once after the %s's duplicate ACKs "
                         "asked for these bytes (network loss, recovered without a timeout)", me, peer);
        return;
    case SF_AN_SPURIOUS_RETRANSMISSION:
        sf_buf_printf(b, "spurious retransmission: the %s had already acknowledged these bytes; "
                         "the %s resent them anyway (the ACK was late or lost on the way back)", peer, me);
        return;
    case SF_AN_OUT_OF_ORDER:
        sf_buf_printf(b, "out of order: arrived after later bytes of the %s, within one round trip "
                         "(reordering on the path)", me);
        return;
    case SF_AN_LOST_SEGMENT:
        if (capture_start)
            sf_buf_puts(b, "previous segment not captured: the capture began mid-stream (artefact)");
        else
            sf_buf_printf(b, "previous segment not captured: bytes of the %s before this one were never "
                             "seen (lost before the capture point, or dropped by the capture)", me);
        return;
    case SF_AN_ACK_LOST_SEGMENT:
        if (capture_start || c->half[!v->dir].packets == 0)
            sf_buf_printf(b, "ACKed unseen segment: the %s acknowledges bytes the capture never saw; "
                             "the capture began mid-stream or sees one direction only (artefact)", me);
        else
            sf_buf_printf(b, "ACKed unseen segment: the %s acknowledges bytes of the %s that the capture "
                             "missed (the capture dropped packets: an artefact, not network loss)", me, peer);
        return;
    case SF_AN_DUPLICATE_ACK:
        sf_buf_printf(b, "duplicate ACK #%u of frame %llu: the %s still waits for byte %u and asks the %s "
                         "for it again (a segment before it is missing: network loss or reordering)",
                      v->dup_ack_num, (unsigned long long)v->dup_ack_frame, me, v->rel_ack, peer);
        return;
    case SF_AN_ZERO_WINDOW:
        sf_buf_printf(b, "zero window: the %s's receive buffer is full, the %s must stop sending "
                         "(the receiving application is not reading: slow reader)", me, peer);
        return;
    case SF_AN_ZERO_WINDOW_PROBE:
        sf_buf_printf(b, "zero window probe: the %s pushes one byte into the closed window to learn "
                         "when it reopens", me);
        return;
    case SF_AN_ZERO_WINDOW_PROBE_ACK:
        sf_buf_printf(b, "zero window probe ACK: the %s answers the probe; its window is still closed", me);
        return;
    case SF_AN_WINDOW_FULL:
        sf_buf_printf(b, "window full: this segment fills the %s's advertised window; the %s must now "
                         "wait for an ACK (the receiver or its window size limits throughput)", peer, me);
        return;
    case SF_AN_WINDOW_UPDATE:
        sf_buf_printf(b, "window update: the %s only announces a larger window (its application has "
                         "read data)", me);
        return;
    case SF_AN_KEEP_ALIVE:
        sf_buf_printf(b, "keep-alive: the %s checks that the idle %s is still there", me, peer);
        return;
    case SF_AN_KEEP_ALIVE_ACK:
        sf_buf_printf(b, "keep-alive ACK: the %s answers: still here", me);
        return;
    case SF_AN_REUSED_PORTS:
        sf_buf_puts(b, "reused ports: a new connection on the addresses and ports of an earlier one "
                       "(a fresh SYN with a new initial sequence number)");
        return;
    default:
        sf_buf_puts(b, sf_analysis_explain(bit));
        return;
    }
}
