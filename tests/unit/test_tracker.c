/* test_tracker.c - connection numbering, relative numbers, roles, phases and close kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "synfin/analyzer.h"
#include "flow/halfopen.h"
#include "pktgen.h"

#define C 0xc0000201u  /* 192.0.2.1, the client */
#define S 0xc0000202u  /* 192.0.2.2, the server */

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

struct seen {
    int n;
    uint64_t conn[64];
    enum sf_role role[64];
    enum sf_phase phase[64];
    enum sf_dir dir[64];
    uint32_t seq[64], ack[64];
    int ace[64];
    int nconn;
    enum sf_close_kind kind[8];
    int closer[8];
    bool reused[8];
    bool guess[8];
    int64_t irtt[8];
    enum sf_end_reason why[8];
};

static void on_packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct seen *s = ctx;
    (void)p;
    if (!v || s->n >= 64)
        return;
    s->conn[s->n] = v->conn->id;
    s->role[s->n] = v->role;
    s->phase[s->n] = v->phase;
    s->dir[s->n] = v->dir;
    s->seq[s->n] = v->rel_seq;
    s->ack[s->n] = v->rel_ack;
    s->ace[s->n] = v->ace;
    s->n++;
}

static void on_conn(void *ctx, const struct sf_conn *c)
{
    struct seen *s = ctx;
    if (s->nconn >= 8)
        return;
    s->kind[s->nconn] = c->close_kind;
    s->closer[s->nconn] = c->first_closer;
    s->reused[s->nconn] = c->reused_ports;
    s->guess[s->nconn] = c->client_guess;
    s->irtt[s->nconn] = c->irtt_ns;
    s->why[s->nconn] = c->end_reason;
    s->nconn++;
}

struct run {
    struct sf_analyzer *a;
    struct seen seen;
    uint64_t frame;
    int64_t t;
};

static void start(struct run *r)
{
    struct sf_sink sink = { &r->seen, on_packet, on_conn };
    memset(r, 0, sizeof(*r));
    sink.ctx = &r->seen;
    r->a = sf_analyzer_new(NULL, &sink);
    assert_non_null(r->a);
    r->t = 1000000000LL;
}

/* One segment: from the client (to_server) or the server. */
static void seg(struct run *r, int from_client, uint16_t cport, uint32_t seq, uint32_t ack,
                uint8_t flags, uint32_t len)
{
    struct pg g;
    struct sf_frame f;
    pg_segment(&g, from_client, cport, seq, ack, flags, len, 1000);
    memset(&f, 0, sizeof(f));
    f.data = g.b;
    f.caplen = f.wirelen = (uint32_t)g.n;
    f.linktype = SF_LINKTYPE_ETHERNET;
    f.ts_ns = r->t;
    r->t += 1000000;   /* 1 ms apart */
    sf_analyzer_frame(r->a, &f, ++r->frame);
}

/* ecn: the AE, CWR, ECE bits as a 3-bit number (AE the high one). */
static void seg_ecn(struct run *r, int from_client, uint16_t cport, uint32_t seq, uint32_t ack,
                    uint8_t flags, unsigned ecn)
{
    struct pg g;
    struct sf_frame f;
    flags = (uint8_t)(flags | ((ecn & 2) ? 0x80 : 0) | ((ecn & 1) ? 0x40 : 0));
    pg_segment(&g, from_client, cport, seq, ack, flags, 0, 1000);
    if (ecn & 4)
        g.b[14 + 20 + 12] |= 0x01;   /* AE: the low bit of the data offset byte */
    memset(&f, 0, sizeof(f));
    f.data = g.b;
    f.caplen = f.wirelen = (uint32_t)g.n;
    f.linktype = SF_LINKTYPE_ETHERNET;
    f.ts_ns = r->t;
    r->t += 1000000;
    sf_analyzer_frame(r->a, &f, ++r->frame);
}

