/* test_reader.c - cmocka tests of the pcap/pcapng reader on hand-built byte arrays. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "synfin/capture.h"
#include "synfin/packet.h"

/* ---------------------------------------------------------------- builder */

/* A growable byte array that writes integers in a chosen byte order, so each
 * test spells out its capture field by field. */
struct tb {
    uint8_t *p;
    size_t len;
    size_t cap;
    int be;        /* 1: big-endian fields */
};

static void tb_bytes(struct tb *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        while (ncap < b->len + n)
            ncap *= 2;
        b->p = realloc(b->p, ncap);
        assert_non_null(b->p);
        b->cap = ncap;
    }
    if (n)
        memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void tb_u8(struct tb *b, uint8_t v)
{
    tb_bytes(b, &v, 1);
}

static void tb_u16(struct tb *b, uint16_t v)
{
    uint8_t x[2];
    if (b->be) { x[0] = (uint8_t)(v >> 8); x[1] = (uint8_t)v; }
    else { x[0] = (uint8_t)v; x[1] = (uint8_t)(v >> 8); }
    tb_bytes(b, x, 2);
}

static void tb_u32(struct tb *b, uint32_t v)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[b->be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
    tb_bytes(b, x, 4);
}

static void tb_fill(struct tb *b, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tb_u8(b, v);
}

