/* test_tls.c - TLS hello parsing and fingerprints: JA4 against the published examples of the JA4 spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/tls_fingerprint.h"
#include "app/tls_handshake.h"
#include "synfin/tls.h"

/*
 * The expected values are the worked example of FoxIO's JA4 specification,
 * github.com/FoxIO-LLC/ja4 technical_details/JA4.md (sections "Cipher
 * hash", "Extension hash", "Example" and "Raw Output"): a Chrome
 * ClientHello whose JA4_ro lists the cipher suites, extensions and
 * signature algorithms in wire order.  We build that ClientHello from the
 * JA4_ro lists, add GREASE values where Chrome puts them (the spec says
 * they are ignored everywhere), and check all four published forms.
 */
static const uint16_t ex_suites[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                      0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const uint16_t ex_exts[] = { 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                    0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015 };
static const uint16_t ex_sigs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };

struct hello {
    uint8_t b[4096];
    size_t n;
};

static void put8(struct hello *h, unsigned v) { h->b[h->n++] = (uint8_t)v; }
static void put16(struct hello *h, unsigned v) { put8(h, v >> 8); put8(h, v & 0xff); }
static void put_bytes(struct hello *h, const void *p, size_t n) { memcpy(h->b + h->n, p, n); h->n += n; }
/* Writes a 2-byte length at at for the bytes written since at + 2. */
static void patch16(struct hello *h, size_t at) { h->b[at] = (uint8_t)((h->n - at - 2) >> 8); h->b[at + 1] = (uint8_t)(h->n - at - 2); }

/* A ClientHello body (after the handshake header).  alpn: the first ALPN
 * value (n bytes); nosig: the signature_algorithms extension holds no
 * algorithm. */
static void build_hello(struct hello *h, const uint8_t *alpn, size_t alpn_n, bool nosig)
{
    size_t exts_at, at;
    h->n = 0;
    put16(h, 0x0303);
    for (int i = 0; i < 32; i++)
        put8(h, i);
    put8(h, 0);                                  /* session id */
    at = h->n;
    put16(h, 0);
    put16(h, 0x1a1a);                            /* GREASE suite first, as Chrome */
    for (size_t i = 0; i < sizeof(ex_suites) / 2; i++)
        put16(h, ex_suites[i]);
    patch16(h, at);
    put8(h, 1);
    put8(h, 0);                                  /* compression: null */
    exts_at = h->n;
    put16(h, 0);
    put16(h, 0x3a3a);                            /* GREASE extension first */
    put16(h, 0);
    for (size_t i = 0; i < sizeof(ex_exts) / 2; i++) {
        uint16_t t = ex_exts[i];
        put16(h, t);
        at = h->n;
        put16(h, 0);
        switch (t) {
        case 0x0000: {                           /* server_name: example.org */
            size_t l = h->n;
            put16(h, 0);
            put8(h, 0);
            put16(h, 11);
            put_bytes(h, "example.org", 11);
            patch16(h, l);
            break;
        }
        case 0x0010: {                           /* ALPN: the given first value, then http/1.1 */
            size_t l = h->n;
            put16(h, 0);
            put8(h, (unsigned)alpn_n);
            put_bytes(h, alpn, alpn_n);
            put8(h, 8);
            put_bytes(h, "http/1.1", 8);
            patch16(h, l);
            break;
        }
        case 0x000d: {                           /* signature_algorithms, GREASE-free as Chrome */
            size_t l = h->n;
            put16(h, 0);
            if (!nosig)
                for (size_t k = 0; k < sizeof(ex_sigs) / 2; k++)
                    put16(h, ex_sigs[k]);
            patch16(h, l);
            break;
        }
        case 0x002b:                             /* supported_versions: GREASE, 1.3, 1.2 */
            put8(h, 6);
            put16(h, 0x7a7a);
            put16(h, 0x0304);
            put16(h, 0x0303);
            break;
        case 0x000a:                             /* supported_groups: GREASE, x25519, P-256 */
            put16(h, 6);
            put16(h, 0x4a4a);
            put16(h, 0x001d);
            put16(h, 0x0017);
            break;
        default:
            break;
        }
        patch16(h, at);
    }
    put16(h, 0xfafa);                            /* GREASE extension last, with a byte */
    put16(h, 1);
    put8(h, 0);
    patch16(h, exts_at);
}

/* The hello as the fingerprints see it (tls_handshake.c does the same). */
static struct sf_tls_hello_view view_of(const struct hello *h)
{
    struct sf_tls_hello_view v;
    struct sf_cur c = sf_cur_make(h->b, h->n);
    memset(&v, 0, sizeof(v));
    v.version = sf_cur_be16(&c);
    sf_cur_skip(&c, 32);
    sf_cur_skip(&c, sf_cur_u8(&c));
    v.suites = sf_cur_take(&c, sf_cur_be16(&c), NULL);
    sf_cur_skip(&c, sf_cur_u8(&c));
    v.exts = sf_cur_take(&c, sf_cur_be16(&c), NULL);
    assert_false(c.err);
    return v;
}

