/* tracker.c - follows every TCP connection from SYN to FIN: numbering, relative
 * sequence numbers, phases, packet roles and the classification of the close. */
#include <stdlib.h>
#include <string.h>

#include "synfin/analyzer.h"
#include "decode/decode.h"
#include "diag/diag.h"
#include "flow/analysis.h"
#include "flow/table.h"
#include "flow/zeek.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)

#define NS_PER_S 1000000000LL

enum { LIST_OPEN = 0, LIST_CLOSED = 1, LIST_COUNT = 2 };

struct conn_list {
    struct sf_conn *head, *tail;   /* head = least recently active */
};

struct sf_analyzer {
    struct sf_analyzer_config cfg;
    struct sf_sink sink;
    struct sf_decoder *dec;
    struct sf_flow_table table;
    struct conn_list lists[LIST_COUNT];
    uint64_t next_id;              /* next tcp.stream number */
    uint64_t live;                 /* connections in the table */
    struct sf_conn *free_conns;    /* recycled connection records */
    uint32_t free_count;
    struct sf_conn *last;          /* one-entry cache: bulk transfers hit it */
    struct sf_flow_key last_key;
    int64_t next_expiry_ns;
    bool have_ts;
    struct sf_totals totals;
    struct sf_packet pkt;          /* scratch, overwritten per frame */
};

void sf_analyzer_config_default(struct sf_analyzer_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->idle_timeout_ns = 600 * NS_PER_S;
    cfg->close_linger_ns = 5 * NS_PER_S;
    cfg->max_conns = 1000000;
}

struct sf_analyzer *sf_analyzer_new(const struct sf_analyzer_config *cfg, const struct sf_sink *sink)
{
    struct sf_analyzer *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    if (cfg)
        a->cfg = *cfg;
    else
        sf_analyzer_config_default(&a->cfg);
    if (a->cfg.max_conns == 0)
        a->cfg.max_conns = 1;
    if (sink)
        a->sink = *sink;
    a->dec = sf_decoder_new(NULL);
    if (!a->dec || sf_flow_table_init(&a->table, 4096) != 0) {
        sf_decoder_free(a->dec);
        free(a);
        return NULL;
    }
    return a;
}

/* ---- activity lists ---------------------------------------------------- */

static void list_unlink(struct sf_analyzer *a, struct sf_conn *c)
{
    struct conn_list *l = &a->lists[c->list_id];
    if (c->lprev)
        c->lprev->lnext = c->lnext;
    else
        l->head = c->lnext;
    if (c->lnext)
        c->lnext->lprev = c->lprev;
    else
        l->tail = c->lprev;
    c->lprev = c->lnext = NULL;
}

static void list_append(struct sf_analyzer *a, struct sf_conn *c, uint8_t id)
{
    struct conn_list *l = &a->lists[id];
    c->list_id = id;
    c->lnext = NULL;
    c->lprev = l->tail;
    if (l->tail)
        l->tail->lnext = c;
    else
        l->head = c;
    l->tail = c;
}

/* ---- connection records ------------------------------------------------ */

static enum sf_close_kind classify_close(const struct sf_conn *c)
{
    const struct sf_half *cl = &c->half[SF_C2S], *sv = &c->half[SF_S2C];
    bool fins_done = cl->fin_seen && sv->fin_seen;