static void tb_free(struct tb *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* pcap file header: magic written in the builder's byte order. */
static void pcap_hdr(struct tb *b, uint32_t magic, uint16_t major, uint32_t snaplen, uint32_t linktype)
{
    tb_u32(b, magic);
    tb_u16(b, major);
    tb_u16(b, 4);
    tb_u32(b, 0);        /* thiszone */
    tb_u32(b, 0);        /* sigfigs */
    tb_u32(b, snaplen);
    tb_u32(b, linktype);
}

/* pcap record whose data bytes are all `fill`. */
static void pcap_rec(struct tb *b, uint32_t sec, uint32_t sub, uint32_t caplen, uint32_t wirelen, uint8_t fill)
{
    tb_u32(b, sec);
    tb_u32(b, sub);
    tb_u32(b, caplen);
    tb_u32(b, wirelen);
    tb_fill(b, fill, caplen);
}

/* pcapng Section Header Block with no options. */
static void ng_shb(struct tb *b)
{
    tb_u32(b, 0x0A0D0D0A);
    tb_u32(b, 28);
    tb_u32(b, 0x1A2B3C4D);
    tb_u16(b, 1);
    tb_u16(b, 0);
    tb_u32(b, 0xFFFFFFFF);   /* section length -1: unknown */
    tb_u32(b, 0xFFFFFFFF);
    tb_u32(b, 28);
}

/* IDB; tsresol < 0 means no if_tsresol option, tsoffset 0 means none. */
static void ng_idb(struct tb *b, uint16_t linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
    uint32_t total = 20 + (tsresol >= 0 ? 8 : 0) + (tsoffset ? 12 : 0) + 4;

    tb_u32(b, 1);
    tb_u32(b, total);
    tb_u16(b, linktype);
    tb_u16(b, 0);
    tb_u32(b, snaplen);
    if (tsresol >= 0) {
        tb_u16(b, 9);
        tb_u16(b, 1);
        tb_u8(b, (uint8_t)tsresol);
        tb_fill(b, 0, 3);
    }
    if (tsoffset) {
        uint64_t v = (uint64_t)tsoffset;
        tb_u16(b, 14);
        tb_u16(b, 8);
        /* A 64-bit value in the section's byte order. */
        if (b->be) { tb_u32(b, (uint32_t)(v >> 32)); tb_u32(b, (uint32_t)v); }
        else { tb_u32(b, (uint32_t)v); tb_u32(b, (uint32_t)(v >> 32)); }
    }
    tb_u16(b, 0);            /* opt_endofopt */
    tb_u16(b, 0);
    tb_u32(b, total);
}

static void ng_epb(struct tb *b, uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t wirelen, uint8_t fill)
{
    uint32_t padded = (caplen + 3) & ~3u;
    uint32_t total = 32 + padded;

    tb_u32(b, 6);
    tb_u32(b, total);
    tb_u32(b, iface);
    tb_u32(b, (uint32_t)(ts >> 32));
    tb_u32(b, (uint32_t)ts);
    tb_u32(b, caplen);
    tb_u32(b, wirelen);
    tb_fill(b, fill, caplen);
    tb_fill(b, 0, padded - caplen);
    tb_u32(b, total);
}

/* A block of any type with `n` body bytes of 0xEE. */
static void ng_raw(struct tb *b, uint32_t type, uint32_t n)
{
    tb_u32(b, type);
    tb_u32(b, 12 + n);
    tb_fill(b, 0xEE, n);
    tb_u32(b, 12 + n);
}

/* Shrinks the array to its exact length first, so that under ASan any read
 * past the end of the input is caught. */
static struct sf_reader *open_tb(struct tb *b)
{
    char err[256];
    struct sf_reader *r;

    if (b->len) {
        b->p = realloc(b->p, b->len);
        assert_non_null(b->p);
        b->cap = b->len;
    }
    r = sf_reader_open_mem(b->p, b->len, err, sizeof err);

    if (!r)
        fail_msg("open failed: %s", err);
    return r;
}

static void expect_frame(struct sf_reader *r, int64_t ts_ns, uint32_t caplen, uint32_t wirelen,
                         uint32_t linktype, uint32_t iface, uint8_t fill)
{
    struct sf_frame f;
    int rc = sf_reader_next(r, &f);

    if (rc != 1)
        fail_msg("next() returned %d: %s", rc, sf_reader_error(r));
    assert_int_equal(f.ts_ns, ts_ns);
    assert_int_equal(f.caplen, caplen);
    assert_int_equal(f.wirelen, wirelen);
    assert_int_equal(f.linktype, linktype);
    assert_int_equal(f.iface, iface);
    for (uint32_t i = 0; i < caplen; i++)
        assert_int_equal(f.data[i], fill);
}

static void expect_end(struct sf_reader *r)
{
    struct sf_frame f;

    assert_int_equal(sf_reader_next(r, &f), 0);
    assert_int_equal(sf_reader_next(r, &f), 0);     /* sticky */
    assert_string_equal(sf_reader_error(r), "");
}

/* Expects -1 (twice: sticky) and an error that contains `needle`. */
static void expect_error(struct sf_reader *r, const char *needle)
{
    struct sf_frame f;
    const char *e;

    assert_int_equal(sf_reader_next(r, &f), -1);
    assert_int_equal(sf_reader_next(r, &f), -1);
    e = sf_reader_error(r);
    if (!strstr(e, needle))
        fail_msg("error \"%s\" lacks \"%s\"", e, needle);
    assert_null(strchr(e, '\n'));
}

static void expect_open_error(struct tb *b, const char *needle)
{
    char err[256] = "";
    struct sf_reader *r;

    if (b->len) {
        b->p = realloc(b->p, b->len);
        assert_non_null(b->p);
        b->cap = b->len;
    }
    r = sf_reader_open_mem(b->p, b->len, err, sizeof err);

    assert_null(r);
    if (!strstr(err, needle))
        fail_msg("open error \"%s\" lacks \"%s\"", err, needle);
}

/* ------------------------------------------------------------------- pcap */

static void test_pcap_le_usec(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;
    struct sf_frame f;

    /* FCS-length bits above the low 16 are masked off, as libpcap does. */
    pcap_hdr(&b, 0xa1b2c3d4, 2, 65535, 0x14000001);
    pcap_rec(&b, 1700000000, 123456, 60, 60, 0xAA);
    pcap_rec(&b, 1700000001, 999999, 10, 1514, 0xBB);
    r = open_tb(&b);
    assert_int_equal(sf_reader_format(r), SF_FORMAT_PCAP);
    assert_int_equal(sf_reader_next(r, &f), 1);
    assert_int_equal(f.offset, 24);
    assert_int_equal(f.ts_ns, INT64_C(1700000000123456000));
    assert_ptr_equal(f.data, b.p + 40);           /* zero copy */
    expect_frame(r, INT64_C(1700000001999999000), 10, 1514, 1, 0, 0xBB);
    expect_end(r);
    assert_int_equal(sf_reader_warnings(r), 0);
    sf_reader_close(r);
    tb_free(&b);
}

static void test_pcap_be_usec(void **state)
{
    struct tb b = { .be = 1 };
    struct sf_reader *r;

    pcap_hdr(&b, 0xa1b2c3d4, 2, 65535, 113);
    pcap_rec(&b, 1, 2, 3, 4, 0x11);
    pcap_rec(&b, 0xFFFFFFFF, 0, 0, 0, 0);          /* seconds are unsigned */
    r = open_tb(&b);
    expect_frame(r, 1000002000, 3, 4, 113, 0, 0x11);
    expect_frame(r, INT64_C(4294967295000000000), 0, 0, 113, 0, 0);
    expect_end(r);
    sf_reader_close(r);
    tb_free(&b);
}

static void test_pcap_nsec_both_orders(void **state)
{
    for (int be = 0; be < 2; be++) {
        struct tb b = { .be = be };
        struct sf_reader *r;

        pcap_hdr(&b, 0xa1b23c4d, 2, 262144, 101);
        pcap_rec(&b, 1500000000, 123456789, 20, 20, 0x22);
        r = open_tb(&b);
        expect_frame(r, INT64_C(1500000000123456789), 20, 20, 101, 0, 0x22);
        expect_end(r);
        sf_reader_close(r);
        tb_free(&b);
    }
}

static void test_pcap_snaplen_warning(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    pcap_hdr(&b, 0xa1b2c3d4, 2, 8, 1);
    pcap_rec(&b, 0, 0, 9, 9, 0x33);
    r = open_tb(&b);
    expect_frame(r, 0, 9, 9, 1, 0, 0x33);      /* delivered, but counted */
    expect_end(r);
    assert_int_equal(sf_reader_warnings(r), 1);
    sf_reader_close(r);
    tb_free(&b);
}

static void test_pcap_version_1(void **state)
{
    struct tb b = { 0 };

    pcap_hdr(&b, 0xa1b2c3d4, 1, 65535, 1);
    expect_open_error(&b, "major version 1 unsupported");
    tb_free(&b);
}

static void test_pcap_truncated_header(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    pcap_hdr(&b, 0xa1b2c3d4, 2, 65535, 1);
    pcap_rec(&b, 1, 0, 4, 4, 0x44);
    tb_fill(&b, 0, 5);                          /* 5 of 16 header bytes */
    r = open_tb(&b);
    expect_frame(r, 1000000000, 4, 4, 1, 0, 0x44);
    expect_error(r, "offset 44 needs 16 bytes, only 5 left");
    sf_reader_close(r);
    tb_free(&b);
}

static void test_pcap_truncated_body(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    pcap_hdr(&b, 0xa1b2c3d4, 2, 65535, 1);
    pcap_rec(&b, 1, 0, 4, 4, 0x44);
    tb_u32(&b, 2);
    tb_u32(&b, 0);
    tb_u32(&b, 100);
    tb_u32(&b, 100);
    tb_fill(&b, 0, 30);
    r = open_tb(&b);
    expect_frame(r, 1000000000, 4, 4, 1, 0, 0x44);
    expect_error(r, "truncated file: record at offset 44 needs 116 bytes, only 46 left");
    sf_reader_close(r);
    tb_free(&b);
}

static void test_pcap_oversize(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    pcap_hdr(&b, 0xa1b2c3d4, 2, 65535, 1);
    pcap_rec(&b, 1, 0, 4, 4, 0x44);
    pcap_rec(&b, 1, 0, 0, 0, 0);
    b.p[44 + 8] = 0x00;                        /* caplen 4325376 = 0x420000 */
    b.p[44 + 9] = 0x00;
    b.p[44 + 10] = 0x42;
    b.p[44 + 11] = 0x00;
    r = open_tb(&b);
    expect_frame(r, 1000000000, 4, 4, 1, 0, 0x44);
    expect_error(r, "record at offset 44 claims a 4325376-byte packet, bigger than the maximum of 262144");
    sf_reader_close(r);
    tb_free(&b);
}

static void test_pcap_max_caplen_ok(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    pcap_hdr(&b, 0xa1b2c3d4, 2, 262144, 1);
    pcap_rec(&b, 0, 0, SF_MAX_RECORD_CAPLEN, SF_MAX_RECORD_CAPLEN, 0x55);
    r = open_tb(&b);
    expect_frame(r, 0, SF_MAX_RECORD_CAPLEN, SF_MAX_RECORD_CAPLEN, 1, 0, 0x55);
    expect_end(r);
    sf_reader_close(r);
    tb_free(&b);
}

static void test_bad_magic_empty_short(void **state)
{
    struct tb b = { 0 };

    expect_open_error(&b, "empty file");
    tb_u32(&b, 0x12345678);
    tb_fill(&b, 0, 20);
    expect_open_error(&b, "unknown magic 0x12345678 at offset 0");
    tb_free(&b);
    tb_u16(&b, 0xc3d4);
    expect_open_error(&b, "offset 0 needs 4 bytes, only 2 left");
    tb_free(&b);
    pcap_hdr(&b, 0xa1b2c3d4, 2, 65535, 1);
    b.len = 20;
    expect_open_error(&b, "pcap file header at offset 0 needs 24 bytes, only 20 left");
    tb_free(&b);
}

static void test_pcap_zero_packets(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    pcap_hdr(&b, 0xa1b2c3d4, 2, 65535, 1);
    r = open_tb(&b);
    expect_end(r);
    sf_reader_close(r);
    tb_free(&b);
}

/* ----------------------------------------------------------------- pcapng */

static void test_ng_sections_ifaces_tsresol(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    /* Section 1, little-endian: iface 0 Ethernet in us (default), iface 1
     * raw IP in ns with if_tsoffset 10 s. */
    ng_shb(&b);
    ng_idb(&b, 1, 65535, -1, 0);
    ng_idb(&b, 101, 0, 9, 10);
    ng_epb(&b, 0, UINT64_C(1700000000123456), 5, 60, 0x01);
    ng_epb(&b, 1, UINT64_C(1700000000123456789), 6, 6, 0x02);
    /* Section 2, big-endian: interface ids start again from 0; iface 0 is
     * Linux SLL in 2^-20 s, iface 1 in ms (decimal 3). */
    b.be = 1;
    ng_shb(&b);
    ng_idb(&b, 113, 0, 0x80 | 20, 0);
    ng_idb(&b, 228, 0, 3, -5);
    ng_epb(&b, 0, (UINT64_C(5) << 20) + (UINT64_C(1) << 19), 7, 7, 0x03);
    ng_epb(&b, 1, 1234, 1, 1, 0x04);
    r = open_tb(&b);
    assert_int_equal(sf_reader_format(r), SF_FORMAT_PCAPNG);
    expect_frame(r, INT64_C(1700000000123456000), 5, 60, 1, 0, 0x01);
    expect_frame(r, INT64_C(1700000010123456789), 6, 6, 101, 1, 0x02);
    expect_frame(r, INT64_C(5500000000), 7, 7, 113, 0, 0x03);
    expect_frame(r, INT64_C(1234000000) - INT64_C(5000000000), 1, 1, 228, 1, 0x04);
    expect_end(r);
    assert_int_equal(sf_reader_warnings(r), 0);
    sf_reader_close(r);
    tb_free(&b);
}

static void test_ng_spb_opb_unknown(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;
    struct sf_frame f;

    ng_shb(&b);
    ng_idb(&b, 1, 8, -1, 0);                   /* snaplen 8 */
    ng_raw(&b, 0x00000BAD, 20);                /* custom block: skipped */
    ng_raw(&b, 0x00000005, 0);                 /* empty ISB body: skipped */
    /* SPB: original length 100, 12 bytes in the block, snaplen 8 -> caplen 8 */
    tb_u32(&b, 3);
    tb_u32(&b, 28);
    tb_u32(&b, 100);
    tb_fill(&b, 0x05, 12);
    tb_u32(&b, 28);
    /* SPB: original length 3 -> caplen 3 (padding ignored) */
    tb_u32(&b, 3);
    tb_u32(&b, 20);
    tb_u32(&b, 3);
    tb_fill(&b, 0x06, 4);
    tb_u32(&b, 20);
    /* OPB: iface(2) drops(2) ts caplen len data */
    tb_u32(&b, 2);
    tb_u32(&b, 36);
    tb_u16(&b, 0);
    tb_u16(&b, 0);
    tb_u32(&b, 0);
    tb_u32(&b, 2000001);
    tb_u32(&b, 3);
    tb_u32(&b, 3);
    tb_fill(&b, 0x07, 3);
    tb_u8(&b, 0);
    tb_u32(&b, 36);
    r = open_tb(&b);
    assert_int_equal(sf_reader_next(r, &f), 1);
    assert_int_equal(f.offset, 28 + 24 + 32 + 12);
    assert_int_equal(f.ts_ns, 0);
    assert_int_equal(f.caplen, 8);
    assert_int_equal(f.wirelen, 100);
    expect_frame(r, 0, 3, 3, 1, 0, 0x06);
    expect_frame(r, 2000001000, 3, 3, 1, 0, 0x07);
    expect_end(r);
    assert_int_equal(sf_reader_warnings(r), 0);
    sf_reader_close(r);
    tb_free(&b);
}

static void test_ng_unknown_iface_skipped(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 7, 1, 1, 1, 0x08);               /* no interface 7 */
    ng_epb(&b, 0, 2, 2, 2, 0x09);
    r = open_tb(&b);
    /* Still a frame of the file (issue 10): no link type, pcapng's default µs. */
    expect_frame(r, 1000, 1, 1, SF_LINKTYPE_NO_IFACE, UINT32_MAX, 0x08);
    expect_frame(r, 2000, 2, 2, 1, 0, 0x09);
    expect_end(r);
    assert_int_equal(sf_reader_warnings(r), 1);
    sf_reader_close(r);
    tb_free(&b);
}

