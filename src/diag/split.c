/* split.c - where the time went: a connection's and a transaction's time cut into parts. */
#include <string.h>

#include "diag/diag.h"

/* TLS record content types (RFC 8446 section 5.1): a client segment that
 * starts a record tells where the handshake begins and ends, without
 * reading the handshake (the TLS layer does that). */
#define TLS_HANDSHAKE 0x16
#define TLS_APP_DATA 0x17

static void give(struct sf_diag_split *s, enum sf_split_part part, int64_t ts, uint64_t frame)
{
    struct sf_split_acc *a = &s->part[part];
    int64_t ns = ts - s->mark_ts;
    if (ns < 0)
        ns = 0;   /* a capture whose clock steps back: no negative part */
    a->ns += ns;
    a->n++;
    if (ns > a->longest_ns || a->from_frame == 0) {
        a->longest_ns = ns;
        a->from_frame = s->mark_frame;
        a->to_frame = frame;
    }
    s->mark_ts = ts;
    s->mark_frame = frame;
}

void sf__diag_split_packet(struct sf_diag *d, const struct sf_conn *c, enum sf_dir dir,
                           const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct sf_diag_split *s = &d->split;
    bool data = p->payload_len > 0 && !(p->flags & (SF_TH_SYN | SF_TH_RST));

    /* Until the handshake completes, everything is the handshake; a
     * connection picked up mid-stream has none. */
    if (!s->hs_done) {
        if (v->role == SF_ROLE_HANDSHAKE_ACK) {
            give(s, SF_SPLIT_HANDSHAKE, p->ts_ns, p->frame);
            s->hs_done = true;
            return;
        }
        if (c->half[SF_C2S].syn_count || c->half[SF_S2C].syn_count) {
            if (!data)
                return;
            /* Data before the handshake ACK (a lost ACK, or data on it):
             * the handshake ended when the data came. */
            give(s, SF_SPLIT_HANDSHAKE, p->ts_ns, p->frame);
        }
        s->hs_done = true;
    }
    if (!data)
        return;

    if (s->tls == 0 && s->last_data_dir < 0 && dir == SF_C2S && p->payload_caplen >= 1 &&
        p->payload[0] == TLS_HANDSHAKE) {
        give(s, SF_SPLIT_IDLE, p->ts_ns, p->frame);
        s->tls = 1;
        s->last_data_dir = SF_C2S;
        return;
    }
    if (s->tls == 1) {
        /* The client's first encrypted record (its Finished in TLS 1.3, its
         * first request in TLS 1.2) ends the handshake. */
        if (dir == SF_C2S && p->payload_caplen >= 1 && p->payload[0] == TLS_APP_DATA) {
            give(s, SF_SPLIT_TLS, p->ts_ns, p->frame);
            s->tls = 2;
            s->last_data_dir = SF_C2S;
        }
        return;
    }

    if (s->last_data_dir < 0)
        give(s, SF_SPLIT_IDLE, p->ts_ns, p->frame);
    else if ((int)dir == s->last_data_dir)
        give(s, dir == SF_C2S ? SF_SPLIT_REQUEST : SF_SPLIT_RESPONSE, p->ts_ns, p->frame);
    else if (dir == SF_S2C) {
        give(s, SF_SPLIT_WAIT, p->ts_ns, p->frame);
        s->waits++;
    } else
        give(s, SF_SPLIT_IDLE, p->ts_ns, p->frame);
    s->last_data_dir = dir;
}

static void split_empty(struct sf_time_split *out)
{
    memset(out, 0, sizeof(*out));
    out->server_think_ns = -1;
    out->rtt_ns = -1;
    out->queued_ns = -1;
}

void sf_diag_conn_split(const struct sf_conn *c, struct sf_time_split *out)
{
    const struct sf_diag *d = c->diag;
    struct sf_diag_split s;

    split_empty(out);
    if (!d)
        return;
    /* What lies after the last mark goes to the part still running: the
     * handshake if it never completed, the TLS handshake if it never
     * ended, else idle (the tail: last ACKs and the close). */
    s = d->split;
    if (c->last_ts > s.mark_ts || c->last_frame != s.mark_frame) {
        enum sf_split_part tail = !s.hs_done ? SF_SPLIT_HANDSHAKE
                                  : s.tls == 1 ? SF_SPLIT_TLS : SF_SPLIT_IDLE;
        give(&s, tail, c->last_ts, c->last_frame);
    }
    memcpy(out->part, s.part, sizeof(out->part));
    if (!c->half[SF_C2S].syn_count && !c->half[SF_S2C].syn_count)
        out->part[SF_SPLIT_HANDSHAKE].ns = -1;
    if (s.tls == 0)
        out->part[SF_SPLIT_TLS].ns = -1;
    out->rtt_ns = sf__diag_rtt(c);
    if (out->rtt_ns >= 0 && s.waits) {
        int64_t think = s.part[SF_SPLIT_WAIT].ns - (int64_t)s.waits * out->rtt_ns;
        out->server_think_ns = think > 0 ? think : 0;
    }
    out->syn_retries = c->half[SF_C2S].syn_count > 1 ? c->half[SF_C2S].syn_count - 1 : 0;
}

