/* test_tls_crypto.c - TLS decryption on published vectors: RFC 8448 (TLS 1.3 traces: secrets,
 * keys, IVs and protected records), the TLS 1.2 PRF vector of the IETF TLS list (msg03416),
 * the NSS key log reader and the pcapng Decryption Secrets Block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include "app/tls_crypto.h"
#include "synfin/analyzer.h"
#include "synfin/app.h"
#include "synfin/capture.h"
#include "synfin/http.h"
#include "synfin/keylog.h"
#include "synfin/tls.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(n < cap);
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

/* RFC 8448 section 3 (Simple 1-RTT Handshake), TLS_AES_128_GCM_SHA256. */
static const char c_hs_secret[] = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
static const char s_hs_secret[] = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
static const char c_ap_secret[] = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
static const char s_ap_secret[] = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";

static void init13(struct sf_tls_cipher *c, const char *secret_hex)
{
    uint8_t sec[32];
    assert_int_equal(unhex(secret_hex, sec, sizeof(sec)), 32);
    memset(c, 0, sizeof(*c));
    assert_int_equal(sf_tls13_cipher_init(c, sf_tls_suite_find(0x1301), sec, 32), 0);
}

static void test_tls13_keys(void **state)
{
    struct sf_tls_cipher c;
    uint8_t want[16];
    (void)state;
    init13(&c, s_hs_secret);
    unhex("3fce516009c21727d0f2e4e86ee403bc", want, 16);
    assert_memory_equal(c.key, want, 16);
    unhex("5d313eb2671276ee13000b30", want, 12);
    assert_memory_equal(c.iv, want, 12);
    sf_tls_cipher_clear(&c);
    init13(&c, c_hs_secret);
    unhex("dbfaa693d1762c5b666af5d950258d01", want, 16);
    assert_memory_equal(c.key, want, 16);
    unhex("5bd3c71b836e0b76bb73265f", want, 12);
    assert_memory_equal(c.iv, want, 12);
    sf_tls_cipher_clear(&c);
    init13(&c, s_ap_secret);
    unhex("9f02283b6c9c07efc26bb9f2ac92e356", want, 16);
    assert_memory_equal(c.key, want, 16);
    unhex("cf782b88dd83549aadf1e984", want, 12);
    assert_memory_equal(c.iv, want, 12);
    sf_tls_cipher_clear(&c);
    init13(&c, c_ap_secret);
    unhex("17422dda596ed5d9acd890e3c63f5051", want, 16);
    assert_memory_equal(c.key, want, 16);
    unhex("5b78923dee08579033e523d9", want, 12);
    assert_memory_equal(c.iv, want, 12);
    sf_tls_cipher_clear(&c);
}

/* Opens a whole record given in hex; returns the plaintext length. */
static long open_hex(struct sf_tls_cipher *c, const char *rec_hex, uint8_t *out, uint8_t *type)
{
    uint8_t rec[1024];
    size_t n = unhex(rec_hex, rec, sizeof(rec));
    assert_true(n > 5);
    assert_int_equal(n - 5, (size_t)(rec[3] << 8 | rec[4]));
    return sf_tls_cipher_open(c, rec, rec + 5, n - 5, out, type);
}

