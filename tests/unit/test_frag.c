/* test_frag.c - unit tests for IPv4/IPv6 fragment reassembly (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode/frag.h"

#define SEC 1000000000LL

/* A recognisable payload: byte i of datagram `id` is (i * 7 + id) & 0xff,
 * so misplaced bytes show up in a compare. */
static void fill(uint8_t *buf, uint32_t len, uint32_t id)
{
    uint32_t i;

    for (i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 7 + id);
}

static struct sf_frag_key key4(uint32_t id)
{
    struct sf_frag_key k;

    memset(&k, 0, sizeof(k));
    k.ip_version = 4;
    k.proto = 6;
    k.src[0] = 10; k.src[3] = 1;     /* 10.0.0.1 */
    k.dst[0] = 10; k.dst[3] = 2;     /* 10.0.0.2 */
    k.id = id;
    return k;
}

static struct sf_frag_key key6(uint32_t id)
{
    struct sf_frag_key k;

    memset(&k, 0, sizeof(k));
    k.ip_version = 6;
    k.proto = 6;
    k.src[0] = 0x20; k.src[1] = 0x01; k.src[15] = 1;   /* 2001::1 */
    k.dst[0] = 0x20; k.dst[1] = 0x01; k.dst[15] = 2;   /* 2001::2 */
    k.id = id;
    return k;
}

/* Feeds bytes [off, off+len) of `whole`. */
static enum sf_frag_result feed(struct sf_frag_table *t, const struct sf_frag_key *k,
                                const uint8_t *whole, uint32_t off, uint32_t len, int more,
                                int64_t now, uint64_t frame, struct sf_frag_done *d)
{
    return sf_frag_add(t, k, off, more != 0, whole + off, len, now, frame, d);
}