static void finish(struct run *r)
{
    sf_analyzer_finish(r->a);
    sf_analyzer_free(r->a);
}

/* SYN, SYN+ACK, ACK, request, response, then the given close. */
static void open_and_talk(struct run *r, uint16_t port)
{
    seg(r, 1, port, 100, 0, F_SYN, 0);
    seg(r, 0, port, 500, 101, F_SYN | F_ACK, 0);
    seg(r, 1, port, 101, 501, F_ACK, 0);
    seg(r, 1, port, 101, 501, F_PSH | F_ACK, 10);
    seg(r, 0, port, 501, 111, F_PSH | F_ACK, 20);
    seg(r, 1, port, 111, 521, F_ACK, 0);
}

static void test_three_way_close(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    open_and_talk(&r, 40000);
    seg(&r, 1, 40000, 111, 521, F_FIN | F_ACK, 0);
    seg(&r, 0, 40000, 521, 112, F_FIN | F_ACK, 0);
    seg(&r, 1, 40000, 112, 522, F_ACK, 0);
    finish(&r);
    assert_int_equal(r.seen.n, 9);
    assert_int_equal(r.seen.role[0], SF_ROLE_SYN);
    assert_int_equal(r.seen.role[1], SF_ROLE_SYN_ACK);
    assert_int_equal(r.seen.role[2], SF_ROLE_HANDSHAKE_ACK);
    assert_int_equal(r.seen.phase[2], SF_PHASE_CONNECT);
    assert_int_equal(r.seen.role[3], SF_ROLE_DATA);
    assert_int_equal(r.seen.phase[3], SF_PHASE_DATA);
    assert_int_equal(r.seen.dir[4], SF_S2C);
    assert_int_equal(r.seen.role[6], SF_ROLE_FIN_ACTIVE);
    assert_int_equal(r.seen.role[7], SF_ROLE_FIN_PASSIVE);
    assert_int_equal(r.seen.role[8], SF_ROLE_LAST_ACK);
    assert_int_equal(r.seen.phase[8], SF_PHASE_CLOSE);
    /* relative numbers: ISN-based, like tcp.seq / tcp.ack */
    assert_int_equal(r.seen.seq[0], 0);
    assert_int_equal(r.seen.ack[1], 1);
    assert_int_equal(r.seen.seq[4], 1);
    assert_int_equal(r.seen.ack[4], 11);
    assert_int_equal(r.seen.nconn, 1);
    assert_int_equal(r.seen.kind[0], SF_CLOSE_THREE_WAY);
    assert_int_equal(r.seen.closer[0], SF_C2S);
    /* iRTT: SYN at t0, first ACK-without-SYN 2 ms later */
    assert_int_equal(r.seen.irtt[0], 2000000);
}

static void test_four_way_close_by_server(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    open_and_talk(&r, 40001);
    seg(&r, 0, 40001, 521, 111, F_FIN | F_ACK, 0);
    seg(&r, 1, 40001, 111, 522, F_ACK, 0);
    seg(&r, 1, 40001, 111, 522, F_FIN | F_ACK, 0);
    seg(&r, 0, 40001, 522, 112, F_ACK, 0);
    finish(&r);
    assert_int_equal(r.seen.role[6], SF_ROLE_FIN_ACTIVE);
    assert_int_equal(r.seen.role[7], SF_ROLE_ACK_OF_FIN);
    assert_int_equal(r.seen.role[8], SF_ROLE_FIN_PASSIVE);
    assert_int_equal(r.seen.role[9], SF_ROLE_LAST_ACK);
    assert_int_equal(r.seen.kind[0], SF_CLOSE_FOUR_WAY);
    assert_int_equal(r.seen.closer[0], SF_S2C);
}

