/* zeek.c - Zeek's conn.log view of a connection: endpoint states, conn_state,
 * the history string (letters, repetition and logarithmic rules) and
 * missed_bytes, after ANCHORS b.3 (TCPSessionAdapter.cc, TCP_Endpoint.cc). */
#include <string.h>

#include "flow/zeek.h"

#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)

enum once_bits { ONCE_A = 1, ONCE_D = 2, ONCE_Q = 4, ONCE_I = 8 };

static void put_letter(struct sf_conn *c, char letter)
{
    if (c->zeek_history_len < SF_ZEEK_HISTORY_MAX) {
        c->zeek_history[c->zeek_history_len++] = letter;
    } else if (c->zeek_history_len == SF_ZEEK_HISTORY_MAX) {
        c->zeek_history[c->zeek_history_len++] = '+';
    }
    c->zeek_history[c->zeek_history_len] = '\0';
}

/* Upper case for the originator, lower case for the responder. */
static void letter(struct sf_conn *c, enum sf_dir dir, char upper)
{
    put_letter(c, dir == SF_C2S ? upper : (char)(upper - 'A' + 'a'));
}

/* Zeek's ScaledHistoryEntry: the letter again at 1, 10, 100, ... events. */
static void scaled(struct sf_conn *c, enum sf_dir dir, char upper, uint64_t *count, uint64_t *threshold)
{
    if (*threshold == 0)
        *threshold = 1;
    if (++*count == *threshold) {
        letter(c, dir, upper);
        *threshold *= 10;
    }
}

static bool inactive(enum sf_zeek_state s)
{
    return s == SF_ZEEK_INACTIVE || s == SF_ZEEK_PARTIAL;
}

static bool gaps_reportable(const struct sf_conn *c)
{
    /* Zeek reports content gaps only once both sides are established (or
     * closing cleanly), never for partial connections. */
    for (int d = 0; d < 2; d++) {
        enum sf_zeek_state s = c->half[d].zk.state;
        if (s != SF_ZEEK_ESTABLISHED && s != SF_ZEEK_CLOSED)
            return false;
    }
    return true;
}

/* The receiver's reassembler for the sender's stream: which bytes were
 * delivered contiguously, which arrived above a hole. */
static void stream_add(struct sf_zeek_half *z, uint32_t start, uint32_t end)
{
    if (!SEQ_GT(end, start))
        return;
    if (!z->have_contig) {
        z->have_contig = true;
        z->contig = start;
    }
    if (!SEQ_GT(start, z->contig)) {
        if (SEQ_GT(end, z->contig))
            z->contig = end;
    } else {
        /* Above a hole: keep the range (merging), bounded in number. */
        uint8_t i;
        for (i = 0; i < z->nranges; i++) {
            if (!SEQ_GT(start, z->ranges[i][1]) && !SEQ_GT(z->ranges[i][0], end)) {
                if (SEQ_LT(start, z->ranges[i][0]))
                    z->ranges[i][0] = start;
                if (SEQ_GT(end, z->ranges[i][1]))
                    z->ranges[i][1] = end;
                break;
            }
        }
        if (i == z->nranges) {
            if (z->nranges == SF_ZEEK_RANGES) {
                /* Full: widen the last range (only the count of missed
                 * bytes can become a little low). */
                if (SEQ_GT(end, z->ranges[z->nranges - 1][1]))
                    z->ranges[z->nranges - 1][1] = end;
            } else {
                z->ranges[z->nranges][0] = start;
                z->ranges[z->nranges][1] = end;
                z->nranges++;
            }
        }
    }
    /* Ranges the frontier has reached are delivered now. */
    for (bool moved = true; moved;) {
        moved = false;
        for (uint8_t i = 0; i < z->nranges; i++) {
            if (!SEQ_GT(z->ranges[i][0], z->contig)) {
                if (SEQ_GT(z->ranges[i][1], z->contig))
                    z->contig = z->ranges[i][1];
                z->ranges[i][0] = z->ranges[--z->nranges][0];
                z->ranges[i][1] = z->ranges[z->nranges][1];
                moved = true;
                break;
            }
        }
    }
}

/* The peer acknowledged up to `ack`: what was never delivered below it is a
 * content gap (and later copies of those bytes are discarded). */
static uint64_t stream_acked(struct sf_zeek_half *z, uint32_t ack)
{
    uint64_t missing;
    if (!z->have_contig || !SEQ_GT(ack, z->contig))
        return 0;
    missing = ack - z->contig;
    for (uint8_t i = 0; i < z->nranges;) {
        uint32_t s = z->ranges[i][0], e = z->ranges[i][1];
        if (SEQ_LT(s, ack)) {
            uint32_t ce = SEQ_LT(e, ack) ? e : ack;
            missing -= ce - s;
            if (SEQ_GT(e, ack)) {
                z->ranges[i][0] = ack;
                i++;
            } else {
                z->ranges[i][0] = z->ranges[--z->nranges][0];
                z->ranges[i][1] = z->ranges[z->nranges][1];
            }
            continue;
        }
        i++;
    }
    z->contig = ack;
    stream_add(z, ack, ack);   /* absorb ranges now at the frontier */
    return missing;
}