static void test_ng_epb_options(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    /* EPB with an epb_flags option (code 2, length 4) then opt_endofopt. */
    tb_u32(&b, 6);
    tb_u32(&b, 48);
    tb_u32(&b, 0);
    tb_u32(&b, 0);
    tb_u32(&b, 1);
    tb_u32(&b, 2);
    tb_u32(&b, 2);
    tb_fill(&b, 0x0A, 2);
    tb_fill(&b, 0, 2);
    tb_u16(&b, 2);
    tb_u16(&b, 4);
    tb_u32(&b, 1);
    tb_u32(&b, 0);
    tb_u32(&b, 48);
    r = open_tb(&b);
    expect_frame(r, 1000, 2, 2, 1, 0, 0x0A);
    expect_end(r);
    sf_reader_close(r);
    tb_free(&b);
}

static void test_ng_zero_packets(void **state)
{
    struct tb b = { .be = 1 };
    struct sf_reader *r;

    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    r = open_tb(&b);
    expect_end(r);
    sf_reader_close(r);
    tb_free(&b);
}

/* A good first packet, then the bad bytes appended by `bad`. */
static void ng_prefix(struct tb *b)
{
    ng_shb(b);
    ng_idb(b, 1, 0, -1, 0);
    ng_epb(b, 0, 1, 4, 4, 0x0C);
}