static void test_tls13_records(void **state)
{
    struct sf_tls_cipher c;
    uint8_t out[1024], want[64], type = 0, rec[128];
    size_t n;
    (void)state;

    /* {client} send handshake record: the client's Finished. */
    init13(&c, c_hs_secret);
    n = unhex("14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61", want, sizeof(want));
    assert_int_equal(open_hex(&c, "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc"
                                  "44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546", out, &type),
                     (long)n);
    assert_int_equal(type, 22);
    assert_memory_equal(out, want, n);
    assert_int_equal(c.seq, 1);
    sf_tls_cipher_clear(&c);

    /* {client} send application_data record (seq 0), then the alert (seq 1). */
    init13(&c, c_ap_secret);
    assert_int_equal(open_hex(&c, "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f"
                                  "2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae6"
                                  "3aeebb21694915e4", out, &type),
                     50);
    assert_int_equal(type, 23);
    for (int i = 0; i < 50; i++)
        assert_int_equal(out[i], i);
    assert_int_equal(open_hex(&c, "1703030013c9872760655666b74d7ff1153efd6db6d0b0e3", out, &type), 2);
    assert_int_equal(type, 21);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 0);

    /* A flipped bit fails the tag, and the sequence number stays. */
    n = unhex("1703030013c9872760655666b74d7ff1153efd6db6d0b0e3", rec, sizeof(rec));
    rec[7] ^= 1;
    assert_int_equal(sf_tls_cipher_open(&c, rec, rec + 5, n - 5, out, &type), -1);
    assert_int_equal(c.seq, 2);
    sf_tls_cipher_clear(&c);

    /* {server} send application_data record: seq 1 (the NewSessionTicket was 0). */
    init13(&c, s_ap_secret);
    c.seq = 1;
    assert_int_equal(open_hex(&c, "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36"
                                  "e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf33254"
                                  "0dd032e167c2955d", out, &type),
                     50);
    assert_int_equal(type, 23);
    assert_int_equal(out[49], 49);
    /* The wrong sequence number is the wrong nonce. */
    c.seq = 0;
    assert_int_equal(open_hex(&c, "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36"
                                  "e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf33254"
                                  "0dd032e167c2955d", out, &type),
                     -1);
    sf_tls_cipher_clear(&c);
}

/* KeyUpdate: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N,
 * "traffic upd", "", Hash.length) (RFC 8446 7.2): the same as the
 * expansion called directly, and the key follows it. */
static void test_tls13_update(void **state)
{
    struct sf_tls_cipher c;
    uint8_t sec[32], next[32], key[16];
    (void)state;
    init13(&c, c_ap_secret);
    unhex(c_ap_secret, sec, 32);
    assert_int_equal(sf_tls13_expand_label(false, sec, 32, "traffic upd", NULL, 0, next, 32), 0);
    assert_int_equal(sf_tls13_cipher_update(&c), 0);
    assert_memory_equal(c.secret, next, 32);
    assert_int_equal(sf_tls13_expand_label(false, next, 32, "key", NULL, 0, key, 16), 0);
    assert_memory_equal(c.key, key, 16);
    assert_memory_not_equal(c.secret, sec, 32);
    sf_tls_cipher_clear(&c);
}

/* The TLS 1.2 PRF (SHA-256) vector posted to the IETF TLS list
 * (mail-archive/web/tls/current/msg03416.html). */
static void test_prf(void **state)
{
    uint8_t secret[16], seed[16], want[100], out[100];
    (void)state;
    unhex("9bbe436ba940f017b17652849a71db35", secret, 16);
    unhex("a0ba9f936cda311827a6f796ffd5198c", seed, 16);
    assert_int_equal(unhex("e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
                           "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
                           "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
                           "87347b66",
                           want, sizeof(want)),
                     100);
    assert_int_equal(sf_tls12_prf(0x0303, false, secret, 16, "test label", seed, 16, out, 100), 0);
    assert_memory_equal(out, want, 100);
}

static void test_suites(void **state)
{
    (void)state;
    assert_non_null(sf_tls_suite_find(0x1303));
    assert_non_null(sf_tls_suite_find(0xc02f));
    assert_non_null(sf_tls_suite_find(0xc013));
    assert_null(sf_tls_suite_find(0x1304));   /* TLS_AES_128_CCM_SHA256: not decrypted */
    assert_null(sf_tls_suite_find(0x000a));   /* 3DES */
}

