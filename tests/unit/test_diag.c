/* test_diag.c - the time split and each detector of docs/diagnosis.md on scripted segment sequences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "synfin/analyzer.h"
#include "synfin/diag.h"
#include "diag/diag.h"
#include "pktgen.h"

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };
#define MS 1000000LL

struct run {
    struct sf_analyzer *a;
    uint64_t frame;
    int64_t t, t0;
    /* What the connection's record said. */
    bool ended;
    struct sf_time_split split;
    struct sf_diag_finding f[SF_DIAG_FINDINGS_MAX];
    unsigned nf;
    int64_t duration;
};

static void on_end(void *ctx, const struct sf_conn *c)
{
    struct run *r = ctx;
    r->ended = true;
    sf_diag_conn_split(c, &r->split);
    r->nf = sf_diag_conn_findings(c, r->f, SF_DIAG_FINDINGS_MAX);
    r->duration = c->last_ts - c->first_ts;
}

static void start(struct run *r)
{
    struct sf_sink sink;
    memset(r, 0, sizeof(*r));
    memset(&sink, 0, sizeof(sink));
    sink.ctx = r;
    sink.conn_end = on_end;
    r->a = sf_analyzer_new(NULL, &sink);
    assert_non_null(r->a);
    r->t0 = r->t = 1000000000LL;
}

/* dt_us: time since the previous segment, in microseconds. */
static void seg(struct run *r, int from_client, uint32_t seq, uint32_t ack, uint8_t flags, uint32_t len,
                uint16_t win, int64_t dt_us)
{
    struct pg g;
    struct sf_frame f;
    pg_segment(&g, from_client, 40000, seq, ack, flags, len, win);
    memset(&f, 0, sizeof(f));
    f.data = g.b;
    f.caplen = f.wirelen = (uint32_t)g.n;
    f.linktype = SF_LINKTYPE_ETHERNET;
    r->t += dt_us * 1000;
    f.ts_ns = r->t;
    sf_analyzer_frame(r->a, &f, ++r->frame);
}

/* Client ISN 100, server ISN 500; iRTT 20 ms. */
static void handshake(struct run *r)
{
    seg(r, 1, 100, 0, F_SYN, 0, 65535, 0);
    seg(r, 0, 500, 101, F_SYN | F_ACK, 0, 65535, 10000);
    seg(r, 1, 101, 501, F_ACK, 0, 65535, 10000);
}

static void finish(struct run *r)
{
    sf_analyzer_finish(r->a);
    sf_analyzer_free(r->a);
    assert_true(r->ended);
}

static const struct sf_diag_finding *find(const struct run *r, enum sf_diag_kind k)
{
    for (unsigned i = 0; i < r->nf; i++)
        if (r->f[i].kind == k)
            return &r->f[i];
    return NULL;
}

static void only(const struct run *r, enum sf_diag_kind k)
{
    for (unsigned i = 0; i < r->nf; i++)
        if (r->f[i].kind != k)
            fail_msg("unexpected %s besides %s", sf_diag_kind_name(r->f[i].kind), sf_diag_kind_name(k));
    assert_non_null(find(r, k));
}

static void test_syn_backoff(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    (void)state;
    start(&r);
    seg(&r, 1, 100, 0, F_SYN, 0, 65535, 0);
    seg(&r, 1, 100, 0, F_SYN, 0, 65535, 1000000);   /* 1 s later */
    seg(&r, 1, 100, 0, F_SYN, 0, 65535, 2000000);   /* 2 s later */
    seg(&r, 0, 500, 101, F_SYN | F_ACK, 0, 65535, 10000);
    seg(&r, 1, 101, 501, F_ACK, 0, 65535, 10000);
    finish(&r);
    only(&r, SF_DIAG_SYN_RETRANSMISSION);
    f = find(&r, SF_DIAG_SYN_RETRANSMISSION);
    assert_int_equal(f->dir, SF_C2S);
    assert_int_equal(f->count, 2);
    assert_int_equal(f->nwaits, 2);
    assert_int_equal(f->waits_ns[0], 1000 * MS);
    assert_int_equal(f->waits_ns[1], 2000 * MS);
    assert_int_equal(f->ns, 3000 * MS);
    assert_int_equal(f->nframes, 3);
    assert_int_equal(f->frames[0], 1);
    assert_int_equal(f->frames[2], 3);
    assert_int_equal(r.split.syn_retries, 2);
    assert_int_equal(r.split.part[SF_SPLIT_HANDSHAKE].ns, 3020 * MS);
}