    if (sv->packets == 0 && cl->syn_count > 0 && cl->syn_count == cl->packets)
        return SF_CLOSE_UNANSWERED_SYN;
    if (c->rst_by == SF_S2C && cl->syn_count > 0 && sv->syn_count == 0 &&
        c->rst_phase == SF_PHASE_CONNECT)
        return SF_CLOSE_REFUSED;
    /* A RST after both FINs were acknowledged does not undo a clean close
     * (browsers often reset a socket they have already closed). */
    if (c->rst_by >= 0 && !(fins_done && cl->fin_acked && sv->fin_acked &&
                            c->rst_phase == SF_PHASE_CLOSE && c->last_ack_frame &&
                            c->last_ack_frame < (c->rst_by == SF_C2S ? cl->rst_frame
                                                                       : sv->rst_frame)))
        return SF_CLOSE_RST_ABORT;
    if (fins_done) {
        int first = c->first_closer == SF_S2C ? SF_S2C : SF_C2S;
        const struct sf_half *f = &c->half[first], *s = &c->half[!first];
        if (s->data_after_peer_fin > 0)
            return SF_CLOSE_HALF_CLOSE;
        if (c->fin_crossed)
            return SF_CLOSE_SIMULTANEOUS;
        if (f->fin_acked && f->fin_ack_frame != s->fin_frame)
            return SF_CLOSE_FOUR_WAY;
        return SF_CLOSE_THREE_WAY;
    }
    if (cl->fin_seen || sv->fin_seen)
        return SF_CLOSE_ONE_FIN;
    return SF_CLOSE_OPEN;
}

static struct sf_conn *conn_alloc(struct sf_analyzer *a)
{
    struct sf_conn *c = a->free_conns;
    if (c) {
        a->free_conns = c->hnext;
        a->free_count--;
        memset(c, 0, sizeof(*c));
        return c;
    }
    return calloc(1, sizeof(*c));
}

static void conn_release(struct sf_analyzer *a, struct sf_conn *c)
{
    if (a->free_count < 1024) {
        c->hnext = a->free_conns;
        a->free_conns = c;
        a->free_count++;
        return;
    }
    free(c);
}

/* Writes the record of a connection and forgets it. */
static void conn_end(struct sf_analyzer *a, struct sf_conn *c, enum sf_end_reason why)
{
    c->end_reason = why;
    c->close_kind = classify_close(c);
    if (a->cfg.app_ops && a->cfg.app_ops->conn_end)
        a->cfg.app_ops->conn_end(a->cfg.app, c->app_state, c);
    if (a->sink.conn_end)
        a->sink.conn_end(a->sink.ctx, c);
    if (a->cfg.app_ops && a->cfg.app_ops->conn_free)
        a->cfg.app_ops->conn_free(a->cfg.app, c->app_state, c);
    c->app_state = NULL;
    sf_diag_free(c);
    sf_analysis_free(c);
    sf_flow_table_remove(&a->table, c);
    list_unlink(a, c);
    if (a->last == c)
        a->last = NULL;
    a->live--;
    conn_release(a, c);
}

/* Ends connections whose quiet time has run out, by capture time. */
static void expire(struct sf_analyzer *a, int64_t now)
{
    struct sf_conn *c;
    while ((c = a->lists[LIST_CLOSED].head) && now - c->last_ts > a->cfg.close_linger_ns)
        conn_end(a, c, SF_END_CLOSED);
    if (a->cfg.idle_timeout_ns > 0)
        while ((c = a->lists[LIST_OPEN].head) && now - c->last_ts > a->cfg.idle_timeout_ns)
            conn_end(a, c, SF_END_IDLE);
}

/* Without a SYN the client is a guess: first what the payload says, then
 * the ports, then who spoke first.  Returns 1 when the packet's sender is
 * the server. */
static int guess_sender_is_server(const struct sf_packet *p, const char **why)
{
    static const uint16_t server_ports[] = { 80, 443, 8080, 8000, 8008, 8443, 8888, 3128,
                                             1080, 5000, 9000, 81, 631 };
    const uint8_t *d = p->payload;
    uint32_t n = p->payload_caplen;
    bool s_known = false, d_known = false;

    if (n >= 5 && memcmp(d, "HTTP/", 5) == 0) {
        *why = "its first payload is an HTTP response";
        return 1;
    }
    if ((n >= 4 && (memcmp(d, "GET ", 4) == 0 || memcmp(d, "PUT ", 4) == 0)) ||
        (n >= 5 && (memcmp(d, "POST ", 5) == 0 || memcmp(d, "HEAD ", 5) == 0))) {
        *why = "its first payload is an HTTP request";
        return 0;
    }
    for (size_t i = 0; i < sizeof(server_ports) / sizeof(server_ports[0]); i++) {
        s_known |= p->sport == server_ports[i];
        d_known |= p->dport == server_ports[i];
    }
    if (s_known != d_known) {
        *why = "one port is a well-known server port";
        return s_known;
    }
    if ((p->sport < 1024) != (p->dport < 1024)) {
        *why = "one port is below 1024";
        return p->sport < 1024;
    }
    *why = "the first packet seen is taken as the client's";
    return 0;
}