#define NG_BAD_OFF "offset 88"   /* 28 (SHB) + 24 (IDB) + 36 (EPB) */

static void ng_expect_bad(struct tb *b, const char *needle)
{
    struct sf_reader *r = open_tb(b);

    expect_frame(r, 1000, 4, 4, 1, 0, 0x0C);
    expect_error(r, needle);
    sf_reader_close(r);
}

static void test_ng_bad_lengths(void **state)
{
    struct tb b = { 0 };

    ng_prefix(&b);
    tb_u32(&b, 6);
    tb_u32(&b, 30);                            /* not a multiple of 4 */
    tb_fill(&b, 0, 24);
    ng_expect_bad(&b, "block at " NG_BAD_OFF " (type 0x00000006) has a bad length 30");
    tb_free(&b);

    ng_prefix(&b);
    tb_u32(&b, 6);
    tb_u32(&b, 8);                             /* below 12 */
    ng_expect_bad(&b, NG_BAD_OFF " (type 0x00000006) has a bad length 8");
    tb_free(&b);

    ng_prefix(&b);
    tb_u32(&b, 0xBAD);
    tb_u32(&b, 0x7FFFFFF0);                    /* way above 16 MiB */
    ng_expect_bad(&b, NG_BAD_OFF " (type 0x00000bad) has a bad length 2147483632");
    tb_free(&b);

    ng_prefix(&b);
    ng_raw(&b, 0xBAD, 4);
    b.p[b.len - 4] ^= 0x10;                    /* trailer copy differs */
    ng_expect_bad(&b, "block at " NG_BAD_OFF ": trailing length 0 does not match 16");
    tb_free(&b);

    ng_prefix(&b);
    ng_epb(&b, 0, 1, 4, 4, 0x0C);
    b.len -= 6;                                /* cut inside the block */
    ng_expect_bad(&b, "truncated file: block at " NG_BAD_OFF " needs 36 bytes, only 30 left");
    tb_free(&b);

    ng_prefix(&b);
    tb_u32(&b, 6);
    ng_expect_bad(&b, "truncated file: block header at " NG_BAD_OFF " needs 8 bytes, only 4 left");
    tb_free(&b);

    ng_prefix(&b);
    ng_epb(&b, 0, 1, 4, 4, 0x0C);
    b.p[88 + 20] = 9;                          /* caplen 9 > 4 bytes of room */
    ng_expect_bad(&b, "enhanced packet block at " NG_BAD_OFF ": captured length 9 runs past the end");
    tb_free(&b);

    ng_prefix(&b);
    ng_epb(&b, 0, 1, 4, 4, 0x0C);
    b.p[88 + 20] = 0;
    b.p[88 + 22] = 0x42;                       /* caplen 0x420000 */
    ng_expect_bad(&b, "record at " NG_BAD_OFF " claims a 4325376-byte packet, bigger than the maximum of 262144");
    tb_free(&b);

    ng_prefix(&b);
    ng_raw(&b, 6, 8);                          /* EPB with no room for its header */
    ng_expect_bad(&b, "enhanced packet block at " NG_BAD_OFF " is too short (20 bytes)");
    tb_free(&b);
}