/* Three duplicate ACKs ask for a hole: a fast retransmission, whose cost
 * runs from the first copy to the resend. */
static void test_fast_retransmit(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 1000);   /* 4: request */
    seg(&r, 0, 501, 151, F_ACK, 500, 65535, 20000);         /* 5 */
    seg(&r, 0, 1001, 151, F_ACK, 500, 65535, 100);          /* 6: lost after the capture point */
    seg(&r, 0, 1501, 151, F_ACK, 500, 65535, 100);          /* 7 */
    seg(&r, 0, 2001, 151, F_ACK, 500, 65535, 100);          /* 8 */
    seg(&r, 0, 2501, 151, F_ACK, 500, 65535, 100);          /* 9 */
    seg(&r, 1, 151, 1001, F_ACK, 0, 65535, 20000);          /* 10 */
    seg(&r, 1, 151, 1001, F_ACK, 0, 65535, 100);            /* 11: dup #1 */
    seg(&r, 1, 151, 1001, F_ACK, 0, 65535, 100);            /* 12: dup #2 */
    seg(&r, 1, 151, 1001, F_ACK, 0, 65535, 100);            /* 13: dup #3 */
    seg(&r, 0, 1001, 151, F_ACK, 500, 65535, 200);          /* 14: fast retransmission */
    seg(&r, 1, 151, 3001, F_ACK, 0, 65535, 20000);
    finish(&r);
    only(&r, SF_DIAG_FAST_RETRANSMIT);
    f = find(&r, SF_DIAG_FAST_RETRANSMIT);
    assert_int_equal(f->dir, SF_S2C);
    assert_int_equal(f->count, 1);
    /* frame 6 at 20.1 ms after the request, the resend 20.9 ms after that */
    assert_int_equal(f->ns, (int64_t)(100 + 100 + 100 + 20000 + 100 + 100 + 100 + 200) * 1000);
    assert_int_equal(f->frames[0], 6);
    assert_int_equal(f->frames[1], 14);
}

/* No duplicate ACK came back: the sender waits for its timer. */
static void test_rto(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 1000);   /* 4 */
    seg(&r, 0, 501, 151, F_ACK, 500, 65535, 20000);         /* 5: lost, the client says nothing */
    seg(&r, 0, 501, 151, F_ACK, 500, 65535, 300000);        /* 6: 300 ms later */
    seg(&r, 1, 151, 1001, F_ACK, 0, 65535, 20000);
    finish(&r);
    only(&r, SF_DIAG_RTO);
    f = find(&r, SF_DIAG_RTO);
    assert_int_equal(f->ns, 300 * MS);
    assert_int_equal(f->frames[0], 5);
    assert_int_equal(f->frames[1], 6);
}

/* A quick resend that no duplicate ACK or SACK asked for is a tail-loss
 * probe: not a loss, nothing named. */
static void test_tail_loss_probe_is_not_a_loss(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 1000);
    seg(&r, 0, 501, 151, F_ACK, 500, 65535, 20000);
    seg(&r, 0, 501, 151, F_ACK, 500, 65535, 30000);         /* 30 ms: a probe */
    seg(&r, 1, 151, 1001, F_ACK, 0, 65535, 20000);
    finish(&r);
    assert_int_equal(r.nf, 0);
}