static void test_simultaneous_and_half_close(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    open_and_talk(&r, 40002);
    /* both FINs sent before either was seen */
    seg(&r, 1, 40002, 111, 521, F_FIN | F_ACK, 0);
    seg(&r, 0, 40002, 521, 111, F_FIN | F_ACK, 0);
    seg(&r, 1, 40002, 112, 522, F_ACK, 0);
    seg(&r, 0, 40002, 522, 112, F_ACK, 0);
    finish(&r);
    assert_int_equal(r.seen.kind[0], SF_CLOSE_SIMULTANEOUS);

    start(&r);
    open_and_talk(&r, 40003);
    seg(&r, 1, 40003, 111, 521, F_FIN | F_ACK, 0);
    seg(&r, 0, 40003, 521, 112, F_ACK | F_PSH, 100);   /* data after the client's FIN */
    seg(&r, 1, 40003, 112, 621, F_ACK, 0);
    seg(&r, 0, 40003, 621, 112, F_FIN | F_ACK, 0);
    seg(&r, 1, 40003, 112, 622, F_ACK, 0);
    finish(&r);
    assert_int_equal(r.seen.kind[0], SF_CLOSE_HALF_CLOSE);
    assert_int_equal(r.seen.phase[7], SF_PHASE_CLOSE);
}

static void test_refused_unanswered_and_abort(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    seg(&r, 1, 40004, 100, 0, F_SYN, 0);
    seg(&r, 0, 40004, 0, 101, F_RST | F_ACK, 0);
    finish(&r);
    assert_int_equal(r.seen.role[1], SF_ROLE_RST_REFUSED);
    assert_int_equal(r.seen.kind[0], SF_CLOSE_REFUSED);

    start(&r);
    seg(&r, 1, 40005, 100, 0, F_SYN, 0);
    seg(&r, 1, 40005, 100, 0, F_SYN, 0);
    seg(&r, 1, 40005, 100, 0, F_SYN, 0);
    finish(&r);
    assert_int_equal(r.seen.role[1], SF_ROLE_SYN_RETRANS);
    assert_int_equal(r.seen.kind[0], SF_CLOSE_UNANSWERED_SYN);
    assert_int_equal(r.seen.irtt[0], -1);

    start(&r);
    open_and_talk(&r, 40006);
    seg(&r, 0, 40006, 521, 111, F_RST | F_ACK, 0);
    finish(&r);
    assert_int_equal(r.seen.role[6], SF_ROLE_RST_ABORT);
    assert_int_equal(r.seen.kind[0], SF_CLOSE_RST_ABORT);
    assert_int_equal(r.seen.closer[0], SF_S2C);
}

static void test_port_reuse_new_stream(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    open_and_talk(&r, 40007);
    seg(&r, 1, 40007, 111, 521, F_FIN | F_ACK, 0);
    seg(&r, 0, 40007, 521, 112, F_FIN | F_ACK, 0);
    seg(&r, 1, 40007, 112, 522, F_ACK, 0);
    /* same ports, new ISN: a new connection number */
    seg(&r, 1, 40007, 9000, 0, F_SYN, 0);
    finish(&r);
    assert_int_equal(r.seen.conn[8], 0);
    assert_int_equal(r.seen.conn[9], 1);
    assert_int_equal(r.seen.seq[9], 0);
    assert_int_equal(r.seen.nconn, 2);
    assert_int_equal(r.seen.why[0], SF_END_PORT_REUSE);
    assert_true(r.seen.reused[1]);
}

static void test_midstream_pickup(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    /* no handshake: the server's data comes first */
    seg(&r, 0, 40008, 7000, 3000, F_ACK | F_PSH, 100);
    seg(&r, 1, 40008, 3000, 7100, F_ACK, 0);
    finish(&r);
    /* Wireshark: base = first seq - 1, the other base from its ack - 1 */
    assert_int_equal(r.seen.seq[0], 1);
    assert_int_equal(r.seen.ack[0], 1);
    assert_int_equal(r.seen.seq[1], 1);
    assert_int_equal(r.seen.ack[1], 101);
    /* port 80 makes the sender of packet 1 the server: the client is a guess */
    assert_int_equal(r.seen.dir[0], SF_S2C);
    assert_true(r.seen.guess[0]);
    assert_int_equal(r.seen.kind[0], SF_CLOSE_OPEN);
    assert_int_equal(r.seen.phase[0], SF_PHASE_DATA);
}

