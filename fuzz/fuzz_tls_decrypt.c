/* fuzz_tls_decrypt.c - libFuzzer harness: TLS decryption with fixed keys, on two levels. */

/*
 * Byte 0 chooses.  Below 0x80: one record opened directly (tls_crypto.c).
 * Byte 1 picks the suite and version from `cases` (TLS 1.3 AES-GCM and
 * ChaCha20, TLS 1.2 AES-GCM, ChaCha20, AES-CBC with and without
 * encrypt-then-MAC, TLS 1.0 CBC with its chained IV); bytes 2-6 are the
 * record header, the rest its body.  With byte 0 odd the harness first
 * seals the body itself with the same key (libcrypto's encryption), so the
 * paths after a good tag (TLS 1.3 inner type and padding) are reached too.
 * From 0x80: a whole connection through the TLS record layer, the
 * decryptor and the HTTP layers above it, with a key log holding the
 * secrets of two bundled captures (tls13-aes128gcm,
 * tls12-ecdhe-rsa-aes128-sha): the rest is a list of segments in capture
 * order (see connection()); the seeds are those captures' segments.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app/layer.h"
#include "app/tls_crypto.h"
#include "synfin/http.h"
#include "synfin/keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    uint16_t suite, version;
    bool etm;
} cases[] = {
    { 0x1301, 0x0304, false }, { 0x1302, 0x0304, false }, { 0x1303, 0x0304, false },
    { 0xc02f, 0x0303, false }, { 0xc030, 0x0303, false }, { 0xcca8, 0x0303, false },
    { 0xc013, 0x0303, false }, { 0xc013, 0x0303, true },  { 0xc027, 0x0303, false },
    { 0xc028, 0x0303, true },  { 0xc013, 0x0301, false }, { 0x002f, 0x0302, false },
};

static const char keylog_text[] =
    "SERVER_HANDSHAKE_TRAFFIC_SECRET 26670ac257cab569234daed4f540b16ef328c0334e11728b442bd33bace3bc65 "
    "c31d6de505743266f595f9a57429826cc0bbdac61331fd74e61af2289593a641\n"
    "SERVER_TRAFFIC_SECRET_0 26670ac257cab569234daed4f540b16ef328c0334e11728b442bd33bace3bc65 "
    "3698427b34b23e17e2bb2c57fda1b8d3f69418e01e44311fe2f1ee342b316359\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET 26670ac257cab569234daed4f540b16ef328c0334e11728b442bd33bace3bc65 "
    "05c5b7e1882193d059c93db0e91bb9d9e0a7f4ab540bb47e33914263c8e2d7ab\n"
    "CLIENT_TRAFFIC_SECRET_0 26670ac257cab569234daed4f540b16ef328c0334e11728b442bd33bace3bc65 "
    "0171e0c65289d8d51946d772b3914e125e3501e3f8cf3f90325748251919a2c1\n"
    "CLIENT_RANDOM ecb3485bc60a23990579ac4ceee50bb512d1e9844cc836e28692e2d026471002 "
    "e434910de026370cd4b2d30f0d18c5f9eef201c7bd27b49ddb8aec979ab4b9dbebb81efae7993dcfcf70aa8c60a3a6be\n";

/* Seals p[0..n) as a TLS 1.3 / 1.2 AEAD record of c (the harness's own
 * encryption, to reach what follows a good tag).  Returns the body length. */
static size_t seal(const struct sf_tls_cipher *c, uint8_t hdr[5], const uint8_t *p, size_t n, uint8_t *out)
{
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    const EVP_CIPHER *ci = c->suite->bulk == SF_TLS_CHACHA ? EVP_chacha20_poly1305()
                           : c->suite->key_len == 16     ? EVP_aes_128_gcm()
                                                         : EVP_aes_256_gcm();
    uint8_t nonce[12], aad[13];
    size_t at = 0, total;
    int l = 0;
    const uint8_t *a = aad;
    size_t alen = 13;
    if (!x)
        return 0;
    memcpy(nonce, c->iv, 12);
    if (c->suite->tls13 || c->suite->bulk == SF_TLS_CHACHA) {
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(c->seq >> (56 - 8 * i));
    } else {
        memset(nonce + 4, 0x5a, 8);
        memcpy(out, nonce + 4, 8);
        at = 8;
    }
    total = at + n + 16;
    hdr[3] = (uint8_t)(total >> 8);
    hdr[4] = (uint8_t)total;
    if (c->suite->tls13) {
        a = hdr;
        alen = 5;
    } else {
        for (int i = 0; i < 8; i++)
            aad[i] = (uint8_t)(c->seq >> (56 - 8 * i));
        aad[8] = hdr[0];
        aad[9] = hdr[1];
        aad[10] = hdr[2];
        aad[11] = (uint8_t)(n >> 8);
        aad[12] = (uint8_t)n;
    }
    if (EVP_EncryptInit_ex(x, ci, NULL, NULL, NULL) != 1 || EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
        EVP_EncryptInit_ex(x, NULL, NULL, c->key, nonce) != 1 || EVP_EncryptUpdate(x, NULL, &l, a, (int)alen) != 1 ||
        (n && EVP_EncryptUpdate(x, out + at, &l, p, (int)n) != 1) || EVP_EncryptFinal_ex(x, out + at + n, &l) != 1 ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, out + at + n) != 1)
        total = 0;
    EVP_CIPHER_CTX_free(x);
    return total;
}