static struct sf_conn *conn_new(struct sf_analyzer *a, const struct sf_packet *p, uint64_t h)
{
    struct sf_conn *c;
    int sender_is_server;

    if (a->live >= a->cfg.max_conns) {
        struct sf_conn *victim = a->lists[LIST_CLOSED].head ? a->lists[LIST_CLOSED].head
                                                            : a->lists[LIST_OPEN].head;
        if (victim)
            conn_end(a, victim, SF_END_EVICTED);
    }
    c = conn_alloc(a);
    if (!c)
        return NULL;
    c->id = a->next_id++;
    if ((p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN) {
        sender_is_server = 0;
    } else if ((p->flags & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK)) {
        sender_is_server = 1;
    } else {
        c->client_guess = true;
        sender_is_server = guess_sender_is_server(p, &c->guess_reason);
    }
    c->started_before_capture = !(p->flags & SF_TH_SYN);
    c->addr[sender_is_server] = p->src;
    c->port[sender_is_server] = p->sport;
    c->addr[!sender_is_server] = p->dst;
    c->port[!sender_is_server] = p->dport;
    c->first_frame = p->frame;
    c->first_ts = p->ts_ns;
    c->tunnel_count = p->tunnel_count;
    memcpy(c->tunnel, p->tunnel, sizeof(c->tunnel));
    c->irtt_ns = -1;
    c->last_syn_ts = -1;
    c->hs_server_side_ns = -1;
    c->hs_client_side_ns = -1;
    sf_analysis_init(c);
    c->first_closer = -1;
    c->rst_by = -1;
    c->phase = (p->flags & SF_TH_SYN) ? SF_PHASE_CONNECT : SF_PHASE_DATA;
    sf_flow_table_insert(&a->table, c, h);
    list_append(a, c, LIST_OPEN);
    if (a->cfg.app_ops && a->cfg.app_ops->conn_new)
        c->app_state = a->cfg.app_ops->conn_new(a->cfg.app, c);
    a->live++;
    a->totals.conns++;
    if (a->live > a->totals.conns_open_max)
        a->totals.conns_open_max = a->live;
    return c;
}

/* ---- one packet ------------------------------------------------------------ */

static bool any_fin_or_rst(const struct sf_conn *c)
{
    return c->half[0].fin_seen || c->half[1].fin_seen || c->half[0].rst_seen ||
           c->half[1].rst_seen;
}

/* Finds the packet's connection or starts one.  A SYN on a tuple whose
 * connection used another ISN, or already saw a FIN or RST, starts a new
 * connection (Wireshark's port-reuse rule, so numbers match tcp.stream). */
static struct sf_conn *lookup(struct sf_analyzer *a, const struct sf_packet *p, enum sf_dir *dir)
{
    struct sf_flow_key k;
    struct sf_conn *c;
    uint64_t h = 0;
    int swapped;