static void test_totals_account_every_frame(void **state)
{
    struct run r;
    struct pg g;
    struct sf_frame f;
    const struct sf_totals *t;
    uint64_t sum = 0;
    (void)state;
    start(&r);
    open_and_talk(&r, 40009);
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x0806);
    pg_be32(&g, 0);
    memset(&f, 0, sizeof(f));
    f.data = g.b;
    f.caplen = f.wirelen = (uint32_t)g.n;
    f.linktype = SF_LINKTYPE_ETHERNET;
    sf_analyzer_frame(r.a, &f, ++r.frame);
    sf_analyzer_filtered(r.a, &f, ++r.frame);
    sf_analyzer_finish(r.a);
    t = sf_analyzer_totals(r.a);
    for (int i = 1; i < SF_SKIP_COUNT; i++)
        sum += t->skipped[i];
    assert_int_equal(t->frames, 8);
    assert_int_equal(t->tcp, 6);
    assert_int_equal(t->skipped[SF_SKIP_ARP], 1);
    assert_int_equal(t->filtered, 1);
    assert_int_equal(t->tcp + sum + t->filtered, t->frames);
    sf_analyzer_free(r.a);
}

static void test_idle_expiry_and_table_cap(void **state)
{
    struct sf_analyzer_config cfg;
    struct run r;
    struct sf_sink sink;
    (void)state;
    memset(&r, 0, sizeof(r));
    sf_analyzer_config_default(&cfg);
    cfg.idle_timeout_ns = 10LL * 1000000000LL;
    cfg.max_conns = 2;
    sink.ctx = &r.seen;
    sink.packet = on_packet;
    sink.conn_end = on_conn;
    r.a = sf_analyzer_new(&cfg, &sink);
    r.t = 1000000000LL;
    seg(&r, 1, 1, 100, 0, F_SYN, 0);
    seg(&r, 1, 2, 100, 0, F_SYN, 0);
    seg(&r, 1, 3, 100, 0, F_SYN, 0);   /* third one: the least active is ended */
    assert_int_equal(r.seen.nconn, 1);
    assert_int_equal(r.seen.why[0], SF_END_EVICTED);
    r.t += 60LL * 1000000000LL;
    seg(&r, 1, 4, 100, 0, F_SYN, 0);   /* a minute later: the others went idle */
    assert_int_equal(r.seen.why[1], SF_END_IDLE);
    finish(&r);
    assert_int_equal(r.seen.nconn, 4);
    assert_int_equal(r.seen.why[3], SF_END_INPUT);
}

/* Without the ACK flag tshark 4.0 shows tcp.ack raw, base or not (checked
 * with tshark 4.0.17 on the same sequence written to a pcap). */
static void test_ack_field_without_ack_flag_is_raw(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    seg(&r, 1, 40010, 1000, 777777, F_SYN, 0);        /* junk in a SYN's ack */
    seg(&r, 0, 40010, 5000, 1001, F_SYN | F_ACK, 0);
    seg(&r, 1, 40010, 1001, 5001, F_ACK, 0);
    seg(&r, 1, 40010, 1001, 9999, F_PSH, 3);          /* ACK clear: raw although a base is known */
    seg(&r, 1, 40010, 1004, 123456, F_RST, 0);
    finish(&r);
    assert_int_equal(r.seen.ack[0], 777777);
    assert_int_equal(r.seen.ack[1], 1);
    assert_int_equal(r.seen.ack[2], 1);
    assert_int_equal(r.seen.ack[3], 9999);
    assert_int_equal(r.seen.seq[3], 1);
    assert_int_equal(r.seen.ack[4], 123456);
}