static void test_zero_window_episode(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 1000);
    seg(&r, 0, 501, 151, F_ACK, 500, 65535, 20000);
    seg(&r, 1, 151, 1001, F_ACK, 0, 0, 1000);               /* 6: zero window */
    seg(&r, 1, 151, 1001, F_ACK, 0, 4000, 500000);          /* 7: opens 500 ms later */
    seg(&r, 0, 1001, 151, F_ACK, 500, 65535, 10000);
    seg(&r, 1, 151, 1501, F_ACK, 0, 65535, 20000);
    finish(&r);
    f = find(&r, SF_DIAG_ZERO_WINDOW);
    assert_non_null(f);
    assert_int_equal(f->dir, SF_C2S);   /* the receiver that closed its window */
    assert_int_equal(f->count, 1);
    assert_int_equal(f->ns, 500 * MS);
    assert_int_equal(f->frames[0], 6);
    assert_int_equal(f->frames[1], 7);
    /* the server's pause was the window's doing, not its application's */
    assert_null(find(&r, SF_DIAG_SENDER_LIMITED));
}

/* The window fills three times and the sender waits each time. */
static void test_window_limited(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    uint32_t seq = 501;
    (void)state;
    start(&r);
    seg(&r, 1, 100, 0, F_SYN, 0, 1000, 0);
    seg(&r, 0, 500, 101, F_SYN | F_ACK, 0, 65535, 10000);
    seg(&r, 1, 101, 501, F_ACK, 0, 1000, 10000);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 1000, 1000);
    for (int i = 0; i < 4; i++) {
        seg(&r, 0, seq, 151, F_ACK, 500, 65535, i ? 100 : 20000);
        seg(&r, 0, seq + 500, 151, F_ACK, 500, 65535, 100);    /* fills the 1000-byte window */
        seq += 1000;
        seg(&r, 1, 151, seq, F_ACK, 0, 1000, 20000);           /* ACK, 20 ms later */
    }
    finish(&r);
    f = find(&r, SF_DIAG_WINDOW_LIMITED);
    assert_non_null(f);
    assert_int_equal(f->dir, SF_S2C);
    assert_int_equal(f->count, 3);   /* the fourth fill has no next segment */
    assert_int_equal(f->ns, 3 * 20100 * 1000LL);
    assert_null(find(&r, SF_DIAG_SENDER_LIMITED));
}

/* write(headers), write(body) without TCP_NODELAY: the body waits for the
 * ACK of the headers, which the server delays 40 ms. */
static void test_nagle_delayed_ack(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 150, 65535, 1000);  /* 4: headers */
    seg(&r, 0, 501, 251, F_ACK, 0, 65535, 50000);           /* 5: the ACK, 50 ms later */
    seg(&r, 1, 251, 501, F_ACK | F_PSH, 300, 65535, 100);   /* 6: the body at once */
    seg(&r, 0, 501, 551, F_ACK | F_PSH, 200, 65535, 15000); /* 7: response */
    seg(&r, 1, 551, 701, F_ACK, 0, 65535, 20000);
    finish(&r);
    only(&r, SF_DIAG_NAGLE_DELAYED_ACK);
    f = find(&r, SF_DIAG_NAGLE_DELAYED_ACK);
    assert_int_equal(f->dir, SF_C2S);
    assert_int_equal(f->ns, 50 * MS);
    assert_int_equal(f->nframes, 3);
    assert_int_equal(f->frames[0], 4);
    assert_int_equal(f->frames[1], 5);
    assert_int_equal(f->frames[2], 6);
}

/* The same with the body 30 ms after the ACK: the application was late,
 * not Nagle; and an ACK within one RTT is not delayed. */