    sf_flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport, &swapped);
    if (a->last && memcmp(&k, &a->last_key, sizeof(k)) == 0) {
        c = a->last;
    } else {
        c = sf_flow_table_find(&a->table, &k, &h);
        if (c) {
            a->last = c;
            a->last_key = k;
        }
    }
    if (c) {
        enum sf_dir d = (c->port[0] == p->sport && memcmp(c->addr[0].a, p->src.a, 16) == 0)
                            ? SF_C2S : SF_S2C;
        const struct sf_half *fwd = &c->half[d];
        bool syn = (p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN;
        bool synack = (p->flags & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK);
        if ((syn || synack) && fwd->base_set &&
            (p->seq != fwd->base_seq || (syn && any_fin_or_rst(c)))) {
            if (h == 0)
                sf_flow_table_find(&a->table, &k, &h);
            conn_end(a, c, SF_END_PORT_REUSE);
            c = conn_new(a, p, h);
            if (c)
                c->reused_ports = true;
        } else {
            *dir = d;
            return c;
        }
    } else {
        if (h == 0)
            sf_flow_table_find(&a->table, &k, &h);
        c = conn_new(a, p, h);
    }
    if (!c)
        return NULL;
    a->last = c;
    a->last_key = k;
    *dir = (c->port[0] == p->sport && memcmp(c->addr[0].a, p->src.a, 16) == 0) ? SF_C2S : SF_S2C;
    return c;
}

static void record_syn_opts(struct sf_half *h, const struct sf_packet *p)
{
    h->opts.seen = true;
    h->opts.has_mss = p->opt.has_mss;
    h->opts.mss = p->opt.mss;
    h->opts.has_wscale = p->opt.has_wscale;
    h->opts.wscale = p->opt.wscale;
    h->opts.sack_perm = p->opt.sack_perm;
    h->opts.has_ts = p->opt.has_ts;
    h->opts.win = p->win;
}

/* Decides the role of a packet and updates the lifecycle state. */
static enum sf_role lifecycle(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p,
                              uint32_t analysis)
{
    struct sf_half *fwd = &c->half[dir], *rev = &c->half[!dir];
    uint16_t f = p->flags;
    bool ack = (f & SF_TH_ACK) != 0;
    uint32_t seglen = p->payload_len;
    enum sf_role role;

    /* The peer's FIN counts as acknowledged by any ACK that covers it. */
    if (ack && rev->fin_seen && !rev->fin_acked && SEQ_GT(p->ack, rev->fin_seq)) {
        rev->fin_acked = true;
        rev->fin_ack_frame = p->frame;
    }

    if (f & SF_TH_RST) {
        if (c->rst_by < 0) {
            c->rst_by = dir;
            c->rst_phase = c->phase;
            if (c->first_closer < 0)
                c->first_closer = dir;
        }
        if (!fwd->rst_seen) {
            fwd->rst_seen = true;
            fwd->rst_frame = p->frame;
        }
        c->closed = true;
        role = (dir == SF_S2C && c->half[SF_C2S].syn_count > 0 && fwd->syn_count == 0 &&
                c->phase == SF_PHASE_CONNECT) ? SF_ROLE_RST_REFUSED : SF_ROLE_RST_ABORT;
        c->phase = SF_PHASE_CLOSE;
        return role;
    }
    if (f & SF_TH_SYN) {
        bool again = fwd->syn_count > 0 && fwd->syn_seq == p->seq;
        if (fwd->syn_count == 0) {
            fwd->syn_seq = p->seq;
            fwd->syn_frame = p->frame;
            fwd->syn_ts = p->ts_ns;
            record_syn_opts(fwd, p);
        }
        fwd->syn_count++;
        if (!ack)
            c->last_syn_ts = p->ts_ns;
        if (c->phase == SF_PHASE_DATA && c->hs_ack_frame == 0 && c->packets <= 2)
            c->phase = SF_PHASE_CONNECT;
        if (ack)
            return again ? SF_ROLE_SYN_ACK_RETRANS : SF_ROLE_SYN_ACK;
        return again ? SF_ROLE_SYN_RETRANS : SF_ROLE_SYN;
    }
    if (f & SF_TH_FIN) {
        uint32_t fin_seq = p->seq + seglen;
        if (fwd->fin_seen) {
            role = SF_ROLE_FIN_RETRANS;
        } else {
            fwd->fin_seen = true;
            fwd->fin_seq = fin_seq;
            fwd->fin_frame = p->frame;
            if (rev->fin_seen) {
                role = SF_ROLE_FIN_PASSIVE;
                /* Sent without having seen the peer's FIN: the two crossed. */
                if (!ack || !SEQ_GT(p->ack, rev->fin_seq))
                    c->fin_crossed = true;
            } else {
                role = SF_ROLE_FIN_ACTIVE;
                if (c->first_closer < 0)
                    c->first_closer = dir;
            }
        }
        fwd->fin_count++;
        if (seglen > 0 && rev->fin_seen && (!fwd->next_valid || SEQ_GT(p->seq + seglen, fwd->next_seq)))
            fwd->data_after_peer_fin += seglen;
        c->phase = SF_PHASE_CLOSE;
        return role;
    }

    /* No SYN, FIN or RST. */
    if (c->phase == SF_PHASE_CONNECT && ack && dir == SF_C2S && c->half[SF_S2C].syn_count > 0 &&
        c->hs_ack_frame == 0 && p->ack == c->half[SF_S2C].syn_seq + 1) {
        c->hs_ack_frame = p->frame;
        c->hs_ack_ts = p->ts_ns;
        sf_analysis_handshake_rtt(c);
        if (seglen == 0)
            return SF_ROLE_HANDSHAKE_ACK;
        c->phase = SF_PHASE_DATA;
        return SF_ROLE_DATA;
    }
    if (c->phase == SF_PHASE_CONNECT)
        c->phase = SF_PHASE_DATA;
    if (analysis & SF_AN_KEEP_ALIVE)
        return SF_ROLE_KEEP_ALIVE;
    if (seglen > 0) {
        if (rev->fin_seen && (!fwd->next_valid || SEQ_GT(p->seq + seglen, fwd->next_seq)))
            fwd->data_after_peer_fin += seglen;
        return SF_ROLE_DATA;
    }
    if (ack && rev->fin_seen && rev->fin_ack_frame == p->frame) {
        if (fwd->fin_seen) {
            c->last_ack_frame = p->frame;
            return SF_ROLE_LAST_ACK;
        }
        return SF_ROLE_ACK_OF_FIN;
    }
    if (analysis & SF_AN_WINDOW_UPDATE)
        return SF_ROLE_WINDOW_UPDATE;
    return SF_ROLE_ACK;
}

static void track(struct sf_analyzer *a, struct sf_packet *p)
{
    struct sf_pkt_view v;
    struct sf_conn *c;
    struct sf_half *fwd, *rev;
    enum sf_dir dir = SF_C2S;
    uint32_t span;

    c = lookup(a, p, &dir);
    if (!c) {
        /* Out of memory for a new connection: still account for the frame. */
        if (a->sink.packet)
            a->sink.packet(a->sink.ctx, p, NULL);
        return;
    }
    fwd = &c->half[dir];
    rev = &c->half[!dir];

    /* Relative numbering exactly as Wireshark: a direction's base is its
     * ISN when its first packet is a SYN, else that packet's seq - 1; the
     * other direction's base may come first from an ACK (ack - 1). */
    if (!fwd->base_set) {
        fwd->base_set = true;
        fwd->base_seq = (p->flags & SF_TH_SYN) ? p->seq : p->seq - 1;
    }
    if (!rev->base_set && (p->flags & SF_TH_ACK)) {
        rev->base_set = true;
        rev->base_seq = p->ack - 1;
    }

    memset(&v, 0, sizeof(v));
    v.conn = c;
    v.dir = dir;
    v.rel_seq = p->seq - fwd->base_seq;
    /* Without the ACK flag the field means nothing: tshark 4.0 shows it
     * raw (with the expert "acknowledgment number field is nonzero while
     * the ACK flag is not set"), so do we. */
    v.rel_ack = (p->flags & SF_TH_ACK) ? p->ack - rev->base_seq : p->ack;
    span = p->payload_len + ((p->flags & SF_TH_SYN) ? 1 : 0) + ((p->flags & SF_TH_FIN) ? 1 : 0);
    v.rel_nxtseq = v.rel_seq + span;

    /* AccECN (IETF tcpm accurate-ecn), as tshark 4.0 reads it: a SYN with AE, CWR and
     * ECE all set, answered by a SYN+ACK whose three bits are 010, 011, 100
     * or 110 (000 and x01 are no ECN or classic ECN, 111 is reserved); from
     * then on every segment without SYN carries the ACE counter there. */
    v.ace = -1;
    {
        unsigned e = ((p->flags & SF_TH_AE) ? 4u : 0u) | ((p->flags & SF_TH_CWR) ? 2u : 0u) |
                     ((p->flags & SF_TH_ECE) ? 1u : 0u);
        if ((p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN)
            c->accecn = e == 7 ? 1 : 0;
        else if ((p->flags & SF_TH_SYN) && c->accecn == 1 && (e == 2 || e == 3 || e == 4 || e == 6))
            c->accecn = 2;
        else if (!(p->flags & SF_TH_SYN) && c->accecn == 2)
            v.ace = (int8_t)e;
    }
    sf_analysis_packet(c, dir, p, &v);
    sf_zeek_packet(c, dir, p);
    if (c->reused_ports && c->packets == 0)
        v.analysis |= SF_AN_REUSED_PORTS;
    v.role = lifecycle(c, dir, p, v.analysis);
    /* iRTT as Wireshark: from the most recent SYN (without ACK, either
     * side) to the first segment with ACK and without SYN, whoever sends it
     * (so a RST+ACK refusing a SYN gives one too). */
    if ((p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_ACK && c->irtt_ns < 0 && c->last_syn_ts >= 0)
        c->irtt_ns = p->ts_ns - c->last_syn_ts;
    v.phase = c->phase;
    if ((p->flags & SF_TH_SYN) && !(p->flags & (SF_TH_FIN | SF_TH_RST)) && c->phase != SF_PHASE_CLOSE)
        v.phase = SF_PHASE_CONNECT;
    if (v.role == SF_ROLE_HANDSHAKE_ACK) {
        v.phase = SF_PHASE_CONNECT;
        c->phase = SF_PHASE_DATA;
    }

    /* Per-direction bookkeeping after the role is known. */
    if (!fwd->next_valid || SEQ_GT(p->seq + span, fwd->next_seq)) {
        fwd->next_seq = p->seq + span;
        fwd->next_valid = true;
    }
    fwd->packets++;
    fwd->wire_bytes += p->wirelen;
    if (p->payload_len > 0) {
        fwd->payload_bytes += p->payload_len;
        fwd->data_segments++;
        if (p->payload_len > fwd->max_segment)
            fwd->max_segment = p->payload_len;
    }
    if (p->wirelen > fwd->max_frame)
        fwd->max_frame = p->wirelen;
    if (p->ip_reassembled)
        fwd->ip_fragmented++;

    c->packets++;
    c->last_frame = p->frame;
    c->last_ts = p->ts_ns;
    v.conn_packet = c->packets;

    if (!c->closed && fwd->fin_acked && rev->fin_acked)
        c->closed = true;
    if (c->closed && c->list_id == LIST_OPEN)
        sf_analysis_compact(c);
    list_unlink(a, c);
    list_append(a, c, c->closed ? LIST_CLOSED : LIST_OPEN);

    sf_diag_packet(c, dir, p, &v);
    if (a->cfg.app_ops && a->cfg.app_ops->packet)
        a->cfg.app_ops->packet(a->cfg.app, c->app_state, c, p, &v);
    if (a->sink.packet)
        a->sink.packet(a->sink.ctx, p, &v);
}

void sf_analyzer_frame(struct sf_analyzer *a, const struct sf_frame *f, uint64_t frame_no)
{
    struct sf_packet *p = &a->pkt;

    sf_decode(a->dec, f, frame_no, p);
    a->totals.frames++;
    a->totals.bytes += f->caplen;
    if (p->truncated)
        a->totals.truncated++;
    if (!a->have_ts) {
        a->have_ts = true;
        a->totals.first_ts = f->ts_ns;
        a->next_expiry_ns = f->ts_ns + NS_PER_S;
    }
    if (f->ts_ns > a->totals.last_ts)
        a->totals.last_ts = f->ts_ns;
    /* Expiry runs at most once per second of capture time. */
    if (f->ts_ns >= a->next_expiry_ns) {
        expire(a, f->ts_ns);
        a->next_expiry_ns = f->ts_ns + NS_PER_S;
    }
    if (p->skip != SF_SKIP_NONE) {
        a->totals.skipped[p->skip]++;
        if (a->sink.packet)
            a->sink.packet(a->sink.ctx, p, NULL);
        return;
    }
    a->totals.tcp++;
    track(a, p);
}

void sf_analyzer_filtered(struct sf_analyzer *a, const struct sf_frame *f, uint64_t frame_no)
{
    (void)frame_no;
    a->totals.frames++;
    a->totals.filtered++;
    a->totals.bytes += f->caplen;
}

void sf_analyzer_tick(struct sf_analyzer *a, int64_t now_ns)
{
    /* Live capture: with no traffic no frame arrives to run expiry, so the
     * caller passes the wall clock (same epoch as live timestamps). */
    expire(a, now_ns);
}

static int by_id(const void *x, const void *y)
{
    const struct sf_conn *const *a = x, *const *b = y;
    return (*a)->id < (*b)->id ? -1 : (*a)->id > (*b)->id;
}

void sf_analyzer_finish(struct sf_analyzer *a)
{
    size_t n = 0;
    struct sf_conn **all;

    if (a->live == 0)
        return;
    all = malloc(a->live * sizeof(*all));
    if (!all) {
        /* Still end them all, in list order. */
        for (int l = 0; l < LIST_COUNT; l++)
            while (a->lists[l].head)
                conn_end(a, a->lists[l].head, SF_END_INPUT);
        return;
    }
    for (int l = 0; l < LIST_COUNT; l++)
        for (struct sf_conn *c = a->lists[l].head; c; c = c->lnext)
            all[n++] = c;
    qsort(all, n, sizeof(*all), by_id);
    for (size_t i = 0; i < n; i++)
        conn_end(a, all[i], SF_END_INPUT);
    free(all);
}

const struct sf_totals *sf_analyzer_totals(const struct sf_analyzer *a)
{
    return &a->totals;
}

const struct sf_frag_stats *sf_analyzer_frag_stats(const struct sf_analyzer *a)
{
    return sf_frag_stats(sf_decoder_frag(a->dec));
}

uint32_t sf_analyzer_frag_pending(const struct sf_analyzer *a)
{
    return sf_frag_pending(sf_decoder_frag(a->dec));
}

void sf_analyzer_free(struct sf_analyzer *a)
{
    if (!a)
        return;
    for (int l = 0; l < LIST_COUNT; l++) {
        struct sf_conn *c = a->lists[l].head;
        while (c) {
            struct sf_conn *next = c->lnext;
            /* Freed without sf_analyzer_finish: let the app layer release. */
            if (a->cfg.app_ops && a->cfg.app_ops->conn_end && c->app_state)
                a->cfg.app_ops->conn_end(a->cfg.app, c->app_state, c);
            if (a->cfg.app_ops && a->cfg.app_ops->conn_free && c->app_state)
                a->cfg.app_ops->conn_free(a->cfg.app, c->app_state, c);
            sf_diag_free(c);
            sf_analysis_free(c);
            free(c);
            c = next;
        }
    }
    while (a->free_conns) {
        struct sf_conn *next = a->free_conns->hnext;
        free(a->free_conns);
        a->free_conns = next;
    }
    sf_flow_table_destroy(&a->table);
    sf_decoder_free(a->dec);
    free(a);
}