static void part_set(struct sf_split_acc *a, int64_t from, int64_t to, uint64_t ff, uint64_t tf)
{
    if (from < 0 || to < 0 || !ff || !tf) {
        a->ns = -1;
        return;
    }
    a->ns = to > from ? to - from : 0;
    a->n = 1;
    a->longest_ns = a->ns;
    a->from_frame = ff;
    a->to_frame = tf;
}

void sf_diag_txn_split(const struct sf_http_txn *t, struct sf_time_split *out)
{
    const struct sf_conn *c = t->conn;
    struct sf_diag *d = c ? c->diag : NULL;
    struct sf_diag_txn_mem *prev = NULL;
    int64_t idle_from = -1;
    uint64_t idle_frame = 0;

    split_empty(out);
    for (int i = 0; i < SF_SPLIT_COUNT; i++)
        out->part[i].ns = -1;
    if (!c)
        return;
    if (d && t->n > 1 && d->txn[(t->n - 1) % 2].n == t->n - 1)
        prev = &d->txn[(t->n - 1) % 2];

    /* The handshake belongs to the first transaction only. */
    if (t->n == 1 && c->half[SF_C2S].syn_count && c->hs_ack_frame)
        part_set(&out->part[SF_SPLIT_HANDSHAKE], c->half[SF_C2S].syn_ts, c->hs_ack_ts,
                 c->half[SF_C2S].syn_frame, c->hs_ack_frame);
    if (t->req.present) {
        part_set(&out->part[SF_SPLIT_REQUEST], t->req.first_ts, t->req.last_ts, t->req.first_frame,
                 t->req.last_data_frame);
        if (prev) {
            idle_from = prev->resp_last_ts;
            idle_frame = prev->resp_last_frame;
        } else if (t->n == 1 && c->hs_ack_frame) {
            idle_from = c->hs_ack_ts;
            idle_frame = c->hs_ack_frame;
        }
        /* Pipelined: the request came before the previous response ended,
         * so there is no idle time before it. */
        if (idle_from >= 0 && idle_from <= t->req.first_ts)
            part_set(&out->part[SF_SPLIT_IDLE], idle_from, t->req.first_ts, idle_frame,
                     t->req.first_frame);
    }
    if (t->req.present && t->resp.present && t->resp.first_frame)
        part_set(&out->part[SF_SPLIT_WAIT], t->req.last_ts, t->resp.first_ts, t->req.last_data_frame,
                 t->resp.first_frame);
    if (t->resp.present && t->resp.first_frame)
        part_set(&out->part[SF_SPLIT_RESPONSE], t->resp.first_ts, t->resp.last_ts,
                 t->resp.first_frame, t->resp.last_data_frame);
    out->syn_retries = t->n == 1 && c->half[SF_C2S].syn_count > 1 ? c->half[SF_C2S].syn_count - 1 : 0;

    /* HTTP/1.1 answers in order: a request complete before the previous
     * response ended could not be answered before that end. */
    if (prev && t->req.present && out->part[SF_SPLIT_WAIT].ns >= 0) {
        int64_t until = prev->resp_last_ts < t->resp.first_ts ? prev->resp_last_ts : t->resp.first_ts;
        out->queued_ns = until > t->req.last_ts ? until - t->req.last_ts : 0;
    } else if (out->part[SF_SPLIT_WAIT].ns >= 0) {
        out->queued_ns = 0;
    }
    out->rtt_ns = sf__diag_rtt(c);
    if (out->rtt_ns >= 0 && out->part[SF_SPLIT_WAIT].ns >= 0) {
        int64_t think = out->part[SF_SPLIT_WAIT].ns - out->rtt_ns - (out->queued_ns > 0 ? out->queued_ns : 0);
        out->server_think_ns = think > 0 ? think : 0;
    }
    /* Remember this response's end for the next transaction (HTTP/1.x
     * only: HTTP/2 streams do not queue behind each other). */
    if (d && t->stream == 0 && t->resp.present && t->resp.first_frame) {
        struct sf_diag_txn_mem *m = &d->txn[t->n % 2];
        m->n = t->n;
        m->resp_last_ts = t->resp.last_ts;
        m->resp_last_frame = t->resp.last_data_frame;
    }
}