static void test_no_nagle_without_the_pattern(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 150, 65535, 1000);
    seg(&r, 0, 501, 251, F_ACK, 0, 65535, 50000);
    seg(&r, 1, 251, 501, F_ACK | F_PSH, 300, 65535, 30000); /* 30 ms after the ACK */
    seg(&r, 0, 501, 551, F_ACK, 0, 65535, 21000);           /* prompt ACK (one RTT) */
    seg(&r, 1, 551, 501, F_ACK | F_PSH, 300, 65535, 100);
    seg(&r, 0, 501, 851, F_ACK | F_PSH, 200, 65535, 15000);
    seg(&r, 1, 851, 701, F_ACK, 0, 65535, 20000);
    finish(&r);
    assert_null(find(&r, SF_DIAG_NAGLE_DELAYED_ACK));
}

/* The server stops for 300 ms in the middle of its response with
 * everything ACKed and the window open; a request-response turn is not
 * such a pause. */
static void test_sender_limited(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 1000);   /* 4 */
    seg(&r, 0, 501, 151, F_ACK, 500, 65535, 400000);        /* 5: 400 ms think time: not counted */
    seg(&r, 1, 151, 1001, F_ACK, 0, 65535, 20000);          /* 6 */
    seg(&r, 0, 1001, 151, F_ACK, 500, 65535, 300000);       /* 7: 300 ms pause */
    seg(&r, 1, 151, 1501, F_ACK, 0, 65535, 20000);
    finish(&r);
    only(&r, SF_DIAG_SENDER_LIMITED);
    f = find(&r, SF_DIAG_SENDER_LIMITED);
    assert_int_equal(f->dir, SF_S2C);
    assert_int_equal(f->count, 1);
    assert_int_equal(f->ns, 320 * MS);
    assert_int_equal(f->frames[0], 5);
    assert_int_equal(f->frames[1], 7);
}

/* Ten segments in flight, a timeout, then no more than three: the
 * congestion window was cut. */
static void test_congestion_limited(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    uint32_t seq = 501;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 1000);
    for (int i = 0; i < 10; i++, seq += 536)
        seg(&r, 0, seq, 151, F_ACK, 536, 65535, i ? 100 : 20000);
    seg(&r, 0, 501, 151, F_ACK, 536, 65535, 300000);         /* RTO resend of the first */
    seg(&r, 1, 151, seq, F_ACK, 0, 65535, 20000);            /* all ACKed */
    seg(&r, 0, seq, 151, F_ACK, 536, 65535, 5000);           /* 25 ms after the resend */
    seg(&r, 0, seq + 536, 151, F_ACK, 536, 65535, 100);
    seg(&r, 1, 151, seq + 1072, F_ACK, 0, 65535, 20000);
    seq += 1072;
    for (int i = 0; i < 3; i++, seq += 536)
        seg(&r, 0, seq, 151, F_ACK, 536, 65535, i ? 100 : 100);
    seg(&r, 1, 151, seq, F_ACK, 0, 65535, 20000);
    seg(&r, 0, seq, 151, F_ACK, 536, 65535, 100);             /* > 3 RTT after the resend */
    seg(&r, 1, 151, seq + 536, F_ACK, 0, 65535, 20000);
    finish(&r);
    f = find(&r, SF_DIAG_CONGESTION_LIMITED);
    assert_non_null(f);
    assert_int_equal(f->before, 10 * 536);
    assert_int_equal(f->after, 2 * 536);   /* the round 1-2 RTTs after the resend */
    assert_non_null(find(&r, SF_DIAG_RTO));
}

/* A GET: the parts add up to the duration; think time is the wait less
 * one RTT. */
