/* tls_crypto.h - TLS record protection undone with OpenSSL's libcrypto: the cipher suites synfin
 * decrypts, key derivation (TLS 1.2 PRF, TLS 1.3 HKDF-Expand-Label) and opening one record. */
#ifndef SYNFIN_APP_TLS_CRYPTO_H
#define SYNFIN_APP_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sf_tls_bulk { SF_TLS_GCM, SF_TLS_CHACHA, SF_TLS_CBC };

struct sf_tls_suite {
    uint16_t id;
    const char *name;         /* IANA name */
    bool tls13;
    enum sf_tls_bulk bulk;
    uint8_t key_len;
    uint8_t fixed_iv_len;     /* AEAD: the implicit IV (4 for TLS 1.2 GCM, 12 otherwise); CBC: 16 */
    uint8_t mac_len;          /* CBC: the HMAC's length; 0 for AEAD */
    bool sha384;              /* the PRF / HKDF hash is SHA-384 (else SHA-256) */
};

/* The suite of that IANA number if synfin decrypts it, else NULL. */
const struct sf_tls_suite *sf_tls_suite_find(uint16_t id);

/* One direction's record protection.  Zero-initialise, then init; clear
 * frees it.  Not thread-safe; one per direction of a connection. */
struct sf_tls_cipher {
    const struct sf_tls_suite *suite;
    uint16_t version;         /* the negotiated version (0x0301 .. 0x0304) */
    bool etm;                 /* TLS 1.2 CBC with encrypt_then_mac (RFC 7366) */
    uint64_t seq;             /* the next record's sequence number */
    uint8_t key[32];
    uint8_t iv[16];           /* AEAD implicit IV; TLS 1.0 CBC: the chained IV */
    uint8_t mac_key[48];
    uint8_t secret[48];       /* TLS 1.3: the traffic secret (KeyUpdate derives the next) */
    uint8_t secret_len;
    void *ctx;                /* EVP_CIPHER_CTX */
    void *mac;                /* EVP_MAC (HMAC), CBC only */
};

/* TLS 1.3 (RFC 8446 7.1): HKDF-Expand-Label(secret, label, context, out_len)
 * with the suite's hash.  Returns 0 or -1. */
int sf_tls13_expand_label(bool sha384, const uint8_t *secret, size_t secret_len, const char *label,
                          const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len);
/* The key and IV of a traffic secret (RFC 8446 7.3). */
int sf_tls13_cipher_init(struct sf_tls_cipher *c, const struct sf_tls_suite *s, const uint8_t *secret,
                         size_t secret_len);
/* KeyUpdate: the next generation of the traffic secret, its key and IV;
 * the sequence number restarts at 0 (RFC 8446 7.2). */
int sf_tls13_cipher_update(struct sf_tls_cipher *c);

/* TLS <= 1.2 PRF (RFC 5246 5; RFC 2246 5 for version < 0x0303: MD5 and
 * SHA-1 halves) through EVP_KDF TLS1-PRF. */
int sf_tls12_prf(uint16_t version, bool sha384, const uint8_t *secret, size_t secret_len, const char *label,
                 const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);
/* The key block from the master secret (RFC 5246 6.3): both directions. */
int sf_tls12_cipher_init(struct sf_tls_cipher *client, struct sf_tls_cipher *server, const struct sf_tls_suite *s,
                         uint16_t version, bool etm, const uint8_t master[48], const uint8_t client_random[32],
                         const uint8_t server_random[32]);

/* Opens one protected record: hdr is its 5-byte header, in[0..n) its body.
 * On success returns the plaintext length (written to out, which holds n
 * bytes) and sets *type to the content type (TLS 1.3: the inner type, the
 * padding removed); the sequence number advances.  -1: the tag or MAC does
 * not verify, or the record is malformed for the suite (the sequence number
 * does not advance). */
long sf_tls_cipher_open(struct sf_tls_cipher *c, const uint8_t hdr[5], const uint8_t *in, size_t n, uint8_t *out,
                        uint8_t *type);

void sf_tls_cipher_clear(struct sf_tls_cipher *c);

#endif
