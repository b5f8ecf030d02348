/* test_analysis.c - Wireshark's tcp.analysis rules on scripted segment sequences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "synfin/analyzer.h"
#include "pktgen.h"

#define C 0xc0000201u
#define S 0xc0000202u

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };

struct seen {
    int n;
    uint32_t an[64];
    uint32_t dupnum[64];
    uint64_t dupframe[64], acked[64], orig[64];
    int64_t bif[64], rtt[64];
};

static void on_packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct seen *s = ctx;
    (void)p;
    if (!v || s->n >= 64)
        return;
    s->an[s->n] = v->analysis;
    s->dupnum[s->n] = v->dup_ack_num;
    s->dupframe[s->n] = v->dup_ack_frame;
    s->acked[s->n] = v->acked_frame;
    s->orig[s->n] = v->original_frame;
    s->bif[s->n] = v->bytes_in_flight;
    s->rtt[s->n] = v->ack_rtt_ns;
    s->n++;
}

struct run {
    struct sf_analyzer *a;
    struct seen seen;
    uint64_t frame;
    int64_t t;
};

static void start(struct run *r)
{
    struct sf_sink sink;
    memset(r, 0, sizeof(*r));
    sink.ctx = &r->seen;
    sink.packet = on_packet;
    sink.conn_end = NULL;
    r->a = sf_analyzer_new(NULL, &sink);
    assert_non_null(r->a);
    r->t = 1000000000LL;
}

/* dt_us: time since the previous segment, in microseconds. */
static void seg(struct run *r, int from_client, uint32_t seq, uint32_t ack, uint8_t flags,
                uint32_t len, uint16_t win, int64_t dt_us)
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

static void handshake(struct run *r)
{
    seg(r, 1, 100, 0, F_SYN, 0, 1000, 0);          /* frame 1 */
    seg(r, 0, 500, 101, F_SYN | F_ACK, 0, 1000, 10000);
    seg(r, 1, 101, 501, F_ACK, 0, 1000, 10000);    /* iRTT 20 ms */
}

static void finish(struct run *r)
{
    sf_analyzer_finish(r->a);
    sf_analyzer_free(r->a);
}

static void test_loss_dupacks_fast_retransmission(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 0, 501, 101, F_ACK, 100, 1000, 1000);   /* 4: bytes 1..100 */
    /* 101..200 lost before the capture point */
    seg(&r, 0, 701, 101, F_ACK, 100, 1000, 1000);   /* 5: lost_segment */
    seg(&r, 1, 101, 601, F_ACK, 0, 1000, 1000);     /* 6: ACK 101 (rel) */
    seg(&r, 1, 101, 601, F_ACK, 0, 1000, 1000);     /* 7: dup ACK #1 of 6 */
    seg(&r, 1, 101, 601, F_ACK, 0, 1000, 1000);     /* 8: dup ACK #2 */
    seg(&r, 0, 601, 101, F_ACK, 100, 1000, 1000);   /* 9: fast retransmission */
    seg(&r, 1, 101, 801, F_ACK, 0, 1000, 1000);     /* 10: acks everything */
    finish(&r);
    assert_true(r.seen.an[4] & SF_AN_LOST_SEGMENT);
    assert_int_equal(r.seen.an[6] & SF_AN_DUPLICATE_ACK, SF_AN_DUPLICATE_ACK);
    assert_int_equal(r.seen.dupnum[6], 1);
    assert_int_equal(r.seen.dupframe[6], 6);
    assert_int_equal(r.seen.dupnum[7], 2);
    assert_true(r.seen.an[8] & SF_AN_FAST_RETRANSMISSION);
    assert_true(r.seen.an[8] & SF_AN_RETRANSMISSION);   /* as tshark shows it */
    assert_false(r.seen.an[8] & SF_AN_OUT_OF_ORDER);
    /* frame 6 acks frame 4 exactly: an RTT sample of 1 ms... 2 ms later */
    assert_int_equal(r.seen.acked[5], 4);
    assert_int_equal(r.seen.rtt[5], 2000000);
}