static void test_split_adds_up(void **state)
{
    struct run r;
    int64_t sum = 0;
    (void)state;
    start(&r);
    handshake(&r);                                          /* 20 ms */
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 5000);   /* idle 5 ms */
    seg(&r, 1, 151, 501, F_ACK | F_PSH, 50, 65535, 1000);   /* request 1 ms */
    seg(&r, 0, 501, 201, F_ACK, 500, 65535, 70000);         /* wait 70 ms */
    seg(&r, 0, 1001, 201, F_ACK, 500, 65535, 2000);         /* response 2 ms */
    seg(&r, 1, 201, 1501, F_ACK | F_FIN, 0, 65535, 10000);  /* tail 10 ms + 10 ms */
    seg(&r, 0, 1501, 202, F_ACK | F_FIN, 0, 65535, 10000);
    seg(&r, 1, 202, 1502, F_ACK, 0, 65535, 10000);
    finish(&r);
    assert_int_equal(r.nf, 0);
    assert_int_equal(r.split.part[SF_SPLIT_HANDSHAKE].ns, 20 * MS);
    assert_int_equal(r.split.part[SF_SPLIT_TLS].ns, -1);
    assert_int_equal(r.split.part[SF_SPLIT_REQUEST].ns, 1 * MS);
    assert_int_equal(r.split.part[SF_SPLIT_WAIT].ns, 70 * MS);
    assert_int_equal(r.split.part[SF_SPLIT_WAIT].from_frame, 5);
    assert_int_equal(r.split.part[SF_SPLIT_WAIT].to_frame, 6);
    assert_int_equal(r.split.part[SF_SPLIT_RESPONSE].ns, 2 * MS);
    assert_int_equal(r.split.part[SF_SPLIT_IDLE].ns, 35 * MS);
    assert_int_equal(r.split.server_think_ns, 50 * MS);
    for (int i = 0; i < SF_SPLIT_COUNT; i++)
        if (r.split.part[i].ns > 0)
            sum += r.split.part[i].ns;
    assert_int_equal(sum, r.duration);
}

/* The RTT of the server's data climbs from 20 ms to 150 ms as it sends:
 * a queue filling on the path. */
static void test_bufferbloat(void **state)
{
    struct run r;
    const struct sf_diag_finding *f;
    /* Segment i leaves at 10 ms * i; its ACK comes back rtt(i) later: the
     * events merged in time order (t in us from the first segment). */
    struct { int64_t t; int ack; int i; } ev[24], x;
    int64_t now = 0;
    (void)state;
    for (int i = 0; i < 12; i++) {
        int64_t rtt_us = i < 4 ? 20000 : 20000 + 15000 * (i - 3);   /* up to 155 ms */
        ev[2 * i].t = 10000LL * i;
        ev[2 * i].ack = 0;
        ev[2 * i].i = i;
        ev[2 * i + 1].t = 10000LL * i + rtt_us;
        ev[2 * i + 1].ack = 1;
        ev[2 * i + 1].i = i;
    }
    for (int i = 1; i < 24; i++)
        for (int j = i; j > 0 && ev[j - 1].t > ev[j].t; j--) {
            x = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = x;
        }
    start(&r);
    handshake(&r);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 1000);
    for (int k = 0; k < 24; k++) {
        uint32_t s0 = 501 + 500u * (uint32_t)ev[k].i;
        int64_t dt = ev[k].t - now + (k ? 0 : 20000);
        now = ev[k].t;
        if (ev[k].ack)
            seg(&r, 1, 151, s0 + 500, F_ACK, 0, 65535, dt);
        else
            seg(&r, 0, s0, 151, F_ACK, 500, 65535, dt);
    }
    finish(&r);
    only(&r, SF_DIAG_BUFFERBLOAT);
    f = find(&r, SF_DIAG_BUFFERBLOAT);
    assert_int_equal(f->dir, SF_S2C);
    assert_true(f->after >= 140 * MS && f->after <= 155 * MS);   /* the largest samples */
    assert_true(f->before <= 20 * MS);
}