static void test_keylog(void **state)
{
    static const char text[] =
        "# SSL/TLS secrets log file\n"
        "CLIENT_RANDOM 417d5d6fe225e9fc967ac47ca2c0a76151cb2cdf84d4872afa135754cb3fa715 "
        "416e8d875f70ce75f62f57e1256c2620a0c99c8c7b0ec63893dab37ec94f205315f4900b77b9c2c37cdf045f5e4a3326\n"
        "\n"
        "EXPORTER_SECRET 26670ac257cab569234daed4f540b16ef328c0334e11728b442bd33bace3bc65 1019b98c\r\n"
        "CLIENT_RANDOM 417d5d6f short\n"
        "CLIENT_RANDOM zz7d5d6fe225e9fc967ac47ca2c0a76151cb2cdf84d4872afa135754cb3fa715 00\n"
        "SERVER_TRAFFIC_SECRET_0 26670ac257cab569234daed4f540b16ef328c0334e11728b442bd33bace3bc65 "
        "3698427b34b23e17e2bb2c57fda1b8d3f69418e01e44311fe2f1ee342b316359\r\n"
        "CLIENT_TRAFFIC_SECRET_0 26670ac257cab569234daed4f540b16ef328c0334e11728b442bd33bace3bc65 "
        "0171e0c6";
    struct sf_keylog *k = sf_keylog_new();
    uint8_t cr[32];
    const struct sf_keylog_entry *e;
    (void)state;
    assert_non_null(k);
    /* Fed in pieces that cut lines anywhere. */
    for (size_t i = 0; i < sizeof(text) - 1; i += 7)
        assert_int_equal(sf_keylog_add(k, (const uint8_t *)text + i, sizeof(text) - 1 - i < 7 ? sizeof(text) - 1 - i : 7),
                         0);
    unhex("26670ac257cab569234daed4f540b16ef328c0334e11728b442bd33bace3bc65", cr, 32);
    e = sf_keylog_find(k, cr);
    assert_non_null(e);
    assert_int_equal(e->len[SF_KL_SERVER_TRAFFIC_SECRET_0], 32);
    assert_int_equal(e->secret[SF_KL_SERVER_TRAFFIC_SECRET_0][0], 0x36);
    assert_int_equal(e->len[SF_KL_CLIENT_TRAFFIC_SECRET_0], 0);   /* its line is not finished yet */
    sf_keylog_flush(k);
    e = sf_keylog_find(k, cr);
    assert_int_equal(e->len[SF_KL_CLIENT_TRAFFIC_SECRET_0], 4);
    unhex("417d5d6fe225e9fc967ac47ca2c0a76151cb2cdf84d4872afa135754cb3fa715", cr, 32);
    e = sf_keylog_find(k, cr);
    assert_non_null(e);
    assert_int_equal(e->len[SF_KL_CLIENT_RANDOM], 48);
    cr[0] ^= 1;
    assert_null(sf_keylog_find(k, cr));
    assert_int_equal(sf_keylog_count(k), 2);
    assert_int_equal(sf_keylog_stats(k)->lines, 6);
    assert_int_equal(sf_keylog_stats(k)->used, 3);
    assert_int_equal(sf_keylog_stats(k)->ignored, 1);
    assert_int_equal(sf_keylog_stats(k)->malformed, 2);
    sf_keylog_free(k);
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);   /* host order: the section header's byte-order magic says which */
}

/* A pcapng with a Decryption Secrets Block between the section header and
 * the interface: its key log comes out, an unknown secrets type does not. */