static void test_ng_option_too_long(void **state)
{
    struct tb b = { 0 };

    /* In an IDB after a good packet. */
    ng_prefix(&b);
    tb_u32(&b, 1);
    tb_u32(&b, 28);
    tb_u16(&b, 1);
    tb_u16(&b, 0);
    tb_u32(&b, 0);
    tb_u16(&b, 9);
    tb_u16(&b, 5);                             /* 5 (8 padded) > 4 left */
    tb_u32(&b, 0);
    tb_u32(&b, 28);
    ng_expect_bad(&b, "interface description block at " NG_BAD_OFF ": option 9 of length 5 runs past");
    tb_free(&b);

    /* In the first SHB, as libpcap's shb-option-too-long.pcapng. */
    tb_u32(&b, 0x0A0D0D0A);
    tb_u32(&b, 36);
    tb_u32(&b, 0x1A2B3C4D);
    tb_u16(&b, 1);
    tb_u16(&b, 0);
    tb_u32(&b, 0xFFFFFFFF);
    tb_u32(&b, 0xFFFFFFFF);
    tb_u16(&b, 3);
    tb_u16(&b, 12336);
    tb_u32(&b, 0x30303030);
    tb_u32(&b, 36);
    expect_open_error(&b, "section header block at offset 0: option 3 of length 12336 runs past the end");
    tb_free(&b);

    /* In an EPB. */
    ng_prefix(&b);
    tb_u32(&b, 6);
    tb_u32(&b, 40);
    tb_u32(&b, 0);
    tb_u32(&b, 0);
    tb_u32(&b, 1);
    tb_u32(&b, 0);
    tb_u32(&b, 0);
    tb_u16(&b, 2);
    tb_u16(&b, 8);                             /* 8 > 4 left */
    tb_u32(&b, 0);
    tb_u32(&b, 40);
    ng_expect_bad(&b, "enhanced packet block at " NG_BAD_OFF ": option 2 of length 8 runs past");
    tb_free(&b);
}