static void test_retransmission_spurious_and_out_of_order(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 0, 501, 101, F_ACK, 100, 1000, 1000);   /* 4 */
    seg(&r, 0, 601, 101, F_ACK, 100, 1000, 1000);   /* 5 */
    seg(&r, 0, 501, 101, F_ACK, 100, 1000, 200000); /* 6: 200 ms later, same bytes: retransmission */
    seg(&r, 1, 101, 701, F_ACK, 0, 1000, 1000);     /* 7: acks all */
    seg(&r, 0, 601, 101, F_ACK, 100, 1000, 1000);   /* 8: already acknowledged: spurious */
    seg(&r, 0, 801, 101, F_ACK, 100, 1000, 1000);   /* 9: skips 701..800: lost_segment */
    seg(&r, 0, 701, 101, F_ACK, 100, 1000, 500);    /* 10: the hole, 0.5 ms later (< iRTT): out of order */
    finish(&r);
    assert_int_equal(r.seen.an[5], SF_AN_RETRANSMISSION);
    assert_int_equal(r.seen.orig[5], 4);
    assert_true(r.seen.an[7] & SF_AN_SPURIOUS_RETRANSMISSION);
    assert_true(r.seen.an[8] & SF_AN_LOST_SEGMENT);
    assert_int_equal(r.seen.an[9], SF_AN_OUT_OF_ORDER);
}

static void test_zero_window_probe_and_updates(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    handshake(&r);
    seg(&r, 0, 501, 101, F_ACK, 100, 1000, 1000);   /* 4 */
    seg(&r, 1, 101, 601, F_ACK, 0, 0, 1000);        /* 5: zero window */
    seg(&r, 0, 601, 101, F_ACK, 1, 1000, 1000);     /* 6: zero window probe */
    seg(&r, 1, 101, 601, F_ACK, 0, 0, 1000);        /* 7: zero window probe ACK (+ zero window) */
    seg(&r, 1, 101, 601, F_ACK, 0, 2000, 1000);     /* 8: window update */
    seg(&r, 0, 600, 101, F_ACK, 0, 1000, 60000000); /* 9: keep-alive a minute later */
    seg(&r, 1, 101, 601, F_ACK, 0, 2000, 1000);     /* 10: keep-alive ACK */
    finish(&r);
    assert_true(r.seen.an[4] & SF_AN_ZERO_WINDOW);
    assert_int_equal(r.seen.an[5], SF_AN_ZERO_WINDOW_PROBE);
    assert_true(r.seen.an[6] & SF_AN_ZERO_WINDOW_PROBE_ACK);
    assert_true(r.seen.an[6] & SF_AN_ZERO_WINDOW);
    assert_int_equal(r.seen.an[7], SF_AN_WINDOW_UPDATE);
    assert_int_equal(r.seen.an[8], SF_AN_KEEP_ALIVE);
    assert_int_equal(r.seen.an[9], SF_AN_KEEP_ALIVE_ACK);
}

static void test_ack_unseen_once_and_bytes_in_flight(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    /* picked up mid-stream: the client acknowledges bytes never captured */
    seg(&r, 0, 5001, 101, F_ACK | F_PSH, 100, 1000, 0);   /* 1 */
    seg(&r, 0, 5101, 101, F_ACK, 100, 1000, 1000);        /* 2: 200 bytes in flight */
    seg(&r, 1, 101, 9001, F_ACK, 0, 1000, 1000);          /* 3: ACKs unseen bytes */
    seg(&r, 1, 101, 9001, F_ACK, 0, 1000, 1000);          /* 4: same value again: not re-flagged */
    finish(&r);
    assert_int_equal(r.seen.bif[0], 100);
    assert_int_equal(r.seen.bif[1], 200);
    assert_true(r.seen.an[2] & SF_AN_ACK_LOST_SEGMENT);
    assert_false(r.seen.an[3] & SF_AN_ACK_LOST_SEGMENT);
    assert_true(r.seen.an[3] & SF_AN_DUPLICATE_ACK);
}

/* A capture that starts mid-stream, one direction only: the receiver's
 * window was never seen, so one-byte segments are not zero-window probes
 * (Wireshark starts the window at G_MAXUINT32), and a gap after them is a
 * lost segment. */
static void test_unseen_window_is_not_closed(void **state)
{
    struct run r;
    (void)state;
    start(&r);
    seg(&r, 1, 1000, 7001, F_ACK | F_PSH, 1, 1000, 0);    /* 1 */
    seg(&r, 1, 1001, 7001, F_ACK | F_PSH, 1, 1000, 1000); /* 2 */
    seg(&r, 1, 1002, 7001, F_ACK | F_PSH, 1, 1000, 1000); /* 3 */
    seg(&r, 1, 1010, 7001, F_ACK | F_PSH, 1, 1000, 1000); /* 4: 1003..1009 not captured */
    finish(&r);
    assert_int_equal(r.seen.an[1], 0);
    assert_int_equal(r.seen.an[2], 0);
    assert_int_equal(r.seen.an[3], SF_AN_LOST_SEGMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_dupacks_fast_retransmission),
        cmocka_unit_test(test_retransmission_spurious_and_out_of_order),
        cmocka_unit_test(test_zero_window_probe_and_updates),
        cmocka_unit_test(test_ack_unseen_once_and_bytes_in_flight),
        cmocka_unit_test(test_unseen_window_is_not_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