static void expect_ja4(const struct hello *h, int flags, const char *want)
{
    struct sf_tls_hello_view v = view_of(h);
    struct sf_buf b;
    sf_buf_init(&b, NULL, 1u << 16);
    assert_int_equal(sf_tls_ja4(&v, flags, &b), 0);
    sf_buf_putc(&b, '\0');
    assert_string_equal(b.data, want);
    sf_buf_free(&b);
}

static void test_ja4_spec_example(void **state)
{
    struct hello h;
    (void)state;
    build_hello(&h, (const uint8_t *)"h2", 2, false);
    expect_ja4(&h, 0, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    expect_ja4(&h, SF_JA4_RAW,
               "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_"
               "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_"
               "0403,0804,0401,0503,0805,0501,0806,0601");
    expect_ja4(&h, SF_JA4_ORIGINAL, "t13d1516h2_acb858a92679_18f69afefd3d");
    expect_ja4(&h, SF_JA4_RAW | SF_JA4_ORIGINAL,
               "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_"
               "001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_"
               "0403,0804,0401,0503,0805,0501,0806,0601");
}

/* JA4.md "Extension hash": without signature algorithms the list ends
 * without an underscore: "0005,...,ff01 = 6d807ffa2a79". */
static void test_ja4_no_sigalgs(void **state)
{
    struct hello h;
    (void)state;
    build_hello(&h, (const uint8_t *)"h2", 2, true);
    expect_ja4(&h, 0, "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

/* JA4.md "ALPN Extension Value": the five published byte examples, and
 * "http/1.1" giving "h1". */
static void test_ja4_alpn(void **state)
{
    static const struct {
        uint8_t v[4];
        size_t n;
        const char *want;
    } cases[] = {
        { { 0xab }, 1, "ab" },
        { { 0xab, 0xcd }, 2, "ad" },
        { { 0x30, 0xab }, 2, "3b" },
        { { 0x30, 0x31, 0xab, 0xcd }, 4, "3d" },
        { { 0x30, 0xab, 0xcd, 0x31 }, 4, "01" },
        { { 'h', 't', 't', 'p' }, 4, "hp" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct hello h;
        struct sf_tls_hello_view v;
        struct sf_buf b;
        build_hello(&h, cases[i].v, cases[i].n, false);
        v = view_of(&h);
        sf_buf_init(&b, NULL, 1u << 16);
        assert_int_equal(sf_tls_ja4(&v, 0, &b), 0);
        assert_true(b.len > 10);
        assert_memory_equal(b.data + 8, cases[i].want, 2);
        sf_buf_free(&b);
    }
}

/* The parser keeps what the outputs show: lists with GREASE, the
 * fingerprints, and the first ALPN. */
static void test_parse_client_hello(void **state)
{
    struct hello h;
    struct sf_tls_info info;
    (void)state;
    memset(&info, 0, sizeof(info));
    build_hello(&h, (const uint8_t *)"h2", 2, false);
    assert_int_equal(sf_tls_parse_client_hello(&info, h.b, h.n), 0);
    assert_string_equal(info.sni, "example.org");
    assert_string_equal(info.alpn_offered, "h2,http/1.1");
    assert_string_equal(info.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_int_equal(info.suites.n, 16);        /* GREASE kept in the list */
    assert_int_equal(info.suites.v[0], 0x1a1a);
    assert_int_equal(info.exts.n, 18);
    assert_int_equal(info.versions.n, 3);
    assert_int_equal(info.sig_algs.n, 8);
    assert_int_equal(strlen(info.ja3), 32);
    /* JA3 drops GREASE from suites, extensions and groups (tshark 4.0). */
    assert_string_equal(info.ja3_full,
                        "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
                        "27-0-51-16-17513-23-45-13-5-35-18-43-65281-11-10-21,29-23,");
}

/* Every prefix of a valid hello is malformed, never read past its end
 * (each cut is its own heap block, so ASan sees an over-read). */
static void test_truncated(void **state)
{
    struct hello h;
    (void)state;
    build_hello(&h, (const uint8_t *)"h2", 2, false);
    for (size_t n = 0; n < h.n; n++) {
        struct sf_tls_info info;
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, h.b, n);
        memset(&info, 0, sizeof(info));
        sf_tls_parse_client_hello(&info, p, n);
        memset(&info, 0, sizeof(info));
        sf_tls_parse_server_hello(&info, p, n);
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja4_spec_example),
        cmocka_unit_test(test_ja4_no_sigalgs),
        cmocka_unit_test(test_ja4_alpn),
        cmocka_unit_test(test_parse_client_hello),
        cmocka_unit_test(test_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