static void test_ng_bad_shb(void **state)
{
    struct tb b = { 0 };

    ng_shb(&b);
    b.p[8] = 0x4E;                             /* byte-order magic broken */
    expect_open_error(&b, "section header block at offset 0 has a bad byte-order magic");
    tb_free(&b);

    ng_shb(&b);
    b.p[12] = 2;                               /* version 2.0 */
    expect_open_error(&b, "unsupported version 2.0");
    tb_free(&b);

    ng_shb(&b);
    b.len = 20;
    expect_open_error(&b, "truncated file: section header block at offset 0 needs 28 bytes, only 20 left");
    tb_free(&b);

    /* A second section whose header is broken: earlier frames survive. */
    ng_prefix(&b);
    ng_shb(&b);
    b.p[88 + 4] = 24;                          /* SHB length below 28 */
    b.p[88 + 24] = 24;
    ng_expect_bad(&b, "section header block at " NG_BAD_OFF " has a bad length 24");
    tb_free(&b);
}

static void test_ng_spb_without_idb(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    ng_shb(&b);
    ng_raw(&b, 3, 8);
    r = open_tb(&b);
    /* Original length 0xEEEEEEEE, 4 bytes in the block: a frame with no link type. */
    expect_frame(r, 0, 4, 0xEEEEEEEEu, SF_LINKTYPE_NO_IFACE, UINT32_MAX, 0xEE);
    expect_end(r);
    assert_int_equal(sf_reader_warnings(r), 1);
    sf_reader_close(r);
    tb_free(&b);
}