/* AccECN as tshark 4.0.17 shows it (checked on the same combinations written
 * to a pcap): SYN 111 answered by 010, 011, 100 or 110 turns the three bits
 * into the ACE counter on every later segment; any other answer does not. */
static void test_accecn_ace_counter(void **state)
{
    static const struct { unsigned synack; bool agreed; } cases[] = {
        { 0, false }, { 2, true }, { 3, true }, { 4, true },
        { 5, false }, { 6, true }, { 7, false }, { 1, false },
    };
    struct run r;
    (void)state;
    start(&r);
    for (unsigned i = 0; i < 8; i++) {
        uint16_t port = (uint16_t)(41000 + i);
        seg_ecn(&r, 1, port, 1000, 0, F_SYN, 7);
        seg_ecn(&r, 0, port, 5000, 1001, F_SYN | F_ACK, cases[i].synack);
        seg_ecn(&r, 1, port, 1001, 5001, F_ACK, 2);
        assert_int_equal(r.seen.ace[3 * i], -1);
        assert_int_equal(r.seen.ace[3 * i + 1], -1);
        assert_int_equal(r.seen.ace[3 * i + 2], cases[i].agreed ? 2 : -1);
    }
    /* A SYN with only AE and CWR is no AccECN request. */
    seg_ecn(&r, 1, 42000, 1000, 0, F_SYN, 6);
    seg_ecn(&r, 0, 42000, 5000, 1001, F_SYN | F_ACK, 2);
    seg_ecn(&r, 1, 42000, 1001, 5001, F_ACK, 5);
    finish(&r);
    assert_int_equal(r.seen.ace[26], -1);
}


/* ---- attempts (issue 10): compact records, SYN timeout, --memcap ---------- */

/* A SYN as Linux sends it (MSS, SACK permitted, timestamps, window scale 7),
 * or any segment with those options, from 192.0.2.1:cport or the server. */
static void seg_opts(struct run *r, int from_client, uint16_t cport, uint32_t seq, uint32_t ack,
                     uint16_t flags, uint32_t len, int64_t gap_ns)
{
    static const uint8_t opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
                                      1, 3, 3, 7 };
    const uint32_t cl = 0xc0000201u, sv = 0xc0000202u;
    struct pg g;
    struct sf_frame f;
    memset(&g, 0, sizeof(g));
    pg_eth(&g, 0x0800);
    pg_ipv4(&g, from_client ? cl : sv, from_client ? sv : cl, 6, (uint16_t)(40 + len), 1, 0);
    pg_tcp(&g, from_client ? cport : 80, from_client ? 80 : cport, seq, ack, (uint8_t)flags, 64240,
           opts, sizeof(opts));
    if (flags & 0x100)
        g.b[14 + 20 + 12] |= 0x01;   /* AE */
    memset(g.b + g.n, 'x', len);
    g.n += len;
    memset(&f, 0, sizeof(f));
    f.data = g.b;
    f.caplen = f.wirelen = (uint32_t)g.n;
    f.linktype = SF_LINKTYPE_ETHERNET;
    f.ts_ns = r->t;
    r->t += gap_ns;
    sf_analyzer_frame(r->a, &f, ++r->frame);
}

/* Everything the sinks saw of one run, for comparing two runs. */
#define TRACE_MAX 32
struct trace {
    int n, nconn;
    struct sf_pkt_view v[TRACE_MAX];
    struct sf_conn at_packet[TRACE_MAX];   /* the connection as each packet left it */
    struct sf_conn ended[TRACE_MAX];
};

/* A record with what may differ between two equal states blanked: pointers,
 * list and table bookkeeping, capacities. */
static void blank(struct sf_conn *c)
{
    for (int d = 0; d < 2; d++) {
        c->half[d].an.segs = NULL;
        c->half[d].an.capsegs = 0;
    }
    c->rtt_samples = NULL;
    c->rtt_cap = 0;
    c->app_state = NULL;
    c->diag = NULL;
    c->hnext = c->lprev = c->lnext = NULL;
    c->flow_hash = 0;
    c->list_id = 0;
    c->app_tried = false;
}