static void test_in_order(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(1);
    struct sf_frag_done d;
    uint8_t p[3000];

    (void)state;
    fill(p, sizeof(p), 1);
    assert_int_equal(feed(t, &k, p, 0, 1480, 1, 0, 10, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_pending(t), 1);
    assert_int_equal(feed(t, &k, p, 1480, 1480, 1, 1, 11, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 2960, 40, 0, 2, 12, &d), SF_FRAG_DONE);
    assert_int_equal(d.len, 3000);
    assert_memory_equal(d.data, p, 3000);
    assert_int_equal(d.first_frame, 10);
    assert_int_equal(d.fragment_count, 3);
    assert_false(d.overlap);
    assert_false(d.overlap_conflict);
    assert_int_equal(sf_frag_pending(t), 0);
    assert_int_equal(sf_frag_stats(t)->completed, 1);
    assert_int_equal(sf_frag_stats(t)->fragments, 3);
    sf_frag_free(t);
}

static void test_reverse_order(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key6(0xdeadbeef);
    struct sf_frag_done d;
    uint8_t p[4000];

    (void)state;
    fill(p, sizeof(p), 2);
    assert_int_equal(feed(t, &k, p, 3200, 800, 0, 0, 4, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 2400, 800, 1, 0, 3, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 1600, 800, 1, 0, 2, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 800, 800, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 0, 800, 1, 0, 7, &d), SF_FRAG_DONE);
    assert_int_equal(d.len, 4000);
    assert_memory_equal(d.data, p, 4000);
    assert_int_equal(d.first_frame, 7);
    assert_int_equal(d.fragment_count, 5);
    sf_frag_free(t);
}

/* Two datagrams with different ids (and one differing only in protocol)
 * must not mix. */
static void test_interleaved(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key a = key4(100), b = key4(101), c = key4(100);
    struct sf_frag_done d;
    uint8_t pa[160], pb[160], pc[160];

    (void)state;
    c.proto = 17;
    fill(pa, sizeof(pa), 100);
    fill(pb, sizeof(pb), 101);
    fill(pc, sizeof(pc), 55);
    assert_int_equal(feed(t, &a, pa, 0, 80, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &b, pb, 80, 80, 0, 0, 2, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &c, pc, 0, 80, 1, 0, 3, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_pending(t), 3);
    assert_int_equal(feed(t, &b, pb, 0, 80, 1, 0, 4, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, pb, 160);
    assert_int_equal(d.first_frame, 4);
    assert_int_equal(feed(t, &a, pa, 80, 80, 0, 0, 5, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, pa, 160);
    assert_int_equal(d.first_frame, 1);
    assert_int_equal(feed(t, &c, pc, 80, 80, 0, 0, 6, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, pc, 160);
    assert_int_equal(sf_frag_pending(t), 0);
    sf_frag_free(t);
}

static void test_duplicate(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(7);
    struct sf_frag_done d;
    uint8_t p[48];

    (void)state;
    fill(p, sizeof(p), 7);
    assert_int_equal(feed(t, &k, p, 0, 16, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 0, 16, 1, 0, 2, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 16, 16, 1, 0, 3, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 32, 16, 0, 0, 4, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, p, 48);
    assert_int_equal(d.fragment_count, 3);   /* the duplicate is not counted */
    assert_int_equal(d.first_frame, 1);      /* the first copy of offset 0 */
    assert_true(d.overlap);
    assert_false(d.overlap_conflict);
    assert_int_equal(sf_frag_stats(t)->overlaps, 1);
    assert_int_equal(sf_frag_stats(t)->conflicts, 0);
    sf_frag_free(t);
}

/* [0,24) then [16,40) with the same bytes, then [40,48) last. */
static void test_overlap_same(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(8);
    struct sf_frag_done d;
    uint8_t p[48];

    (void)state;
    fill(p, sizeof(p), 8);
    assert_int_equal(feed(t, &k, p, 0, 24, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 16, 24, 1, 0, 2, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 40, 8, 0, 0, 3, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, p, 48);
    assert_int_equal(d.fragment_count, 3);
    assert_true(d.overlap);
    assert_false(d.overlap_conflict);
    assert_int_equal(sf_frag_stats(t)->overlaps, 1);
    assert_int_equal(sf_frag_stats(t)->conflicts, 0);
    sf_frag_free(t);
}

/* A later fragment spans a hole and two held ranges with different bytes:
 * the held bytes stay, only the hole is taken from the new copy. */
static void test_overlap_conflict_first_wins(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(9);
    struct sf_frag_done d;
    uint8_t p[40], evil[40], want[40];

    (void)state;
    fill(p, sizeof(p), 9);
    memset(evil, 'X', sizeof(evil));
    memcpy(want, p, sizeof(want));
    memset(want + 8, 'X', 16);             /* the hole [8,24) comes from evil */

    assert_int_equal(feed(t, &k, p, 0, 8, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 24, 8, 1, 0, 2, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, evil, 0, 32, 1, 0, 3, &d), SF_FRAG_HELD);
    assert_true(d.overlap_conflict);
    assert_int_equal(feed(t, &k, p, 32, 8, 0, 0, 4, &d), SF_FRAG_DONE);
    assert_int_equal(d.len, 40);
    assert_memory_equal(d.data, want, 40);
    assert_true(d.overlap);
    assert_true(d.overlap_conflict);
    assert_int_equal(d.fragment_count, 4);
    assert_int_equal(sf_frag_stats(t)->conflicts, 1);
    sf_frag_free(t);
}

/* 64 bytes in eight 8-byte fragments, fed in a scrambled order. */
static void test_tiny_fragments(void **state)
{
    static const uint32_t order[8] = { 5, 1, 7, 3, 0, 6, 2, 4 };
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(10);
    struct sf_frag_done d;
    uint8_t p[64];
    uint32_t i;

    (void)state;
    fill(p, sizeof(p), 10);
    for (i = 0; i < 8; i++) {
        uint32_t f = order[i];
        enum sf_frag_result r = feed(t, &k, p, f * 8, 8, f != 7, 0, i, &d);

        assert_int_equal(r, i == 7 ? SF_FRAG_DONE : SF_FRAG_HELD);
    }
    assert_int_equal(d.len, 64);
    assert_memory_equal(d.data, p, 64);
    assert_int_equal(d.fragment_count, 8);
    assert_int_equal(d.first_frame, 4);
    assert_false(d.overlap);
    sf_frag_free(t);
}

/* RFC 6946: handed back at once, zero-copy, and a queued datagram with the
 * same key is left alone. */
static void test_atomic(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key6(11);
    struct sf_frag_done d;
    uint8_t p[100], q[100];

    (void)state;
    fill(p, sizeof(p), 11);
    fill(q, sizeof(q), 12);
    assert_int_equal(feed(t, &k, q, 0, 48, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_add(t, &k, 0, false, p, 100, 0, 2, &d), SF_FRAG_DONE);
    assert_ptr_equal(d.data, p);
    assert_int_equal(d.len, 100);
    assert_int_equal(d.first_frame, 2);
    assert_int_equal(d.fragment_count, 1);
    assert_int_equal(sf_frag_pending(t), 1);
    assert_int_equal(feed(t, &k, q, 48, 52, 0, 0, 3, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, q, 100);
    assert_int_equal(sf_frag_stats(t)->completed, 2);
    sf_frag_free(t);
}

/* An oversized atomic fragment is rejected without touching the queue. */
static void test_atomic_too_big(void **state)
{
    static uint8_t big[65536];
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(13);
    struct sf_frag_done d;

    (void)state;
    fill(big, 64, 13);
    assert_int_equal(feed(t, &k, big, 0, 32, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_add(t, &k, 0, false, big, sizeof(big), 0, 2, &d),
                     SF_FRAG_DROPPED);
    assert_int_equal(sf_frag_pending(t), 1);
    assert_int_equal(feed(t, &k, big, 32, 32, 0, 0, 3, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, big, 64);
    sf_frag_free(t);
}

/* DONE data is readable until the next call, whatever that call is (under
 * ASan a premature free shows here). */
static void test_done_lifetime(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key a = key4(14), b = key4(15);
    struct sf_frag_done d, d2;
    uint8_t p[32];

    (void)state;
    fill(p, sizeof(p), 14);
    assert_int_equal(feed(t, &a, p, 0, 16, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &a, p, 16, 16, 0, 0, 2, &d), SF_FRAG_DONE);
    assert_int_equal(sf_frag_pending(t), 0);
    assert_int_equal(sf_frag_stats(t)->completed, 1);
    assert_memory_equal(d.data, p, 32);
    /* A second completion hands back a fresh buffer. */
    assert_int_equal(feed(t, &b, p, 16, 16, 0, 0, 3, &d2), SF_FRAG_HELD);
    assert_int_equal(feed(t, &b, p, 0, 16, 1, 0, 4, &d2), SF_FRAG_DONE);
    assert_memory_equal(d2.data, p, 32);
    sf_frag_free(t);
}

static void test_offset_beyond_max(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(12);
    struct sf_frag_done d;
    uint8_t p[64];

    (void)state;
    fill(p, sizeof(p), 12);
    assert_int_equal(feed(t, &k, p, 0, 64, 1, 0, 1, &d), SF_FRAG_HELD);
    /* 65528 is the largest IPv4 offset (8191 * 8); 16 bytes there pass
     * 65535 and discard the whole datagram. */
    assert_int_equal(sf_frag_add(t, &k, 65528, false, p, 16, 0, 2, &d), SF_FRAG_DROPPED);
    assert_non_null(d.reason);
    assert_int_equal(sf_frag_pending(t), 0);
    assert_int_equal(sf_frag_stats(t)->invalid, 1);
    /* Exactly at the limit is fine; a huge offset does not wrap. */
    assert_int_equal(sf_frag_add(t, &k, 65528, false, p, 7, 0, 3, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_add(t, &k, UINT32_MAX - 4, true, p, 8, 0, 4, &d),
                     SF_FRAG_DROPPED);
    assert_int_equal(sf_frag_pending(t), 0);
    assert_int_equal(sf_frag_stats(t)->invalid, 2);
    sf_frag_free(t);
}

static void test_timeout(void **state)
{
    struct sf_frag_config cfg = { 30 * SEC, 1 << 20, 64 };
    struct sf_frag_table *t = sf_frag_new(&cfg);
    struct sf_frag_key a = key4(20), b = key4(21);
    struct sf_frag_done d;
    uint8_t p[32];

    (void)state;
    fill(p, sizeof(p), 20);
    assert_int_equal(feed(t, &a, p, 0, 16, 1, 100 * SEC, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &b, p, 0, 16, 1, 120 * SEC, 2, &d), SF_FRAG_HELD);
    /* Exactly 30 s later is not older than the timeout. */
    assert_int_equal(feed(t, &b, p, 0, 16, 1, 130 * SEC, 3, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_pending(t), 2);
    /* a is 30 s + 1 ns old: dropped before the fragment is looked at, so
     * its tail starts a new datagram instead of completing. */
    assert_int_equal(feed(t, &a, p, 16, 16, 0, 130 * SEC + 1, 4, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_stats(t)->timed_out, 1);
    assert_int_equal(sf_frag_pending(t), 2);
    /* b still completes in time. */
    assert_int_equal(feed(t, &b, p, 16, 16, 0, 150 * SEC, 5, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, p, 32);
    /* Far in the future: everything left expires. */
    assert_int_equal(feed(t, &b, p, 0, 16, 1, 1000 * SEC, 6, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_stats(t)->timed_out, 2);
    assert_int_equal(sf_frag_pending(t), 1);
    sf_frag_free(t);
}

static void test_evict_max_datagrams(void **state)
{
    struct sf_frag_config cfg = { 30 * SEC, 1 << 20, 3 };
    struct sf_frag_table *t = sf_frag_new(&cfg);
    struct sf_frag_key k;
    struct sf_frag_done d;
    uint8_t p[32];
    uint32_t id;

    (void)state;
    fill(p, sizeof(p), 30);
    for (id = 1; id <= 4; id++) {
        k = key4(id);
        assert_int_equal(feed(t, &k, p, 0, 16, 1, 0, id, &d), SF_FRAG_HELD);
    }
    assert_int_equal(sf_frag_pending(t), 3);
    assert_int_equal(sf_frag_stats(t)->evicted, 1);
    /* id 1 (the oldest) went: its tail now starts afresh. */
    k = key4(2);
    assert_int_equal(feed(t, &k, p, 16, 16, 0, 0, 5, &d), SF_FRAG_DONE);
    k = key4(1);
    assert_int_equal(feed(t, &k, p, 16, 16, 0, 0, 6, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_stats(t)->evicted, 1);
    sf_frag_free(t);
}

/* max_bytes = 1000: each datagram holds a 256-byte buffer at first, so the
 * fourth one pushes the oldest out; a datagram that alone needs more than
 * the cap is dropped. */
static void test_evict_max_bytes(void **state)
{
    struct sf_frag_config cfg = { 30 * SEC, 1000, 64 };
    struct sf_frag_table *t = sf_frag_new(&cfg);
    struct sf_frag_key k;
    struct sf_frag_done d;
    uint8_t p[2000];
    uint32_t id;

    (void)state;
    fill(p, sizeof(p), 40);
    for (id = 1; id <= 4; id++) {
        k = key4(id);
        assert_int_equal(feed(t, &k, p, 0, 16, 1, 0, id, &d), SF_FRAG_HELD);
    }
    assert_int_equal(sf_frag_pending(t), 3);
    assert_int_equal(sf_frag_stats(t)->evicted, 1);

    /* Growing id 4 to 800 bytes evicts ids 2 and 3 but keeps id 4. */
    k = key4(4);
    assert_int_equal(feed(t, &k, p, 16, 784, 1, 0, 5, &d), SF_FRAG_HELD);
    assert_int_equal(sf_frag_pending(t), 1);
    assert_int_equal(sf_frag_stats(t)->evicted, 3);
    assert_int_equal(feed(t, &k, p, 800, 100, 0, 0, 6, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, p, 900);

    /* 1200 bytes cannot fit under a 1000-byte cap at all. */
    k = key4(5);
    assert_int_equal(feed(t, &k, p, 0, 8, 1, 0, 7, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 8, 1192, 0, 0, 8, &d), SF_FRAG_DROPPED);
    assert_non_null(d.reason);
    assert_int_equal(sf_frag_pending(t), 0);
    assert_int_equal(sf_frag_stats(t)->evicted, 4);
    sf_frag_free(t);
}

static void test_two_last_fragments(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(50);
    struct sf_frag_done d;
    uint8_t p[64];

    (void)state;
    fill(p, sizeof(p), 50);
    assert_int_equal(feed(t, &k, p, 32, 16, 0, 0, 1, &d), SF_FRAG_HELD);
    /* The same last fragment again is only a duplicate... */
    assert_int_equal(feed(t, &k, p, 32, 16, 0, 0, 2, &d), SF_FRAG_HELD);
    /* ...a different end invalidates the datagram. */
    assert_int_equal(feed(t, &k, p, 32, 24, 0, 0, 3, &d), SF_FRAG_DROPPED);
    assert_non_null(d.reason);
    assert_int_equal(sf_frag_pending(t), 0);
    assert_int_equal(sf_frag_stats(t)->invalid, 1);
    sf_frag_free(t);
}

/* Data past the end fixed by the last fragment, either way round. */
static void test_past_end(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(51);
    struct sf_frag_done d;
    uint8_t p[64];

    (void)state;
    fill(p, sizeof(p), 51);
    assert_int_equal(feed(t, &k, p, 16, 8, 0, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 16, 16, 1, 0, 2, &d), SF_FRAG_DROPPED);
    assert_int_equal(sf_frag_pending(t), 0);
    assert_int_equal(feed(t, &k, p, 16, 16, 1, 0, 3, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 16, 8, 0, 0, 4, &d), SF_FRAG_DROPPED);
    assert_int_equal(sf_frag_pending(t), 0);
    assert_int_equal(sf_frag_stats(t)->invalid, 2);
    sf_frag_free(t);
}

/* RFC 791 wants non-last fragments in multiples of 8; we accept and count. */
static void test_odd_length(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key k = key4(52);
    struct sf_frag_done d;
    uint8_t p[50];

    (void)state;
    fill(p, sizeof(p), 52);
    assert_int_equal(feed(t, &k, p, 13, 37, 0, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &k, p, 0, 13, 1, 0, 2, &d), SF_FRAG_DONE);
    assert_memory_equal(d.data, p, 50);
    assert_int_equal(sf_frag_stats(t)->odd_length, 1);
    /* An empty non-last fragment is rejected without harm. */
    assert_int_equal(feed(t, &k, p, 8, 0, 1, 0, 3, &d), SF_FRAG_DROPPED);
    assert_int_equal(sf_frag_pending(t), 0);
    sf_frag_free(t);
}

/* Many datagrams completed in a scrambled order exercise the hash table's
 * backward-shift deletion; every lookup must still find its datagram. */
static void test_many_datagrams(void **state)
{
    struct sf_frag_config cfg = { 30 * SEC, 64 << 20, 512 };
    struct sf_frag_table *t = sf_frag_new(&cfg);
    struct sf_frag_key k;
    struct sf_frag_done d;
    uint8_t p[16];
    uint32_t i, round;

    (void)state;
    for (round = 0; round < 3; round++) {
        for (i = 0; i < 512; i++) {
            k = key4(round * 1000 + i);
            fill(p, sizeof(p), i);
            assert_int_equal(feed(t, &k, p, 0, 8, 1, 0, i, &d), SF_FRAG_HELD);
        }
        assert_int_equal(sf_frag_pending(t), 512);
        for (i = 0; i < 512; i++) {
            uint32_t j = (i * 197) % 512;  /* 197 is coprime with 512 */

            k = key4(round * 1000 + j);
            fill(p, sizeof(p), j);
            assert_int_equal(feed(t, &k, p, 8, 8, 0, 0, i, &d), SF_FRAG_DONE);
            assert_memory_equal(d.data, p, 16);
        }
        assert_int_equal(sf_frag_pending(t), 0);
    }
    assert_int_equal(sf_frag_stats(t)->evicted, 0);
    sf_frag_free(t);
}

/* IPv4 keys compare only the 4 address bytes. */
static void test_v4_key_tail_ignored(void **state)
{
    struct sf_frag_table *t = sf_frag_new(NULL);
    struct sf_frag_key a = key4(60), b = key4(60);
    struct sf_frag_done d;
    uint8_t p[16];

    (void)state;
    fill(p, sizeof(p), 60);
    b.src[9] = 0x55;
    assert_int_equal(feed(t, &a, p, 0, 8, 1, 0, 1, &d), SF_FRAG_HELD);
    assert_int_equal(feed(t, &b, p, 8, 8, 0, 0, 2, &d), SF_FRAG_DONE);
    sf_frag_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_reverse_order),
        cmocka_unit_test(test_interleaved),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_overlap_same),
        cmocka_unit_test(test_overlap_conflict_first_wins),
        cmocka_unit_test(test_tiny_fragments),
        cmocka_unit_test(test_atomic),
        cmocka_unit_test(test_atomic_too_big),
        cmocka_unit_test(test_done_lifetime),
        cmocka_unit_test(test_offset_beyond_max),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_evict_max_datagrams),
        cmocka_unit_test(test_evict_max_bytes),
        cmocka_unit_test(test_two_last_fragments),
        cmocka_unit_test(test_past_end),
        cmocka_unit_test(test_odd_length),
        cmocka_unit_test(test_many_datagrams),
        cmocka_unit_test(test_v4_key_tail_ignored),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