void sf_zeek_packet(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p)
{
    struct sf_zeek_half *z = &c->half[dir].zk, *peer = &c->half[!dir].zk;
    uint16_t f = p->flags;
    bool syn = f & SF_TH_SYN, fin = f & SF_TH_FIN, rst = f & SF_TH_RST, ack = f & SF_TH_ACK;
    int nsfr = syn + fin + rst;
    uint32_t len = p->payload_len;
    uint32_t end = p->seq + len + (syn ? 1 : 0) + (fin ? 1 : 0);

    if (c->packets == 0 && dir == SF_S2C) {
        /* Zeek turns such a connection around and says so. */
        c->zeek_flipped = true;
        put_letter(c, '^');
    }

    if (nsfr == 1) {
        if (syn) {
            if (!z->syn_seen || p->seq != z->last_syn_seq)
                letter(c, dir, ack ? 'H' : 'S');
            z->syn_seen = true;
            z->last_syn_seq = p->seq;
        } else if (fin) {
            if (!z->fin_seen || p->seq + len != z->last_fin_end)
                letter(c, dir, 'F');
            z->fin_seen = true;
            z->last_fin_end = p->seq + len;
        } else {
            if (!z->rst_seen || p->seq != z->last_rst_seq)
                letter(c, dir, 'R');
            z->rst_seen = true;
            z->last_rst_seq = p->seq;
        }
    } else if (nsfr >= 2) {
        if (fin && rst) {
            if (!(z->once & ONCE_I))
                letter(c, dir, 'I');
            z->once |= ONCE_I;
        } else {
            if (!(z->once & ONCE_Q))
                letter(c, dir, 'Q');
            z->once |= ONCE_Q;
        }
    } else if (len > 0) {
        if (!(z->once & ONCE_D))
            letter(c, dir, 'D');
        z->once |= ONCE_D;
    } else if (ack) {
        if (!(z->once & ONCE_A))
            letter(c, dir, 'A');
        z->once |= ONCE_A;
    }

    /* T: payload that does not reach past the highest byte already sent. */
    if (len > 0) {
        if (z->have_end && !SEQ_GT(p->seq + len, z->highest_end))
            scaled(c, dir, 'T', &z->n_rexmit, &z->th_rexmit);
        if (!z->have_end || SEQ_GT(p->seq + len, z->highest_end)) {
            z->highest_end = p->seq + len;
            z->have_end = true;
        }
    }
    /* W: a zero window, unless resetting or talking to a closed peer. */
    if (p->win == 0 && !rst && peer->state != SF_ZEEK_CLOSED && z->state != SF_ZEEK_RESET)
        scaled(c, dir, 'W', &z->n_zero_win, &z->th_zero_win);

    /* Endpoint state machine. */
    if (rst) {
        z->state = SF_ZEEK_RESET;
    } else if (fin) {
        z->state = SF_ZEEK_CLOSED;
    } else if (syn) {
        if (z->state == SF_ZEEK_INACTIVE)
            z->state = ack ? SF_ZEEK_SYN_ACK_SENT : SF_ZEEK_SYN_SENT;
    } else if (z->state == SF_ZEEK_INACTIVE) {
        z->state = SF_ZEEK_PARTIAL;
    } else if (z->state == SF_ZEEK_SYN_SENT || z->state == SF_ZEEK_SYN_ACK_SENT) {
        z->state = SF_ZEEK_ESTABLISHED;
        if (peer->state == SF_ZEEK_SYN_SENT || peer->state == SF_ZEEK_SYN_ACK_SENT)
            peer->state = SF_ZEEK_ESTABLISHED;
    }

    /* The receiver's reassembler sees only the captured payload bytes: a
     * snaplen-cut segment leaves a hole, as in Zeek. */
    if (syn)
        stream_add(z, p->seq, p->seq + 1);
    if (len > 0 || fin) {
        uint32_t got = p->payload_caplen < len ? p->payload_caplen : len;
        uint32_t start = p->seq;
        if (!z->have_contig) {
            z->have_contig = true;
            z->contig = start;
        }
        stream_add(z, start, start + got);
        if (fin && got == len)
            stream_add(z, p->seq + len, end);
    }
    if (ack && gaps_reportable(c)) {
        uint64_t missing = stream_acked(peer, p->ack);
        if (missing) {
            c->zeek_missed_bytes += missing;
            scaled(c, !dir, 'G', &peer->n_gap, &peer->th_gap);
        }
    } else if (ack && peer->have_contig && SEQ_GT(p->ack, peer->contig)) {
        /* Not reportable (partial connection): move on silently. */
        stream_acked(peer, p->ack);
    }
}

/* Zeek's conn_state(), in its order. */
const char *sf_zeek_conn_state(const struct sf_conn *c)
{
    enum sf_zeek_state os = c->half[SF_C2S].zk.state, rs = c->half[SF_S2C].zk.state;
    const char *h = c->zeek_history;

    if (rs == SF_ZEEK_RESET) {
        if (os == SF_ZEEK_SYN_SENT || os == SF_ZEEK_SYN_ACK_SENT ||
            (os == SF_ZEEK_RESET && c->half[0].payload_bytes == 0 && c->half[1].payload_bytes == 0))
            return "REJ";
        return inactive(os) ? "RSTRH" : "RSTR";
    }
    if (os == SF_ZEEK_RESET) {
        if (inactive(rs)) {
            /* ^?S[^HAFGIQ]*R.* : a SYN, then a RST, nothing else in between */
            const char *q = h;
            if (*q == '^')
                q++;
            if (*q == 'S') {
                for (q++; *q && !strchr("HAFGIQ", *q); q++)
                    if (*q == 'R')
                        return "RSTOS0";
            }
            return "OTH";
        }
        return "RSTO";
    }
    if (os == SF_ZEEK_CLOSED && rs == SF_ZEEK_CLOSED)
        return "SF";
    if (os == SF_ZEEK_CLOSED)
        return inactive(rs) ? "SH" : "S2";
    if (rs == SF_ZEEK_CLOSED)
        return inactive(os) ? "SHR" : "S3";
    if (os == SF_ZEEK_SYN_SENT && rs == SF_ZEEK_INACTIVE)
        return "S0";
    if (os == SF_ZEEK_ESTABLISHED && rs == SF_ZEEK_ESTABLISHED)
        return "S1";
    return "OTH";
}