static void one_record(const uint8_t *data, size_t size)
{
    static const uint8_t secret[48] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    static const uint8_t cr[32] = { 0xc1 }, sr[32] = { 0x5e };
    struct sf_tls_cipher c, s;
    uint8_t hdr[5], *in, *out, type;
    size_t n;
    unsigned which;

    if (size < 7)
        return;
    which = data[1] % (sizeof(cases) / sizeof(cases[0]));
    memset(&c, 0, sizeof(c));
    memset(&s, 0, sizeof(s));
    if (cases[which].version == 0x0304) {
        const struct sf_tls_suite *su = sf_tls_suite_find(cases[which].suite);
        if (sf_tls13_cipher_init(&c, su, secret, su->sha384 ? 48 : 32) < 0)
            goto out;
    } else if (sf_tls12_cipher_init(&c, &s, sf_tls_suite_find(cases[which].suite), cases[which].version,
                                    cases[which].etm, secret, cr, sr) < 0) {
        goto out;
    }
    memcpy(hdr, data + 2, 5);
    n = size - 7;
    in = malloc(n + 64);
    out = malloc(n + 64);
    if (in && out) {
        size_t len = n;
        memcpy(in, data + 7, n);
        if ((data[0] & 1) && c.suite->bulk != SF_TLS_CBC && n <= 16384)
            len = seal(&c, hdr, data + 7, n, in);
        /* out holds exactly the body's length: an overflow is an ASan report. */
        free(out);
        out = malloc(len ? len : 1);
        if (out) {
            sf_tls_cipher_open(&c, hdr, in, len, out, &type);
            sf_tls_cipher_open(&c, hdr, in, len, out, &type);   /* the next sequence number */
        }
        if (c.suite->tls13 && data[0] & 2)
            sf_tls13_cipher_update(&c);
    }
    free(in);
    free(out);
out:
    sf_tls_cipher_clear(&c);
    sf_tls_cipher_clear(&s);
}

static void feed(struct sf_layer *l, int dir, const uint8_t *p, size_t n, uint64_t frame)
{
    uint8_t *b = malloc(n ? n : 1);
    struct sf_span sp = { frame, (int64_t)frame, frame, (int64_t)frame, 1 };
    if (!b)
        return;
    memcpy(b, p, n);
    sf_layer_data(l, dir, b, n, &sp);
    free(b);
}

static void connection(const uint8_t *data, size_t size)
{
    struct sf_http_config cfg;
    struct sf_http_app *app;
    struct sf_keylog *k = sf_keylog_new();
    struct sf_conn conn;
    struct sf_stack s;
    struct sf_layer *l;
    size_t at = 1;
    uint64_t frame = 1;

    if (!k) {
        return;
    }
    sf_keylog_add(k, (const uint8_t *)keylog_text, sizeof(keylog_text) - 1);
    sf_http_config_default(&cfg);
    cfg.keylog = k;
    app = sf_http_app_new(&cfg);
    memset(&conn, 0, sizeof(conn));
    conn.irtt_ns = -1;
    memset(&s, 0, sizeof(s));
    s.app = app;
    s.conn = &conn;
    l = app ? sf_tls_layer_new(&s) : NULL;
    if (l) {
        s.bottom = l;
        l->slot = &s.bottom;
        /* Segments in capture order: a 2-byte header (top bit: from the
         * server; then the length), then the payload; length 0 is a gap. */
        while (at + 2 <= size && s.bottom) {
            int dir = data[at] >> 7;
            size_t n = (size_t)(data[at] & 0x7f) << 8 | data[at + 1];
            at += 2;
            if (n > size - at)
                n = size - at;
            s.cur_frame = frame;
            if (n == 0)
                sf_layer_gap(s.bottom, dir, 100);
            else
                feed(s.bottom, dir, data + at, n, frame);
            frame++;
            at += n;
        }
        if (s.bottom) {
            sf_layer_eof(s.bottom, 0);
            sf_layer_eof(s.bottom, 1);
            sf_layer_finish(s.bottom);
            sf_layer_destroy(s.bottom);
        }
    }
    sf_http_app_drain(app);
    sf_http_app_free(app);
    sf_keylog_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] < 0x80)
        one_record(data, size);
    else
        connection(data, size);
    return 0;
}