/* The documented interface limit (docs/architecture.md): 65,536 per section,
 * the next IDB is a broken file, after the frames before it. */
static void test_ng_interface_limit(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    ng_shb(&b);
    for (unsigned i = 0; i < 65536u; i++)
        ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 65535, 1, 1, 1, 0x07);           /* the last one is usable */
    ng_idb(&b, 1, 0, -1, 0);
    r = open_tb(&b);
    expect_frame(r, 1000, 1, 1, 1, 65535, 0x07);
    expect_error(r, "more than 65536 interfaces");
    sf_reader_close(r);
    tb_free(&b);
}

static void test_ng_binary_tsresol_fine(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;

    /* 2^-40 s units (bigger than the 34-bit split), 2^-100 (past 64 bits)
     * and decimal 10^-12 (ps). */
    ng_shb(&b);
    ng_idb(&b, 1, 0, 0x80 | 40, 0);
    ng_idb(&b, 1, 0, 0x80 | 100, 0);
    ng_idb(&b, 1, 0, 12, 0);
    ng_epb(&b, 0, (UINT64_C(3) << 40) | (UINT64_C(1) << 39), 0, 0, 0);
    ng_epb(&b, 1, UINT64_MAX, 0, 0, 0);
    ng_epb(&b, 2, UINT64_C(1500000000123456789), 0, 0, 0);
    r = open_tb(&b);
    expect_frame(r, 3500000000, 0, 0, 1, 0, 0);
    expect_frame(r, 0, 0, 0, 1, 1, 0);
    expect_frame(r, 1500000000123456, 0, 0, 1, 2, 0);
    expect_end(r);
    sf_reader_close(r);
    tb_free(&b);
}

/* ------------------------------------------------------- streaming input */