static void tr_packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct trace *t = ctx;
    (void)p;
    if (!v || t->n >= TRACE_MAX)
        return;
    t->v[t->n] = *v;
    t->v[t->n].conn = NULL;
    memcpy(&t->at_packet[t->n], v->conn, sizeof(struct sf_conn));
    blank(&t->at_packet[t->n]);
    t->n++;
}

static void tr_conn(void *ctx, const struct sf_conn *c)
{
    struct trace *t = ctx;
    if (t->nconn >= TRACE_MAX)
        return;
    memcpy(&t->ended[t->nconn], c, sizeof(*c));
    blank(&t->ended[t->nconn]);
    t->nconn++;
}

/* The same sequences, through compact attempts and through full records
 * (cfg.full_attempts): every view and every record must be the same. */
static void run_script(struct trace *t, bool full, int script)
{
    struct sf_analyzer_config cfg;
    struct sf_sink sink = { t, tr_packet, tr_conn };
    struct run r;
    memset(t, 0, sizeof(*t));
    memset(&r, 0, sizeof(r));
    sf_analyzer_config_default(&cfg);
    cfg.full_attempts = full;
    cfg.syn_timeout_ns = 3LL * 1000000000LL;
    r.a = sf_analyzer_new(&cfg, &sink);
    assert_non_null(r.a);
    r.t = 1000000000LL;
    switch (script) {
    case 0:   /* one SYN, nothing back */
        seg_opts(&r, 1, 1000, 7, 0, F_SYN, 0, 1000000);
        break;
    case 1:   /* SYN sent again, then answered, data, close */
        seg_opts(&r, 1, 1001, 7, 0, F_SYN, 0, 1000000000LL);
        seg_opts(&r, 1, 1001, 7, 0, F_SYN, 0, 2000000);
        seg_opts(&r, 0, 1001, 900, 8, F_SYN | F_ACK, 0, 2000000);
        seg_opts(&r, 1, 1001, 8, 901, F_ACK, 0, 1000000);
        seg_opts(&r, 1, 1001, 8, 901, F_PSH | F_ACK, 30, 2000000);
        seg_opts(&r, 0, 1001, 901, 38, F_PSH | F_ACK, 50, 1000000);
        seg_opts(&r, 1, 1001, 38, 951, F_FIN | F_ACK, 0, 1000000);
        seg_opts(&r, 0, 1001, 951, 39, F_FIN | F_ACK, 0, 1000000);
        seg_opts(&r, 1, 1001, 39, 952, F_ACK, 0, 1000000);
        break;
    case 2:   /* refused */
        seg_opts(&r, 1, 1002, 7, 0, F_SYN, 0, 1000000);
        seg_opts(&r, 0, 1002, 0, 8, F_RST | F_ACK, 0, 1000000);
        break;
    case 3:   /* a new ISN on the same ports: port reuse, twice */
        seg_opts(&r, 1, 1003, 7, 0, F_SYN, 0, 1000000);
        seg_opts(&r, 1, 1003, 70000, 0, F_SYN, 0, 1000000);
        seg_opts(&r, 0, 1003, 5, 70001, F_SYN | F_ACK, 0, 1000000);
        seg_opts(&r, 1, 1003, 9, 0, F_SYN, 0, 1000000);
        break;
    case 4:   /* AccECN SYN answered; ACK field set on a SYN; several attempts at once */
        seg_opts(&r, 1, 1004, 7, 0, F_SYN | 0x80 | 0x40 | 0x100, 0, 1000000);
        seg_opts(&r, 1, 1005, 7, 12345, F_SYN, 0, 1000000);
        seg_opts(&r, 1, 1006, 7, 0, F_SYN, 0, 1000000);
        seg_opts(&r, 0, 1004, 900, 8, F_SYN | F_ACK | 0x80, 0, 1000000);
        seg_opts(&r, 1, 1004, 8, 901, F_ACK | 0x40, 0, 1000000);
        seg_opts(&r, 0, 1006, 900, 8, F_SYN | F_ACK, 0, 1000000);
        break;
    case 5:   /* attempts past the SYN timeout, one of them a full record (sent twice) */
        seg_opts(&r, 1, 1007, 7, 0, F_SYN, 0, 1000000);
        seg_opts(&r, 1, 1008, 7, 0, F_SYN, 0, 1000000);
        seg_opts(&r, 1, 1008, 7, 0, F_SYN, 0, 5000000000LL);
        seg_opts(&r, 1, 1009, 7, 0, F_SYN, 0, 1000000);   /* 5 s later: both ended */
        seg_opts(&r, 1, 1007, 7, 0, F_SYN, 0, 1000000);   /* a late copy: a new number */
        break;
    }
    sf_analyzer_finish(r.a);
    sf_analyzer_free(r.a);
}

