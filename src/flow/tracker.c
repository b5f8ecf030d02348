/* tracker.c - follows every TCP connection from SYN to FIN: numbering, relative
 * sequence numbers, phases, packet roles and the classification of the close. */
#include <stdlib.h>
#include <string.h>

#include "synfin/analyzer.h"
#include "decode/decode.h"
#include "diag/diag.h"
#include "flow/analysis.h"
#include "flow/halfopen.h"
#include "flow/table.h"
#include "flow/zeek.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)

#define NS_PER_S 1000000000LL

/* Open connections, closed ones lingering, and attempts kept as full
 * records (a SYN sent again, say): each list is least recently active first. */
enum { LIST_OPEN = 0, LIST_CLOSED = 1, LIST_ATTEMPT = 2, LIST_COUNT = 3 };

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
    /* Attempts of one SYN as compact records (halfopen.h), and the one full
     * record they are rebuilt into to be shown to the sinks. */
    struct sf_halfopen_table ho;
    struct sf_conn *scratch;
    struct sf_packet replay;       /* the SYN of a record, rebuilt */
    size_t mem;                    /* full records and what their analysis allocated */
};

void sf_analyzer_config_default(struct sf_analyzer_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->idle_timeout_ns = 600 * NS_PER_S;
    cfg->close_linger_ns = 5 * NS_PER_S;
    cfg->max_conns = 1000000;
    cfg->syn_timeout_ns = SF_DEFAULT_SYN_TIMEOUT_S * NS_PER_S;
    cfg->memcap = SF_DEFAULT_MEMCAP;
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
    a->totals.memcap = a->cfg.memcap;
    a->dec = sf_decoder_new(NULL);
    a->scratch = calloc(1, sizeof(*a->scratch));
    if (!a->dec || !a->scratch || sf_flow_table_init(&a->table, 4096) != 0) {
        sf_decoder_free(a->dec);
        free(a->scratch);
        free(a);
        return NULL;
    }
    if (sf_halfopen_init(&a->ho) != 0) {
        sf_flow_table_destroy(&a->table);
        sf_decoder_free(a->dec);
        free(a->scratch);
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

/* What a full record costs: itself and what its analysis allocated (the
 * un-ACKed rings, the RTT samples).  The --memcap measure adds these up. */
static size_t conn_heap(const struct sf_conn *c)
{
    return sizeof(*c) +
           ((size_t)c->half[0].an.capsegs + c->half[1].an.capsegs) * sizeof(struct sf_unacked) +
           (size_t)c->rtt_cap * sizeof(int64_t);
}

/* Memory of the connection state: full records, compact attempts in use,
 * both tables' buckets and what the application layer holds. */
static uint64_t mem_total(const struct sf_analyzer *a)
{
    uint64_t m = a->mem + a->ho.count * sizeof(struct sf_halfopen) +
                 ((uint64_t)a->ho.mask + 1) * sizeof(struct sf_halfopen_slot) +
                 ((uint64_t)a->table.mask + 1) * sizeof(struct sf_conn *);
    if (a->cfg.app_ops && a->cfg.app_ops->mem_used)
        m += a->cfg.app_ops->mem_used(a->cfg.app);
    return m;
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

/* Writes the record of a connection: the application layer finishes first
 * (every transaction before the connection record), then the sink. */
static void report(struct sf_analyzer *a, struct sf_conn *c, enum sf_end_reason why)
{
    c->end_reason = why;
    c->close_kind = classify_close(c);
    a->totals.ended[why]++;
    a->totals.close_kinds[c->close_kind]++;
    if (a->cfg.app_ops && a->cfg.app_ops->conn_end)
        a->cfg.app_ops->conn_end(a->cfg.app, c->app_state, c);
    if (a->sink.conn_end)
        a->sink.conn_end(a->sink.ctx, c);
    if (a->cfg.app_ops && a->cfg.app_ops->conn_free)
        a->cfg.app_ops->conn_free(a->cfg.app, c->app_state, c);
    c->app_state = NULL;
}

/* Writes the record of a full connection and forgets it. */
static void conn_end(struct sf_analyzer *a, struct sf_conn *c, enum sf_end_reason why)
{
    report(a, c, why);
    a->mem -= conn_heap(c);
    sf_diag_free(c);
    sf_analysis_free(c);
    sf_flow_table_remove(&a->table, c);
    list_unlink(a, c);
    if (a->last == c)
        a->last = NULL;
    a->live--;
    conn_release(a, c);
}

/* The scratch record, emptied; its un-ACKed rings and RTT array are kept
 * (capacity only, never content), so showing an attempt allocates nothing. */
static struct sf_conn *scratch_reset(struct sf_analyzer *a)
{
    struct sf_conn *c = a->scratch;
    struct sf_unacked *segs[2] = { c->half[0].an.segs, c->half[1].an.segs };
    uint32_t cap[2] = { c->half[0].an.capsegs, c->half[1].an.capsegs };
    int64_t *rtt = c->rtt_samples;
    uint32_t rtt_cap = c->rtt_cap;

    sf_diag_free(c);   /* an attempt's diagnosis was written with its record */
    memset(c, 0, sizeof(*c));
    for (int d = 0; d < 2; d++) {
        c->half[d].an.segs = segs[d];
        c->half[d].an.capsegs = cap[d];
    }
    c->rtt_samples = rtt;
    c->rtt_cap = rtt_cap;
    return c;
}

static void conn_setup(struct sf_conn *c, const struct sf_packet *p, uint64_t id);
static void conn_update(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p,
                        struct sf_pkt_view *v);

/* The full state of an attempt: its SYN replayed on a fresh record, exactly
 * as the tracker handled it when it came (no sink or application call). */
static struct sf_conn *rebuild(struct sf_analyzer *a, const struct sf_halfopen *r, struct sf_conn *c)
{
    struct sf_pkt_view v;
    sf_halfopen_packet(r, &a->replay);
    conn_setup(c, &a->replay, r->id);
    c->reused_ports = (r->bits & SF_HO_REUSED_PORTS) != 0;
    conn_update(c, SF_C2S, &a->replay, &v);
    sf_diag_packet(c, SF_C2S, &a->replay, &v);   /* the diagnosis saw it when it came, too */
    return c;
}

/* Writes the record of a compact attempt and forgets it. */
static void attempt_end(struct sf_analyzer *a, struct sf_halfopen *r, enum sf_end_reason why)
{
    struct sf_conn *c = rebuild(a, r, scratch_reset(a));
    sf_halfopen_remove(&a->ho, r);
    a->live--;
    report(a, c, why);
}

/* A second packet for an attempt: it becomes a full record (NULL, the
 * attempt kept, when out of memory). */
static struct sf_conn *promote(struct sf_analyzer *a, struct sf_halfopen *r)
{
    struct sf_conn *c = conn_alloc(a);
    if (!c)
        return NULL;
    rebuild(a, r, c);
    sf_flow_table_insert(&a->table, c, r->hash);
    list_append(a, c, LIST_ATTEMPT);
    a->mem += conn_heap(c);
    sf_halfopen_remove(&a->ho, r);
    return c;
}

/* Only the client's SYNs so far, nothing back: what Zeek calls an attempt. */
static bool is_attempt(const struct sf_conn *c)
{
    const struct sf_half *cl = &c->half[SF_C2S];
    return !c->closed && c->half[SF_S2C].packets == 0 && cl->syn_count > 0 &&
           cl->syn_count == cl->packets;
}

/* The attempt that has been quiet longest (the smaller last frame, as one
 * activity list would order them): a compact record (*r) or a full one
 * (*full); false when there is none. */
static bool oldest_attempt(struct sf_analyzer *a, struct sf_halfopen **r, struct sf_conn **full)
{
    *r = a->ho.oldest;
    *full = a->lists[LIST_ATTEMPT].head;
    if (*r && *full) {
        if ((*full)->last_frame < (*r)->frame)
            *r = NULL;
        else
            *full = NULL;
    }
    return *r || *full;
}

/* Releases the least useful connection: a closed one lingering for late
 * packets, else the attempt quiet longest, else the open connection quiet
 * longest.  Its record is written with reason `why`.  False when none is left. */
static bool evict_one(struct sf_analyzer *a, enum sf_end_reason why)
{
    struct sf_halfopen *r;
    struct sf_conn *c = a->lists[LIST_CLOSED].head;

    if (c) {
        conn_end(a, c, why);
        return true;
    }
    if (oldest_attempt(a, &r, &c)) {
        if (r)
            attempt_end(a, r, why);
        else
            conn_end(a, c, why);
        return true;
    }
    if ((c = a->lists[LIST_OPEN].head)) {
        conn_end(a, c, why);
        return true;
    }
    return false;
}

/* Keeps the connection state under --memcap: once over it, the least
 * useful state goes first, down to 15/16 of the cap so that a run at the
 * limit does not release one connection per packet. */
static void relieve(struct sf_analyzer *a)
{
    uint64_t m = mem_total(a), target;
    if (m > a->totals.mem_peak)
        a->totals.mem_peak = m;
    if (!a->cfg.memcap || m <= a->cfg.memcap)
        return;
    target = a->cfg.memcap - a->cfg.memcap / 16;
    while (mem_total(a) > target && evict_one(a, SF_END_MEMCAP))
        ;
}

/* Ends connections whose quiet time has run out, by capture time: closed
 * ones after the linger; attempts after the SYN timeout (or the idle
 * timeout when it is shorter), open ones after the idle timeout.  Attempts
 * and open connections are taken in the order of one activity list (last
 * frame): with one limit for both this is the order of the idle timeout
 * alone, as before attempts had their own timeout. */
static void expire(struct sf_analyzer *a, int64_t now)
{
    struct sf_conn *c;
    int64_t att_lim = a->cfg.syn_timeout_ns, idle = a->cfg.idle_timeout_ns;
    enum sf_end_reason att_why = SF_END_SYN_TIMEOUT;

    while ((c = a->lists[LIST_CLOSED].head) && now - c->last_ts > a->cfg.close_linger_ns)
        conn_end(a, c, SF_END_CLOSED);
    if (idle > 0 && (att_lim <= 0 || idle < att_lim)) {
        att_lim = idle;
        att_why = SF_END_IDLE;
    }
    for (;;) {
        struct sf_halfopen *r = NULL;
        struct sf_conn *full = NULL, *open = idle > 0 ? a->lists[LIST_OPEN].head : NULL;
        bool have_att = att_lim > 0 && oldest_attempt(a, &r, &full);
        uint64_t att_frame = r ? r->frame : full ? full->last_frame : 0;
        int64_t att_ts = r ? r->ts_ns : full ? full->last_ts : 0;
        bool att_due = have_att && now - att_ts > att_lim;
        bool open_due = open && now - open->last_ts > idle;
        bool att_first = have_att && (!open || att_frame < open->last_frame);

        /* The quietest first; past a head that is not due, the other list
         * goes on only when its limit differs. */
        if (att_first ? att_due : open_due) {
            if (!att_first)
                conn_end(a, open, SF_END_IDLE);
            else if (r)
                attempt_end(a, r, att_why);
            else
                conn_end(a, full, att_why);
        } else if (att_lim != idle && (att_first ? open_due : att_due)) {
            if (att_first)
                conn_end(a, open, SF_END_IDLE);
            else if (r)
                attempt_end(a, r, att_why);
            else
                conn_end(a, full, att_why);
        } else {
            break;
        }
    }
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

/* A new connection's fields from its first packet (no table, no list). */
static void conn_setup(struct sf_conn *c, const struct sf_packet *p, uint64_t id)
{
    int sender_is_server;

    c->id = id;
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
    c->first_input = p->input;
    c->tunnel_count = p->tunnel_count;
    /* Only the layers there are (the rest of p->tunnel may hold an earlier frame's). */
    memcpy(c->tunnel, p->tunnel,
           (p->tunnel_count < SF_MAX_TUNNELS ? p->tunnel_count : SF_MAX_TUNNELS) * sizeof(c->tunnel[0]));
    c->irtt_ns = -1;
    c->last_syn_ts = -1;
    c->hs_server_side_ns = -1;
    c->hs_client_side_ns = -1;
    sf_analysis_init(c);
    c->first_closer = -1;
    c->rst_by = -1;
    c->phase = (p->flags & SF_TH_SYN) ? SF_PHASE_CONNECT : SF_PHASE_DATA;
}

/* Starts the connection of packet p (hash h).  A bare SYN becomes an
 * attempt: it is tracked on the scratch record, which the caller files as
 * a compact record once the packet is handled.  Anything else gets a full
 * record.  The application state comes later (track). */
static struct sf_conn *conn_new(struct sf_analyzer *a, const struct sf_packet *p, uint64_t h,
                                bool reused)
{
    struct sf_conn *c;

    if (a->live >= a->cfg.max_conns)
        evict_one(a, SF_END_EVICTED);
    if (!a->cfg.full_attempts && sf_halfopen_eligible(p)) {
        c = scratch_reset(a);
    } else {
        c = conn_alloc(a);
        if (!c)
            return NULL;
    }
    conn_setup(c, p, a->next_id++);
    c->reused_ports = reused;
    if (c != a->scratch) {
        sf_flow_table_insert(&a->table, c, h);
        list_append(a, c, LIST_OPEN);
        a->mem += conn_heap(c);
    }
    a->live++;
    a->totals.conns++;
    if (a->live > a->totals.conns_open_max)
        a->totals.conns_open_max = a->live;
    return c;
}

/* ---- one packet ------------------------------------------------------------ */

static enum sf_dir dir_of(const struct sf_conn *c, const struct sf_packet *p)
{
    return (c->port[0] == p->sport && memcmp(c->addr[0].a, p->src.a, 16) == 0) ? SF_C2S : SF_S2C;
}

/* Finds the packet's connection or starts one; *hout is the flow hash.
 * tshark 4.0.17's port-reuse rules (so numbers match tcp.stream;
 * docs/architecture.md): a SYN whose ISN differs from the one its direction
 * started with starts a new connection; a SYN with the same ISN continues
 * the stream, even after a FIN or RST (a retried attempt: a
 * retransmission).  A SYN+ACK with another ISN keeps the stream: its
 * direction's relative numbers restart at the new ISN and the packet is
 * flagged reused_ports.  An attempt's second packet makes it a full record. */
static struct sf_conn *lookup(struct sf_analyzer *a, const struct sf_packet *p, enum sf_dir *dir,
                              uint64_t *hout)
{
    struct sf_flow_key k;
    struct sf_conn *c = NULL;
    struct sf_halfopen *r = NULL;
    uint64_t h = 0;
    bool have_h = false, reused = false;
    bool syn = (p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN;
    bool synack = (p->flags & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK);
    int swapped;

    sf_flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport, &swapped);
    if (a->last && memcmp(&k, &a->last_key, sizeof(k)) == 0) {
        c = a->last;
    } else {
        h = sf_flow_key_hash(&a->table, &k);
        have_h = true;
        c = sf_flow_table_find_hashed(&a->table, &k, h);
        if (c) {
            a->last = c;
            a->last_key = k;
        } else if (a->ho.count) {
            r = sf_halfopen_find(&a->ho, &k, h);
        }
    }
    if (r) {
        bool from_client = r->sport == p->sport && memcmp(r->src.a, p->src.a, 16) == 0;
        /* The attempt's only packet is the client's SYN: its base is that
         * SYN's seq, the server's is not set yet. */
        if (syn && from_client && p->seq != r->seq) {
            attempt_end(a, r, SF_END_PORT_REUSE);
            reused = true;
        } else {
            c = promote(a, r);
            if (!c)
                return NULL;
            a->last = c;
            a->last_key = k;
            *dir = from_client ? SF_C2S : SF_S2C;
            *hout = h;
            return c;
        }
    } else if (c) {
        enum sf_dir d = dir_of(c, p);
        const struct sf_half *fwd = &c->half[d];
        if (synack && fwd->base_set && p->seq != fwd->base_seq) {
            c->half[d].base_seq = p->seq;
            c->rebased = true;
        }
        if (syn && fwd->base_set && p->seq != fwd->base_seq) {
            conn_end(a, c, SF_END_PORT_REUSE);
            reused = true;
        } else {
            *dir = d;
            *hout = have_h ? h : c->flow_hash;
            return c;
        }
    }
    if (!have_h)
        h = sf_flow_key_hash(&a->table, &k);
    *hout = h;
    c = conn_new(a, p, h, reused);
    if (!c)
        return NULL;
    if (c != a->scratch) {
        a->last = c;
        a->last_key = k;
    }
    *dir = dir_of(c, p);
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

/* Every change one packet makes to its connection, and the view the sinks
 * get (no list, table, sink or application work: a compact attempt is
 * rebuilt through this same function). */
static void conn_update(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p,
                        struct sf_pkt_view *v)
{
    struct sf_half *fwd = &c->half[dir], *rev = &c->half[!dir];
    uint32_t span;

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

    memset(v, 0, sizeof(*v));
    v->conn = c;
    v->dir = dir;
    v->rel_seq = p->seq - fwd->base_seq;
    /* Without the ACK flag the field means nothing: tshark 4.0 shows it
     * raw (with the expert "acknowledgment number field is nonzero while
     * the ACK flag is not set"), so do we. */
    v->rel_ack = (p->flags & SF_TH_ACK) ? p->ack - rev->base_seq : p->ack;
    span = p->payload_len + ((p->flags & SF_TH_SYN) ? 1 : 0) + ((p->flags & SF_TH_FIN) ? 1 : 0);
    v->rel_nxtseq = v->rel_seq + span;

    /* AccECN (IETF tcpm accurate-ecn), as tshark 4.0 reads it: a SYN with AE, CWR and
     * ECE all set, answered by a SYN+ACK whose three bits are 010, 011, 100
     * or 110 (000 and x01 are no ECN or classic ECN, 111 is reserved); from
     * then on every segment without SYN carries the ACE counter there. */
    v->ace = -1;
    {
        unsigned e = ((p->flags & SF_TH_AE) ? 4u : 0u) | ((p->flags & SF_TH_CWR) ? 2u : 0u) |
                     ((p->flags & SF_TH_ECE) ? 1u : 0u);
        if ((p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN)
            c->accecn = e == 7 ? 1 : 0;
        else if ((p->flags & SF_TH_SYN) && c->accecn == 1 && (e == 2 || e == 3 || e == 4 || e == 6))
            c->accecn = 2;
        else if (!(p->flags & SF_TH_SYN) && c->accecn == 2)
            v->ace = (int8_t)e;
    }
    sf_analysis_packet(c, dir, p, v);
    sf_zeek_packet(c, dir, p);
    if ((c->reused_ports && c->packets == 0) || c->rebased)
        v->analysis |= SF_AN_REUSED_PORTS;
    c->rebased = false;
    v->role = lifecycle(c, dir, p, v->analysis);
    /* iRTT as Wireshark: from the most recent SYN (without ACK, either
     * side) to the first segment with ACK and without SYN, whoever sends it
     * (so a RST+ACK refusing a SYN gives one too). */
    if ((p->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_ACK && c->irtt_ns < 0 && c->last_syn_ts >= 0)
        c->irtt_ns = p->ts_ns - c->last_syn_ts;
    v->phase = c->phase;
    if ((p->flags & SF_TH_SYN) && !(p->flags & (SF_TH_FIN | SF_TH_RST)) && c->phase != SF_PHASE_CLOSE)
        v->phase = SF_PHASE_CONNECT;
    if (v->role == SF_ROLE_HANDSHAKE_ACK) {
        v->phase = SF_PHASE_CONNECT;
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
    v->conn_packet = c->packets;

    if (!c->closed && fwd->fin_acked && rev->fin_acked)
        c->closed = true;
}

static void deliver(struct sf_analyzer *a, struct sf_conn *c, const struct sf_packet *p,
                    struct sf_pkt_view *v)
{
    sf_diag_packet(c, v->dir, p, v);
    if (a->cfg.app_ops && a->cfg.app_ops->packet)
        a->cfg.app_ops->packet(a->cfg.app, c->app_state, c, p, v);
    if (a->sink.packet)
        a->sink.packet(a->sink.ctx, p, v);
}

static void track(struct sf_analyzer *a, struct sf_packet *p)
{
    struct sf_pkt_view v;
    struct sf_conn *c;
    enum sf_dir dir = SF_C2S;
    uint64_t h = 0;
    size_t before;

    c = lookup(a, p, &dir, &h);
    if (!c) {
        /* Out of memory for a new connection: still account for the frame. */
        if (a->sink.packet)
            a->sink.packet(a->sink.ctx, p, NULL);
        return;
    }
    if (c == a->scratch) {
        /* A new attempt: shown from the scratch record, kept as a compact one. */
        conn_update(c, dir, p, &v);
        if (sf_halfopen_add(&a->ho, p, h, c->id, c->reused_ports)) {
            if (a->ho.count > a->totals.attempts_max)
                a->totals.attempts_max = a->ho.count;
            deliver(a, c, p, &v);
        } else {
            /* No memory for even that: its record is written at once. */
            deliver(a, c, p, &v);
            a->live--;
            report(a, c, SF_END_MEMCAP);
        }
        return;
    }

    before = conn_heap(c);
    conn_update(c, dir, p, &v);
    if (c->closed && c->list_id != LIST_CLOSED)
        sf_analysis_compact(c);
    a->mem += conn_heap(c) - before;
    list_unlink(a, c);
    list_append(a, c, c->closed ? LIST_CLOSED : is_attempt(c) ? LIST_ATTEMPT : LIST_OPEN);

    /* Application state (reassembly, protocol layers) only once there is
     * something for it: data, a FIN, or a completed handshake. */
    if (!c->app_state && !c->app_tried && a->cfg.app_ops && a->cfg.app_ops->conn_new &&
        (p->payload_len > 0 || (p->flags & SF_TH_FIN) || c->hs_ack_frame == p->frame)) {
        c->app_tried = true;
        c->app_state = a->cfg.app_ops->conn_new(a->cfg.app, c);
    }
    deliver(a, c, p, &v);
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
    relieve(a);
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
    size_t n = 0, full = a->live - a->ho.count;
    struct sf_conn **all = NULL;

    if (a->live == 0)
        return;
    if (full)
        all = malloc(full * sizeof(*all));
    if (full && !all) {
        /* Still end them all, in list order. */
        for (int l = 0; l < LIST_COUNT; l++)
            while (a->lists[l].head)
                conn_end(a, a->lists[l].head, SF_END_INPUT);
        while (a->ho.oldest)
            attempt_end(a, a->ho.oldest, SF_END_INPUT);
        return;
    }
    for (int l = 0; l < LIST_COUNT; l++)
        for (struct sf_conn *c = a->lists[l].head; c; c = c->lnext)
            all[n++] = c;
    if (n)
        qsort(all, n, sizeof(*all), by_id);
    /* The compact attempts are in id order already (their age list is the
     * order they were numbered in): merge the two.  Attempts are only
     * written here; the table is dropped whole afterwards. */
    {
        struct sf_halfopen *r = a->ho.oldest;
        for (size_t i = 0; i < n || r;) {
            if (i < n && (!r || all[i]->id < r->id)) {
                conn_end(a, all[i++], SF_END_INPUT);
            } else {
                report(a, rebuild(a, r, scratch_reset(a)), SF_END_INPUT);
                a->live--;
                r = r->newer;
            }
        }
        sf_halfopen_clear(&a->ho);
    }
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
    /* Compact attempts own nothing beyond their slabs. */
    sf_halfopen_destroy(&a->ho);
    if (a->scratch) {
        sf_analysis_free(a->scratch);
        sf_diag_free(a->scratch);
        free(a->scratch);
    }
    sf_flow_table_destroy(&a->table);
    sf_decoder_free(a->dec);
    free(a);
}