static char *write_tmp(const struct tb *b)
{
    static char path[64];
    int fd;

    snprintf(path, sizeof path, "/tmp/test_reader_XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b->p, b->len), (ssize_t)b->len);
    close(fd);
    return path;
}

/* Records of varying sizes across several buffer refills, checked byte for
 * byte, then a cut record whose offset must be the file offset. */
static void test_path_pcap_refills(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;
    struct sf_frame f;
    char err[256];
    char *path;
    uint64_t off = 24;
    uint32_t n = 0;

    pcap_hdr(&b, 0xa1b2c3d4, 2, 262144, 1);
    for (uint32_t i = 0; i < 3000; i++)
        pcap_rec(&b, i, 0, (i * 7919u) % 3000u, 1514, (uint8_t)i);
    pcap_rec(&b, 9, 0, 200000, 200000, 0xCD);    /* bigger than what is left in the buffer */
    pcap_rec(&b, 9, 0, 100, 100, 0xCE);
    b.len -= 1;
    path = write_tmp(&b);
    r = sf_reader_open_path(path, err, sizeof err);
    assert_non_null(r);
    while (n < 3000) {
        uint32_t caplen = (n * 7919u) % 3000u;

        assert_int_equal(sf_reader_next(r, &f), 1);
        assert_int_equal(f.offset, off);
        assert_int_equal(f.caplen, caplen);
        assert_int_equal(f.ts_ns, (int64_t)n * 1000000000);
        for (uint32_t i = 0; i < caplen; i++)
            assert_int_equal(f.data[i], (uint8_t)n);
        off += 16 + caplen;
        n++;
    }
    expect_frame(r, 9000000000, 200000, 200000, 1, 0, 0xCD);
    off += 16 + 200000;
    {
        char want[128];

        snprintf(want, sizeof want, "record at offset %llu needs 116 bytes, only 115 left", (unsigned long long)off);
        expect_error(r, want);
    }
    sf_reader_close(r);
    unlink(path);
    tb_free(&b);
}

/* pcapng through a file: a 3 MiB unknown block (streamed past), a 2 MiB EPB
 * (options make it bigger than the initial buffer), and stdin via "-". */
static void test_path_pcapng_big_blocks(void **state)
{
    struct tb b = { 0 };
    struct sf_reader *r;
    char err[256];
    char *path;
    int saved, fd;

    ng_shb(&b);
    ng_idb(&b, 1, 0, -1, 0);
    ng_epb(&b, 0, 1, 10, 10, 0x21);
    ng_raw(&b, 0xBAD, 3u << 20);
    /* EPB with a 2 MiB comment option after 64 data bytes. */
    tb_u32(&b, 6);
    tb_u32(&b, 32 + 64 + 4 + (2u << 20) + 4);
    tb_u32(&b, 0);
    tb_u32(&b, 0);
    tb_u32(&b, 2);
    tb_u32(&b, 64);
    tb_u32(&b, 64);
    tb_fill(&b, 0x22, 64);
    tb_u16(&b, 1);
    tb_u16(&b, 65535);                          /* opt_comment: max 65535 */
    tb_fill(&b, 'x', 65536);
    tb_fill(&b, 0, (2u << 20) + 4 - 65536);     /* opt_endofopt, then zeros */
    tb_u32(&b, 32 + 64 + 4 + (2u << 20) + 4);
    ng_epb(&b, 0, 3, 10, 10, 0x23);
    path = write_tmp(&b);

    for (int use_stdin = 0; use_stdin < 2; use_stdin++) {
        saved = -1;
        if (use_stdin) {
            saved = dup(STDIN_FILENO);
            fd = open(path, O_RDONLY);
            assert_true(fd >= 0 && saved >= 0);
            dup2(fd, STDIN_FILENO);
            close(fd);
        }
        r = sf_reader_open_path(use_stdin ? "-" : path, err, sizeof err);
        assert_non_null(r);
        expect_frame(r, 1000, 10, 10, 1, 0, 0x21);
        expect_frame(r, 2000, 64, 64, 1, 0, 0x22);
        expect_frame(r, 3000, 10, 10, 1, 0, 0x23);
        expect_end(r);
        sf_reader_close(r);
        if (use_stdin) {
            dup2(saved, STDIN_FILENO);
            close(saved);
        }
    }
    unlink(path);

    /* The big unknown block cut short: the error names its offset. */
    b.len = 28 + 24 + 44 + (2u << 20);
    path = write_tmp(&b);
    r = sf_reader_open_path(path, err, sizeof err);
    assert_non_null(r);
    expect_frame(r, 1000, 10, 10, 1, 0, 0x21);
    expect_error(r, "truncated file: block at offset 96 runs");
    sf_reader_close(r);
    unlink(path);
    tb_free(&b);
}

static void test_path_missing(void **state)
{
    char err[256] = "";

    assert_null(sf_reader_open_path("/nonexistent/x.pcap", err, sizeof err));
    /* The reason only: the caller (sf_source) names the file, once. */
    assert_string_equal(err, "No such file or directory");
    sf_reader_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_le_usec),
        cmocka_unit_test(test_pcap_be_usec),
        cmocka_unit_test(test_pcap_nsec_both_orders),
        cmocka_unit_test(test_pcap_snaplen_warning),
        cmocka_unit_test(test_pcap_version_1),
        cmocka_unit_test(test_pcap_truncated_header),
        cmocka_unit_test(test_pcap_truncated_body),
        cmocka_unit_test(test_pcap_oversize),
        cmocka_unit_test(test_pcap_max_caplen_ok),
        cmocka_unit_test(test_bad_magic_empty_short),
        cmocka_unit_test(test_pcap_zero_packets),
        cmocka_unit_test(test_ng_sections_ifaces_tsresol),
        cmocka_unit_test(test_ng_spb_opb_unknown),
        cmocka_unit_test(test_ng_unknown_iface_skipped),
        cmocka_unit_test(test_ng_epb_options),
        cmocka_unit_test(test_ng_zero_packets),
        cmocka_unit_test(test_ng_bad_lengths),
        cmocka_unit_test(test_ng_option_too_long),
        cmocka_unit_test(test_ng_bad_shb),
        cmocka_unit_test(test_ng_spb_without_idb),
        cmocka_unit_test(test_ng_interface_limit),
        cmocka_unit_test(test_ng_binary_tsresol_fine),
        cmocka_unit_test(test_path_pcap_refills),
        cmocka_unit_test(test_path_pcapng_big_blocks),
        cmocka_unit_test(test_path_missing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