static void test_attempts_same_as_full_records(void **state)
{
    static struct trace a, b;   /* large: not on the stack */
    (void)state;
    for (int script = 0; script <= 5; script++) {
        run_script(&a, false, script);
        run_script(&b, true, script);
        assert_true(a.n > 0);
        assert_int_equal(a.n, b.n);
        assert_int_equal(a.nconn, b.nconn);
        for (int i = 0; i < a.n; i++) {
            assert_memory_equal(&a.v[i], &b.v[i], sizeof(a.v[i]));
            assert_memory_equal(&a.at_packet[i], &b.at_packet[i], sizeof(a.at_packet[i]));
        }
        for (int i = 0; i < a.nconn; i++)
            assert_memory_equal(&a.ended[i], &b.ended[i], sizeof(a.ended[i]));
    }
    /* The scripts do what they say: the timeout ended two attempts. */
    run_script(&a, false, 5);
    assert_int_equal(a.nconn, 4);
    assert_int_equal(a.ended[0].end_reason, SF_END_SYN_TIMEOUT);
    assert_int_equal(a.ended[1].end_reason, SF_END_SYN_TIMEOUT);
    assert_int_equal(a.ended[0].close_kind, SF_CLOSE_UNANSWERED_SYN);
    assert_int_equal(a.ended[1].id, 1);
    assert_int_equal(a.ended[1].half[SF_C2S].syn_count, 2);
    run_script(&a, false, 2);
    assert_int_equal(a.ended[0].close_kind, SF_CLOSE_REFUSED);
}

struct counted {
    uint64_t conns, by_reason[SF_END_COUNT];
};

static void count_conn(void *ctx, const struct sf_conn *c)
{
    struct counted *k = ctx;
    k->conns++;
    k->by_reason[c->end_reason]++;
}

/* A flood of one-SYN attempts: the record stays within its bound and what
 * the analyzer measures per attempt does too. */
static void test_attempt_size_bound(void **state)
{
    struct counted k;
    struct sf_sink sink = { &k, NULL, count_conn };
    const struct sf_totals *t;
    struct run r;
    const int n = 20000;
    uint64_t base;
    (void)state;
    assert_true(sizeof(struct sf_halfopen) <= SF_HALFOPEN_MAX_BYTES);
    assert_true(sizeof(struct sf_halfopen) <= 128);   /* what docs/architecture.md says */
    memset(&k, 0, sizeof(k));
    memset(&r, 0, sizeof(r));
    r.a = sf_analyzer_new(NULL, &sink);
    r.t = 1000000000LL;
    seg_opts(&r, 1, 1, 7, 0, F_SYN, 0, 1000);
    base = sf_analyzer_totals(r.a)->mem_peak;
    for (int i = 1; i < n; i++)
        seg_opts(&r, 1, (uint16_t)(1 + i), (uint32_t)i, 0, F_SYN, 0, 1000);
    t = sf_analyzer_totals(r.a);
    /* record + its share of the index (at most half full, doubling) */
    assert_true((t->mem_peak - base) / (uint64_t)(n - 1) <= SF_HALFOPEN_MAX_BYTES);
    assert_int_equal(t->attempts_max, n);
    sf_analyzer_finish(r.a);
    assert_int_equal(k.conns, n);
    assert_int_equal(t->ended[SF_END_INPUT], n);
    assert_int_equal(t->close_kinds[SF_CLOSE_UNANSWERED_SYN], n);
    sf_analyzer_free(r.a);
}