static void test_dsb(void **state)
{
    static const char keys[] = "CLIENT_RANDOM 00 11";
    uint8_t f[256];
    size_t n = 0, kl = sizeof(keys) - 1, padded = (kl + 3) & ~(size_t)3;
    char err[128];
    struct sf_reader *r;
    struct sf_frame fr;
    uint8_t *sec = NULL;
    (void)state;
    memset(f, 0, sizeof(f));
    put32(f + n, 0x0A0D0D0A); put32(f + n + 4, 28); put32(f + n + 8, 0x1A2B3C4D);
    f[n + 12] = 1; /* version 1.0 */
    memset(f + n + 16, 0xff, 8);   /* section length unknown */
    put32(f + n + 24, 28);
    n += 28;
    put32(f + n, 0x0000000A); put32(f + n + 4, (uint32_t)(20 + padded));
    put32(f + n + 8, SF_DSB_TLS_KEYLOG); put32(f + n + 12, (uint32_t)kl);
    memcpy(f + n + 16, keys, kl);
    put32(f + n + 16 + padded, (uint32_t)(20 + padded));
    n += 20 + padded;
    put32(f + n, 0x0000000A); put32(f + n + 4, 24);
    put32(f + n + 8, 0x57474b4c /* WireGuard */); put32(f + n + 12, 4);
    put32(f + n + 20, 24);
    n += 24;
    r = sf_reader_open_mem(f, n, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(sf_reader_next(r, &fr), 0);
    assert_int_equal(sf_reader_take_secrets(r, &sec), kl + 1);
    assert_memory_equal(sec, keys, kl);
    assert_int_equal(sec[kl], '\n');
    free(sec);
    assert_int_equal(sf_reader_take_secrets(r, &sec), 0);
    assert_null(sec);
    sf_reader_close(r);
}

struct live_seen {
    int txns;
    uint64_t req_frame, resp_frame;
    uint16_t status;
    enum sf_tls_dec_status dec;
};

static void live_txn(void *ctx, const struct sf_http_txn *t)
{
    struct live_seen *ls = ctx;
    ls->txns++;
    ls->req_frame = t->req.frame;
    ls->resp_frame = t->resp.frame;
    ls->status = t->status;
}

static void live_conn(void *ctx, const struct sf_conn *c)
{
    struct live_seen *ls = ctx;
    const struct sf_app_info *ai = sf_app_conn_info(c);
    if (ai && ai->tls)
        ls->dec = ai->tls->dec.status;
}

/* A live capture's key log grows while the connection runs: the secrets
 * arrive after the server's encrypted flight went by (frame 6).  Its
 * records are held, then decrypted once the file has them, and the HTTP
 * transaction names the frames tshark names (request 9, response 13;
 * tests/tools/diff_tls_decrypt.py checks them on the same capture). */
static void run_live(bool append_midway, struct live_seen *ls)
{
    char path[] = "/tmp/synfin-keylog-XXXXXX";
    int fd = mkstemp(path);
    FILE *keys, *src;
    char err[256], line[512];
    struct sf_keylog *k = sf_keylog_new();
    struct sf_http_config hc;
    struct sf_http_app *app;
    struct sf_analyzer_config cfg;
    struct sf_sink sink = { ls, NULL, live_conn };
    struct sf_analyzer *an;
    struct sf_reader *r;
    struct sf_frame f;
    uint64_t n = 0;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "# nothing yet\n", 14), 14);
    close(fd);
    assert_int_equal(sf_keylog_load(k, path, err, sizeof(err)), 0);
    sf_keylog_watch(k, true);
    sf_http_config_default(&hc);
    hc.keylog = k;
    hc.ctx = ls;
    hc.txn = live_txn;
    app = sf_http_app_new(&hc);
    sf_analyzer_config_default(&cfg);
    cfg.app_ops = sf_http_app_ops();
    cfg.app = app;
    an = sf_analyzer_new(&cfg, &sink);
    r = sf_reader_open_path("captures/tls/tls13-aes128gcm.pcap", err, sizeof(err));
    assert_non_null(r);
    while (sf_reader_next(r, &f) == 1) {
        n++;
        f.ts_ns = (int64_t)n * 50000000;   /* 50 ms apart: the key log is polled between frames */
        if (n == 8 && append_midway) {
            keys = fopen(path, "a");
            src = fopen("captures/tls/tls13-aes128gcm.keys", "r");
            assert_non_null(keys);
            assert_non_null(src);
            while (fgets(line, sizeof(line), src))
                fputs(line, keys);
            fclose(src);
            fclose(keys);
        }
        sf_analyzer_frame(an, &f, n);
    }
    sf_analyzer_finish(an);
    sf_http_app_drain(app);
    sf_reader_close(r);
    sf_analyzer_free(an);
    sf_http_app_free(app);
    sf_keylog_free(k);
    unlink(path);
}

static void test_live_keylog(void **state)
{
    struct live_seen ls;
    (void)state;
    memset(&ls, 0, sizeof(ls));
    run_live(true, &ls);
    assert_int_equal(ls.dec, SF_TLS_DEC_OK);
    assert_int_equal(ls.txns, 1);
    assert_int_equal(ls.status, 200);
    assert_int_equal(ls.req_frame, 9);
    assert_int_equal(ls.resp_frame, 13);
    /* The secrets never come: no key, and nothing reaches HTTP. */
    memset(&ls, 0, sizeof(ls));
    run_live(false, &ls);
    assert_int_equal(ls.dec, SF_TLS_DEC_NO_KEY);
    assert_int_equal(ls.txns, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls13_keys),
        cmocka_unit_test(test_tls13_records),
        cmocka_unit_test(test_tls13_update),
        cmocka_unit_test(test_prf),
        cmocka_unit_test(test_suites),
        cmocka_unit_test(test_keylog),
        cmocka_unit_test(test_dsb),
        cmocka_unit_test(test_live_keylog),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
