/* tls_fingerprint.h - JA3, JA3S and JA4 fingerprints of the hello messages (no keys needed). */
#ifndef SYNFIN_APP_TLS_FINGERPRINT_H
#define SYNFIN_APP_TLS_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/cursor.h"

/* A hello message as views into its bytes (valid while the message is):
 * what every fingerprint reads. */
struct sf_tls_hello_view {
    uint16_t version;        /* legacy_version */
    uint16_t suite;          /* ServerHello: the chosen cipher suite */
    struct sf_cur suites;    /* ClientHello: the body of the cipher_suites vector */
    struct sf_cur exts;      /* the body of the extensions block (empty when absent) */
};

/* RFC 8701: GREASE code points are 0x?a?a with both bytes equal. */
static inline bool sf_tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* JA3 of a ClientHello as tshark 4.0 writes tls.handshake.ja3_full:
 * "version,suites,extensions,groups,point formats", decimal, '-' within a
 * list, GREASE left out.  The string goes to full (at most cap - 1 bytes,
 * *cut set when it was longer); hash gets the lower-case MD5 of the whole
 * string (tls.handshake.ja3), also when full was cut.  Returns 0, or -1 when
 * the digest failed (hash is then ""). */
int sf_tls_ja3(const struct sf_tls_hello_view *h, char *full, size_t cap, bool *cut, char hash[33]);
/* JA3S of a ServerHello (tls.handshake.ja3s_full, ja3s): "version,suite,extensions". */
int sf_tls_ja3s(const struct sf_tls_hello_view *h, char *full, size_t cap, bool *cut, char hash[33]);

/* JA4 of a ClientHello over TCP (FoxIO's JA4 spec, technical_details/JA4.md):
 * flags select the raw form (lists instead of hashes, JA4_r) and the
 * original order (JA4_o, JA4_ro).  Appended to out; returns 0, or -1 on an
 * allocation or digest failure (nothing is appended then). */
#define SF_JA4_RAW 1
#define SF_JA4_ORIGINAL 2
int sf_tls_ja4(const struct sf_tls_hello_view *h, int flags, struct sf_buf *out);

#endif