/* Under --memcap the least useful state goes first: closed connections,
 * then attempts; an open connection with data stays; every connection is
 * still written and counted. */
static void test_memcap_releases_least_useful_first(void **state)
{
    struct sf_analyzer_config cfg;
    struct counted k;
    struct sf_sink sink = { &k, NULL, count_conn };
    const struct sf_totals *t;
    struct run r;
    uint64_t sum = 0, kinds = 0;
    (void)state;
    memset(&k, 0, sizeof(k));
    memset(&r, 0, sizeof(r));
    sf_analyzer_config_default(&cfg);
    cfg.memcap = 256u << 10;
    r.a = sf_analyzer_new(&cfg, &sink);
    r.t = 1000000000LL;
    /* one open connection with data, one closed */
    seg_opts(&r, 1, 1, 7, 0, F_SYN, 0, 1000);
    seg_opts(&r, 0, 1, 900, 8, F_SYN | F_ACK, 0, 1000);
    seg_opts(&r, 1, 1, 8, 901, F_PSH | F_ACK, 10, 1000);
    seg_opts(&r, 1, 2, 7, 0, F_SYN, 0, 1000);
    seg_opts(&r, 0, 2, 0, 8, F_RST | F_ACK, 0, 1000);
    for (int i = 0; i < 20000; i++)
        seg_opts(&r, 1, (uint16_t)(10 + i), (uint32_t)i, 0, F_SYN, 0, 1000);
    t = sf_analyzer_totals(r.a);
    assert_true(t->ended[SF_END_MEMCAP] > 0);
    /* the closed one went first, the open one is still tracked */
    assert_int_equal(k.by_reason[SF_END_MEMCAP], t->ended[SF_END_MEMCAP]);
    assert_true(t->mem_peak <= cfg.memcap + 4096);
    sf_analyzer_finish(r.a);
    assert_int_equal(k.conns, 20002);
    for (int i = 0; i < SF_END_COUNT; i++)
        sum += t->ended[i];
    for (int i = 0; i < SF_CLOSE_COUNT; i++)
        kinds += t->close_kinds[i];
    assert_int_equal(sum, t->conns);
    assert_int_equal(kinds, t->conns);
    assert_int_equal(t->close_kinds[SF_CLOSE_REFUSED], 1);
    assert_int_equal(t->close_kinds[SF_CLOSE_UNANSWERED_SYN], 20000);
    sf_analyzer_free(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_three_way_close),
        cmocka_unit_test(test_four_way_close_by_server),
        cmocka_unit_test(test_simultaneous_and_half_close),
        cmocka_unit_test(test_refused_unanswered_and_abort),
        cmocka_unit_test(test_port_reuse_new_stream),
        cmocka_unit_test(test_midstream_pickup),
        cmocka_unit_test(test_totals_account_every_frame),
        cmocka_unit_test(test_idle_expiry_and_table_cap),
        cmocka_unit_test(test_ack_field_without_ack_flag_is_raw),
        cmocka_unit_test(test_accecn_ace_counter),
        cmocka_unit_test(test_attempts_same_as_full_records),
        cmocka_unit_test(test_attempt_size_bound),
        cmocka_unit_test(test_memcap_releases_least_useful_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
