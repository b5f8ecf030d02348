/* tls_crypto.c - opening TLS records with libcrypto: no cryptography is written here, only the
 * framing around OpenSSL's EVP AEAD/cipher, HMAC (EVP_MAC) and key derivation (EVP_KDF HKDF,
 * TLS1-PRF) calls that RFC 8446 5.2/7.1-7.3, RFC 5246 6.2.3/6.3 and RFC 7366 prescribe. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "app/tls_crypto.h"

/* The suites decrypted: AES-GCM, ChaCha20-Poly1305 and AES-CBC with SHA-1 /
 * SHA-256 / SHA-384 HMAC, whatever the key exchange (the key log gives the
 * master secret, so ECDHE, DHE and RSA are all the same to us). */
static const struct sf_tls_suite suites[] = {
    { 0x1301, "TLS_AES_128_GCM_SHA256", true, SF_TLS_GCM, 16, 12, 0, false },
    { 0x1302, "TLS_AES_256_GCM_SHA384", true, SF_TLS_GCM, 32, 12, 0, true },
    { 0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, SF_TLS_CHACHA, 32, 12, 0, false },
    { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, SF_TLS_GCM, 16, 4, 0, false },
    { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, SF_TLS_GCM, 32, 4, 0, true },
    { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, SF_TLS_GCM, 16, 4, 0, false },
    { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false, SF_TLS_GCM, 32, 4, 0, true },
    { 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, SF_TLS_GCM, 16, 4, 0, false },
    { 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", false, SF_TLS_GCM, 32, 4, 0, true },
    { 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", false, SF_TLS_GCM, 16, 4, 0, false },
    { 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", false, SF_TLS_GCM, 32, 4, 0, true },
    { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, SF_TLS_CHACHA, 32, 12, 0, false },
    { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false, SF_TLS_CHACHA, 32, 12, 0, false },
    { 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, SF_TLS_CHACHA, 32, 12, 0, false },
    { 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false, SF_TLS_CBC, 16, 16, 20, false },
    { 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false, SF_TLS_CBC, 32, 16, 20, false },
    { 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", false, SF_TLS_CBC, 16, 16, 20, false },
    { 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", false, SF_TLS_CBC, 32, 16, 20, false },
    { 0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", false, SF_TLS_CBC, 16, 16, 20, false },
    { 0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", false, SF_TLS_CBC, 32, 16, 20, false },
    { 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", false, SF_TLS_CBC, 16, 16, 20, false },
    { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", false, SF_TLS_CBC, 32, 16, 20, false },
    { 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", false, SF_TLS_CBC, 16, 16, 32, false },
    { 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", false, SF_TLS_CBC, 16, 16, 32, false },
    { 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", false, SF_TLS_CBC, 32, 16, 48, true },
    { 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", false, SF_TLS_CBC, 32, 16, 48, true },
    { 0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", false, SF_TLS_CBC, 16, 16, 32, false },
    { 0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", false, SF_TLS_CBC, 32, 16, 32, false },
    { 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", false, SF_TLS_CBC, 16, 16, 32, false },
    { 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", false, SF_TLS_CBC, 32, 16, 32, false },
};

const struct sf_tls_suite *sf_tls_suite_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

/* ------------------------------------------------------------ key derivation */

int sf_tls13_expand_label(bool sha384, const uint8_t *secret, size_t secret_len, const char *label,
                          const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len)
{
    /* struct HkdfLabel { uint16 length; opaque label<7..255> = "tls13 " + label; opaque context<0..255>; } */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t ll = strlen(label), n = 0;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[5];
    EVP_KDF *kdf;
    EVP_KDF_CTX *kc;
    int rc;

    if (6 + ll > 255 || ctx_len > 255 || out_len > 0xffff)
        return -1;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = (uint8_t)ctx_len;
    if (ctx_len)
        memcpy(info + n, ctx, ctx_len);
    n += ctx_len;

    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (!kdf)
        return -1;
    kc = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (!kc)
        return -1;
    params[0] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, sha384 ? "SHA384" : "SHA256", 0);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n);
    params[4] = OSSL_PARAM_construct_end();
    rc = EVP_KDF_derive(kc, out, out_len, params) > 0 ? 0 : -1;
    EVP_KDF_CTX_free(kc);
    return rc;
}

int sf_tls12_prf(uint16_t version, bool sha384, const uint8_t *secret, size_t secret_len, const char *label,
                 const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
    /* PRF(secret, label, seed) = P_hash(secret, label + seed): label and
     * seed go in as one seed. */
    uint8_t s[128];
    size_t ll = strlen(label);
    OSSL_PARAM params[4];
    EVP_KDF *kdf;
    EVP_KDF_CTX *kc;
    const char *md = version < 0x0303 ? "MD5-SHA1" : sha384 ? "SHA384" : "SHA256";
    int rc;

    if (ll + seed_len > sizeof(s))
        return -1;
    memcpy(s, label, ll);
    memcpy(s + ll, seed, seed_len);
    kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    if (!kdf)
        return -1;
    kc = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (!kc)
        return -1;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, s, ll + seed_len);
    params[3] = OSSL_PARAM_construct_end();
    rc = EVP_KDF_derive(kc, out, out_len, params) > 0 ? 0 : -1;
    EVP_KDF_CTX_free(kc);
    return rc;
}

/* ------------------------------------------------------------ cipher contexts */

static const EVP_CIPHER *evp_cipher(const struct sf_tls_suite *s)
{
    switch (s->bulk) {
    case SF_TLS_GCM:
        return s->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    case SF_TLS_CHACHA:
        return EVP_chacha20_poly1305();
    default:
        return s->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    }
}

static const char *mac_digest(const struct sf_tls_suite *s)
{
    return s->mac_len == 20 ? "SHA1" : s->mac_len == 32 ? "SHA256" : "SHA384";
}

/* Creates the context with the key set (AEAD: the key stays, the nonce
 * changes per record; CBC: re-initialised per record with its IV). */
static int ctx_setup(struct sf_tls_cipher *c)
{
    EVP_CIPHER_CTX *x = c->ctx;
    if (!x) {
        x = EVP_CIPHER_CTX_new();
        if (!x)
            return -1;
        c->ctx = x;
    }
    if (c->suite->bulk == SF_TLS_CBC) {
        if (!c->mac) {
            EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
            if (!m)
                return -1;
            c->mac = EVP_MAC_CTX_new(m);
            EVP_MAC_free(m);
            if (!c->mac)
                return -1;
        }
        return 0;
    }
    if (EVP_DecryptInit_ex(x, evp_cipher(c->suite), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
        EVP_DecryptInit_ex(x, NULL, NULL, c->key, NULL) != 1)
        return -1;
    return 0;
}

int sf_tls13_cipher_init(struct sf_tls_cipher *c, const struct sf_tls_suite *s, const uint8_t *secret,
                         size_t secret_len)
{
    if (!s || !s->tls13 || secret_len != (s->sha384 ? 48u : 32u))
        return -1;
    c->suite = s;
    c->version = 0x0304;
    c->seq = 0;
    memcpy(c->secret, secret, secret_len);
    c->secret_len = (uint8_t)secret_len;
    if (sf_tls13_expand_label(s->sha384, secret, secret_len, "key", NULL, 0, c->key, s->key_len) < 0 ||
        sf_tls13_expand_label(s->sha384, secret, secret_len, "iv", NULL, 0, c->iv, 12) < 0)
        return -1;
    return ctx_setup(c);
}

int sf_tls13_cipher_update(struct sf_tls_cipher *c)
{
    uint8_t next[48];
    if (!c->suite || !c->suite->tls13)
        return -1;
    if (sf_tls13_expand_label(c->suite->sha384, c->secret, c->secret_len, "traffic upd", NULL, 0, next,
                              c->secret_len) < 0)
        return -1;
    return sf_tls13_cipher_init(c, c->suite, next, c->secret_len);
}

int sf_tls12_cipher_init(struct sf_tls_cipher *client, struct sf_tls_cipher *server, const struct sf_tls_suite *s,
                         uint16_t version, bool etm, const uint8_t master[48], const uint8_t client_random[32],
                         const uint8_t server_random[32])
{
    /* key_block = PRF(master, "key expansion", server_random + client_random):
     * client MAC key, server MAC key, client key, server key, client IV, server IV. */
    uint8_t seed[64], kb[2 * (48 + 32 + 16)];
    size_t at = 0, need;
    struct sf_tls_cipher *dir[2] = { client, server };

    if (!s || s->tls13 || version < 0x0301 || version > 0x0303)
        return -1;
    /* AEAD suites exist from TLS 1.2 on only. */
    if (s->bulk != SF_TLS_CBC && version != 0x0303)
        return -1;
    memcpy(seed, server_random, 32);
    memcpy(seed + 32, client_random, 32);
    need = 2u * (s->mac_len + s->key_len + s->fixed_iv_len);
    if (sf_tls12_prf(version, s->sha384, master, 48, "key expansion", seed, 64, kb, need) < 0)
        return -1;
    for (int d = 0; d < 2; d++) {
        dir[d]->suite = s;
        dir[d]->version = version;
        dir[d]->etm = etm && s->bulk == SF_TLS_CBC;
        dir[d]->seq = 0;
        memcpy(dir[d]->mac_key, kb + at, s->mac_len);
        at += s->mac_len;
    }
    for (int d = 0; d < 2; d++) {
        memcpy(dir[d]->key, kb + at, s->key_len);
        at += s->key_len;
    }
    for (int d = 0; d < 2; d++) {
        memcpy(dir[d]->iv, kb + at, s->fixed_iv_len);
        at += s->fixed_iv_len;
    }
    OPENSSL_cleanse(kb, sizeof(kb));
    return ctx_setup(client) < 0 || ctx_setup(server) < 0 ? -1 : 0;
}

void sf_tls_cipher_clear(struct sf_tls_cipher *c)
{
    EVP_CIPHER_CTX_free(c->ctx);
    EVP_MAC_CTX_free(c->mac);
    OPENSSL_cleanse(c, sizeof(*c));
}

/* --------------------------------------------------------------- records */

static void seq_nonce(const struct sf_tls_cipher *c, uint8_t nonce[12])
{
    memcpy(nonce, c->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (uint8_t)(c->seq >> (56 - 8 * i));
}

/* The TLS <= 1.2 additional data / MAC header: seq, type, version, length. */
static void pseudo_header(const struct sf_tls_cipher *c, const uint8_t hdr[5], size_t len, uint8_t out[13])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(c->seq >> (56 - 8 * i));
    out[8] = hdr[0];
    out[9] = hdr[1];
    out[10] = hdr[2];
    out[11] = (uint8_t)(len >> 8);
    out[12] = (uint8_t)len;
}

static long aead_open(struct sf_tls_cipher *c, const uint8_t *nonce, const uint8_t *aad, size_t aad_len,
                      const uint8_t *ct, size_t ct_len, const uint8_t *tag, uint8_t *out)
{
    EVP_CIPHER_CTX *x = c->ctx;
    int l = 0, f = 0;
    if (!x || ct_len > 0x7fffffff)
        return -1;
    if (EVP_DecryptInit_ex(x, NULL, NULL, NULL, nonce) != 1 ||
        EVP_DecryptUpdate(x, NULL, &l, aad, (int)aad_len) != 1 ||
        (ct_len && EVP_DecryptUpdate(x, out, &l, ct, (int)ct_len) != 1) ||
        EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16, (void *)tag) != 1 ||
        EVP_DecryptFinal_ex(x, out + (ct_len ? l : 0), &f) != 1)
        return -1;
    return (long)ct_len;
}

static int hmac(struct sf_tls_cipher *c, const uint8_t ph[13], const uint8_t *p, size_t n, uint8_t *out)
{
    OSSL_PARAM params[2];
    size_t ol = 0;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)mac_digest(c->suite), 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(c->mac, c->mac_key, c->suite->mac_len, params) != 1 || EVP_MAC_update(c->mac, ph, 13) != 1 ||
        EVP_MAC_update(c->mac, p, n) != 1 || EVP_MAC_final(c->mac, out, &ol, 48) != 1 || ol != c->suite->mac_len)
        return -1;
    return 0;
}

/* AES-CBC decryption of ct[0..n) (a multiple of 16) with iv, no padding removed. */
static int cbc_decrypt(struct sf_tls_cipher *c, const uint8_t *iv, const uint8_t *ct, size_t n, uint8_t *out)
{
    EVP_CIPHER_CTX *x = c->ctx;
    int l = 0, f = 0;
    if (n > 0x7fffffff || EVP_DecryptInit_ex(x, evp_cipher(c->suite), NULL, c->key, iv) != 1 ||
        EVP_CIPHER_CTX_set_padding(x, 0) != 1 || EVP_DecryptUpdate(x, out, &l, ct, (int)n) != 1 ||
        EVP_DecryptFinal_ex(x, out + l, &f) != 1 || (size_t)(l + f) != n)
        return -1;
    return 0;
}

static long cbc_open(struct sf_tls_cipher *c, const uint8_t hdr[5], const uint8_t *in, size_t n, uint8_t *out)
{
    size_t ml = c->suite->mac_len, ivl = c->version >= 0x0302 ? 16 : 0;
    const uint8_t *iv = ivl ? in : c->iv;
    uint8_t ph[13], mac[48], next_iv[16];
    size_t ct_len, len, pad;

    if (c->etm) {
        /* RFC 7366: MAC over the IV and ciphertext, checked before decrypting. */
        if (n < ml + ivl + 16 || (n - ml - ivl) % 16)
            return -1;
        pseudo_header(c, hdr, n - ml, ph);
        if (hmac(c, ph, in, n - ml, mac) < 0 || CRYPTO_memcmp(mac, in + n - ml, ml) != 0)
            return -1;
        ct_len = n - ml - ivl;
    } else {
        if (n < ivl + 16 || (n - ivl) % 16 || n - ivl < ml + 1)
            return -1;
        ct_len = n - ivl;
    }
    memcpy(next_iv, in + ivl + ct_len - 16, 16);
    if (cbc_decrypt(c, iv, in + ivl, ct_len, out) < 0)
        return -1;
    pad = out[ct_len - 1];
    if (pad + 1 + (c->etm ? 0 : ml) > ct_len)
        return -1;
    for (size_t i = 0; i < pad; i++)
        if (out[ct_len - 2 - i] != pad)
            return -1;
    len = ct_len - pad - 1;
    if (!c->etm) {
        len -= ml;
        pseudo_header(c, hdr, len, ph);
        if (hmac(c, ph, out, len, mac) < 0 || CRYPTO_memcmp(mac, out + len, ml) != 0)
            return -1;
    }
    if (!ivl)
        memcpy(c->iv, next_iv, 16);   /* TLS 1.0: the next record's IV */
    return (long)len;
}

long sf_tls_cipher_open(struct sf_tls_cipher *c, const uint8_t hdr[5], const uint8_t *in, size_t n, uint8_t *out,
                        uint8_t *type)
{
    uint8_t nonce[12], aad[13];
    long r;

    if (!c->suite)
        return -1;
    if (c->suite->tls13) {
        /* RFC 8446 5.2: the header is the additional data; the plaintext
         * ends in the real content type followed by zero padding. */
        if (n < 17)
            return -1;
        seq_nonce(c, nonce);
        r = aead_open(c, nonce, hdr, 5, in, n - 16, in + n - 16, out);
        if (r < 0)
            return -1;
        while (r > 0 && out[r - 1] == 0)
            r--;
        if (r == 0)
            return -1;
        *type = out[--r];
    } else if (c->suite->bulk == SF_TLS_GCM) {
        /* RFC 5288 3: the nonce is the implicit salt + the record's 8-byte explicit part. */
        if (n < 8 + 16)
            return -1;
        memcpy(nonce, c->iv, 4);
        memcpy(nonce + 4, in, 8);
        pseudo_header(c, hdr, n - 24, aad);
        r = aead_open(c, nonce, aad, 13, in + 8, n - 24, in + n - 16, out);
        *type = hdr[0];
    } else if (c->suite->bulk == SF_TLS_CHACHA) {
        /* RFC 7905 2: the nonce is the IV xor the sequence number. */
        if (n < 16)
            return -1;
        seq_nonce(c, nonce);
        pseudo_header(c, hdr, n - 16, aad);
        r = aead_open(c, nonce, aad, 13, in, n - 16, in + n - 16, out);
        *type = hdr[0];
    } else {
        r = cbc_open(c, hdr, in, n, out);
        *type = hdr[0];
    }
    if (r < 0)
        return -1;
    c->seq++;
    return r;
}