/* A steady 80 ms path with a few 40 ms delayed ACKs is not a queue. */
static void test_no_bufferbloat_on_a_long_path(void **state)
{
    struct run r;
    uint32_t seq = 501;
    (void)state;
    start(&r);
    seg(&r, 1, 100, 0, F_SYN, 0, 65535, 0);
    seg(&r, 0, 500, 101, F_SYN | F_ACK, 0, 65535, 40000);
    seg(&r, 1, 101, 501, F_ACK, 0, 65535, 40000);
    seg(&r, 1, 101, 501, F_ACK | F_PSH, 50, 65535, 1000);
    for (int i = 0; i < 12; i++, seq += 500) {
        seg(&r, 0, seq, 151, F_ACK, 500, 65535, i ? 1000 : 80000);
        seg(&r, 1, 151, seq + 500, F_ACK, 0, 65535, i % 4 == 3 ? 120000 : 80000);
    }
    finish(&r);
    assert_null(find(&r, SF_DIAG_BUFFERBLOAT));
}

/* Pipelining: the second request is complete long before the first
 * response ends, so its response is queued behind it. */
static void test_hol_blocking(void **state)
{
    struct sf_conn c;
    struct sf_diag *d = calloc(1, sizeof(*d));
    struct sf_http_txn t1, t2;
    struct sf_time_split sp;
    struct sf_diag_finding f[SF_DIAG_FINDINGS_MAX];
    unsigned n;
    (void)state;
    assert_non_null(d);
    memset(&c, 0, sizeof(c));
    c.irtt_ns = 1 * MS;
    c.diag = d;
    memset(&t1, 0, sizeof(t1));
    t1.conn = &c;
    t1.n = 1;
    t1.req.present = t1.resp.present = true;
    t1.req.first_frame = t1.req.last_data_frame = 4;
    t1.req.first_ts = t1.req.last_ts = 0;
    t1.resp.first_frame = 6;
    t1.resp.first_ts = 2 * MS;
    t1.resp.last_data_frame = 90;
    t1.resp.last_ts = 500 * MS;
    t2 = t1;
    t2.n = 2;
    t2.req.first_frame = t2.req.last_data_frame = 5;
    t2.req.first_ts = t2.req.last_ts = 100000;   /* 0.1 ms */
    t2.resp.first_frame = 90;
    t2.resp.first_ts = 500 * MS;
    t2.resp.last_data_frame = 95;
    t2.resp.last_ts = 510 * MS;

    n = sf_diag_txn_findings(&t1, f, SF_DIAG_FINDINGS_MAX);
    assert_int_equal(n, 0);
    sf_diag_txn_split(&t2, &sp);
    assert_int_equal(sp.queued_ns, 500 * MS - 100000);
    assert_int_equal(sp.part[SF_SPLIT_IDLE].ns, -1);   /* pipelined: no idle before it */
    assert_int_equal(sp.server_think_ns, 0);
    n = sf_diag_txn_findings(&t2, f, SF_DIAG_FINDINGS_MAX);   /* asking twice: the same */
    assert_int_equal(n, 1);
    assert_int_equal(f[0].kind, SF_DIAG_HOL_BLOCKING);
    assert_int_equal(f[0].ns, 500 * MS - 100000);
    assert_int_equal(f[0].frames[0], 5);
    assert_int_equal(f[0].frames[1], 90);
    c.diag = d;
    sf_diag_free(&c);
    assert_null(c.diag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syn_backoff),
        cmocka_unit_test(test_fast_retransmit),
        cmocka_unit_test(test_rto),
        cmocka_unit_test(test_tail_loss_probe_is_not_a_loss),
        cmocka_unit_test(test_zero_window_episode),
        cmocka_unit_test(test_window_limited),
        cmocka_unit_test(test_nagle_delayed_ack),
        cmocka_unit_test(test_no_nagle_without_the_pattern),
        cmocka_unit_test(test_sender_limited),
        cmocka_unit_test(test_congestion_limited),
        cmocka_unit_test(test_split_adds_up),
        cmocka_unit_test(test_bufferbloat),
        cmocka_unit_test(test_no_bufferbloat_on_a_long_path),
        cmocka_unit_test(test_hol_blocking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
