/* community_id.c - Community ID v1: SHA-1 (OpenSSL libcrypto) over the ordered 5-tuple, base64. */
#include <openssl/evp.h>
#include <string.h>

#include "flow/community_id.h"

/* The spec orders the endpoints so that both directions hash alike: the
 * smaller address first, the smaller port on a tie (addresses compared as
 * the bytes on the wire). */
static int endpoint_cmp(const struct sf_addr *a, uint16_t pa, const struct sf_addr *b, uint16_t pb)
{
    size_t n = a->family == 6 ? 16 : 4;
    int c = memcmp(a->a, b->a, n);
    if (c)
        return c;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
}

int sf_community_id(const struct sf_addr *a, uint16_t pa, const struct sf_addr *b, uint16_t pb, uint8_t proto,
                    uint16_t seed, char out[SF_COMMUNITY_ID_LEN])
{
    uint8_t buf[2 + 16 + 16 + 2 + 4], digest[EVP_MAX_MD_SIZE];
    unsigned dlen = 0;
    size_t n = 0, alen = a->family == 6 ? 16 : 4;
    const struct sf_addr *s = a, *d = b;
    uint16_t sp = pa, dp = pb;

    out[0] = '\0';
    if (a->family != b->family)
        return -1;
    if (endpoint_cmp(a, pa, b, pb) > 0) {
        s = b;
        d = a;
        sp = pb;
        dp = pa;
    }
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, s->a, alen);
    n += alen;
    memcpy(buf + n, d->a, alen);
    n += alen;
    buf[n++] = proto;
    buf[n++] = 0;   /* padding */
    buf[n++] = (uint8_t)(sp >> 8);
    buf[n++] = (uint8_t)sp;
    buf[n++] = (uint8_t)(dp >> 8);
    buf[n++] = (uint8_t)dp;
    if (!EVP_Digest(buf, n, digest, &dlen, EVP_sha1(), NULL) || dlen != 20)
        return -1;
    memcpy(out, "1:", 2);
    /* 20 bytes give 28 base64 characters and a NUL. */
    if (EVP_EncodeBlock((unsigned char *)out + 2, digest, 20) != 28)
        return -1;
    return 0;
}
