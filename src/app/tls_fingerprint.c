/* tls_fingerprint.c - JA3/JA3S (as tshark 4.0's tls.handshake.ja3*) and JA4 (FoxIO's JA4 spec) of the hellos. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "app/tls_fingerprint.h"

#define EXT_SERVER_NAME 0
#define EXT_SUPPORTED_GROUPS 10
#define EXT_EC_POINT_FORMATS 11
#define EXT_SIGNATURE_ALGORITHMS 13
#define EXT_ALPN 16
#define EXT_SUPPORTED_VERSIONS 43

/* The JA3 string goes both to a capped copy and through MD5, so the hash
 * is right however long a hostile hello makes the string. */
struct ja3_out {
    char *dst;
    size_t cap, len;
    bool cut;
    EVP_MD_CTX *md;
    bool fail;
};

static void ja3_put(struct ja3_out *o, const char *s, size_t n)
{
    if (EVP_DigestUpdate(o->md, s, n) != 1)
        o->fail = true;
    if (o->len + n < o->cap) {
        memcpy(o->dst + o->len, s, n);
        o->len += n;
    } else {
        o->cut = true;
    }
}

static void ja3_num(struct ja3_out *o, bool *first, unsigned v)
{
    char tmp[8];
    int k = snprintf(tmp, sizeof(tmp), "%s%u", *first ? "" : "-", v);
    *first = false;
    ja3_put(o, tmp, (size_t)k);
}

static int ja3_begin(struct ja3_out *o, char *full, size_t cap)
{
    o->dst = full;
    o->cap = cap;
    o->len = 0;
    o->cut = false;
    o->fail = false;
    o->md = EVP_MD_CTX_new();
    if (full && cap)
        full[0] = '\0';
    if (!o->md)
        return -1;
    if (EVP_DigestInit_ex(o->md, EVP_md5(), NULL) != 1) {
        EVP_MD_CTX_free(o->md);
        return -1;
    }
    return 0;
}

static int ja3_end(struct ja3_out *o, bool *cut, char hash[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int rc = 0;
    if (o->cap)
        o->dst[o->len < o->cap ? o->len : o->cap - 1] = '\0';
    if (cut)
        *cut = o->cut;
    hash[0] = '\0';
    if (o->fail || EVP_DigestFinal_ex(o->md, md, &mdlen) != 1 || mdlen != 16)
        rc = -1;
    else
        for (unsigned i = 0; i < 16; i++)
            snprintf(hash + 2 * i, 3, "%02x", md[i]);
    EVP_MD_CTX_free(o->md);
    return rc;
}

/* A u16 list with a 2-byte length (supported_groups, signature_algorithms). */
static struct sf_cur list16(struct sf_cur body)
{
    return sf_cur_take(&body, sf_cur_be16(&body), NULL);
}

int sf_tls_ja3(const struct sf_tls_hello_view *h, char *full, size_t cap, bool *cut, char hash[33])
{
    struct ja3_out o;
    struct sf_cur c, groups = { NULL, NULL, false }, formats = { NULL, NULL, false };
    bool first = true;
    char tmp[8];
    int k;

    if (ja3_begin(&o, full, cap) < 0) {
        hash[0] = '\0';
        return -1;
    }
    k = snprintf(tmp, sizeof(tmp), "%u,", h->version);
    ja3_put(&o, tmp, (size_t)k);
    for (c = h->suites; sf_cur_has(&c, 2);) {
        uint16_t v = sf_cur_be16(&c);
        if (!sf_tls_is_grease(v))
            ja3_num(&o, &first, v);
    }
    ja3_put(&o, ",", 1);
    first = true;
    for (c = h->exts; sf_cur_has(&c, 4);) {
        uint16_t type = sf_cur_be16(&c);
        struct sf_cur body = sf_cur_take(&c, sf_cur_be16(&c), NULL);
        if (sf_tls_is_grease(type))
            continue;
        ja3_num(&o, &first, type);
        if (type == EXT_SUPPORTED_GROUPS)
            groups = list16(body);
        else if (type == EXT_EC_POINT_FORMATS)
            formats = sf_cur_take(&body, sf_cur_u8(&body), NULL);
    }
    ja3_put(&o, ",", 1);
    first = true;
    while (groups.p && sf_cur_has(&groups, 2)) {
        uint16_t v = sf_cur_be16(&groups);
        if (!sf_tls_is_grease(v))
            ja3_num(&o, &first, v);
    }
    ja3_put(&o, ",", 1);
    first = true;
    while (formats.p && sf_cur_has(&formats, 1))
        ja3_num(&o, &first, sf_cur_u8(&formats));
    return ja3_end(&o, cut, hash);
}

int sf_tls_ja3s(const struct sf_tls_hello_view *h, char *full, size_t cap, bool *cut, char hash[33])
{
    struct ja3_out o;
    struct sf_cur c;
    bool first = true;
    char tmp[16];
    int k;

    if (ja3_begin(&o, full, cap) < 0) {
        hash[0] = '\0';
        return -1;
    }
    k = snprintf(tmp, sizeof(tmp), "%u,%u,", h->version, h->suite);
    ja3_put(&o, tmp, (size_t)k);
    for (c = h->exts; sf_cur_has(&c, 4);) {
        uint16_t type = sf_cur_be16(&c);
        sf_cur_skip(&c, sf_cur_be16(&c));
        if (!sf_tls_is_grease(type))
            ja3_num(&o, &first, type);
    }
    return ja3_end(&o, cut, hash);
}

/* ---------------------------------------------------------------- JA4 */

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* The 2-character version of JA4_a (JA4.md "TLS and DTLS Version"). */
static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    case 0xfeff: return "d1";
    case 0xfefd: return "d2";
    case 0xfefc: return "d3";
    default: return "00";
    }
}

static bool is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* The first and last characters of the first ALPN value; "00" without
 * one; its hex form's first and last digits when either end byte is not
 * alphanumeric (JA4.md "ALPN Extension Value"). */
static void ja4_alpn(struct sf_cur alpn, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    struct sf_cur list = sf_cur_take(&alpn, sf_cur_be16(&alpn), NULL);
    uint8_t len = sf_cur_u8(&list);
    uint8_t a, z;
    out[0] = out[1] = '0';
    out[2] = '\0';
    if (list.err || len == 0 || !sf_cur_has(&list, len))
        return;
    a = list.p[0];
    z = list.p[len - 1];
    if (is_alnum(a) && is_alnum(z)) {
        out[0] = (char)a;
        out[1] = (char)z;
    } else {
        out[0] = hex[a >> 4];
        out[1] = hex[z & 0x0f];
    }
}

/* Appends "xxxx,yyyy" (4 lower-case hex digits each) to b. */
static void hex_list(struct sf_buf *b, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sf_buf_printf(b, "%s%04x", i ? "," : "", v[i]);
}

/* The first 12 hex digits of SHA-256 over s[0..n). */
static int sha256_12(const char *s, size_t n, char out[13])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < 6)
        return -1;
    for (int i = 0; i < 6; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* One part of JA4 (b or c): the raw list as is, or its truncated hash;
 * "000000000000" for an empty list (JA4.md: clearer than a hash of nothing). */
static int ja4_part(struct sf_buf *out, bool raw, bool empty, const struct sf_buf *list)
{
    char h[13];
    if (raw) {
        sf_buf_put(out, list->data ? list->data : "", list->len);
        return 0;
    }
    if (empty) {
        sf_buf_puts(out, "000000000000");
        return 0;
    }
    if (sha256_12(list->data, list->len, h) < 0)
        return -1;
    sf_buf_puts(out, h);
    return 0;
}

int sf_tls_ja4(const struct sf_tls_hello_view *h, int flags, struct sf_buf *out)
{
    bool raw = flags & SF_JA4_RAW, original = flags & SF_JA4_ORIGINAL;
    size_t nsuites_max = sf_cur_left(&h->suites) / 2, nexts_max = sf_cur_left(&h->exts) / 4;
    uint16_t *suites = malloc((nsuites_max + 1) * sizeof(*suites));
    uint16_t *exts = malloc((nexts_max + 1) * sizeof(*exts));
    size_t ns = 0, ne = 0, nkept = 0, nsig = 0;
    uint16_t *sigs = NULL, version = h->version;
    bool sni = false, any_version = false;
    struct sf_cur c, alpn = { NULL, NULL, false }, sigc = { NULL, NULL, false };
    struct sf_buf tmp;
    char a[3];
    size_t start = out->len;
    int rc = -1;

    sf_buf_init(&tmp, NULL, 1u << 20);
    if (!suites || !exts)
        goto out;
    for (c = h->suites; sf_cur_has(&c, 2);) {
        uint16_t v = sf_cur_be16(&c);
        if (!sf_tls_is_grease(v))
            suites[ns++] = v;
    }
    for (c = h->exts; sf_cur_has(&c, 4);) {
        uint16_t type = sf_cur_be16(&c);
        struct sf_cur body = sf_cur_take(&c, sf_cur_be16(&c), NULL);
        if (sf_tls_is_grease(type))
            continue;
        exts[ne++] = type;
        if (type == EXT_SERVER_NAME) {
            sni = true;
        } else if (type == EXT_ALPN && !alpn.p) {
            alpn = body;
        } else if (type == EXT_SIGNATURE_ALGORITHMS && !sigc.p) {
            sigc = list16(body);
        } else if (type == EXT_SUPPORTED_VERSIONS) {
            /* the highest non-GREASE value of the list */
            struct sf_cur vl = sf_cur_take(&body, sf_cur_u8(&body), NULL);
            while (sf_cur_has(&vl, 2)) {
                uint16_t v = sf_cur_be16(&vl);
                if (sf_tls_is_grease(v))
                    continue;
                if (!any_version || v > version)
                    version = v;
                any_version = true;
            }
        }
    }
    if (sigc.p) {
        sigs = malloc((sf_cur_left(&sigc) / 2 + 1) * sizeof(*sigs));
        if (!sigs)
            goto out;
        while (sf_cur_has(&sigc, 2)) {
            uint16_t v = sf_cur_be16(&sigc);
            if (!sf_tls_is_grease(v))
                sigs[nsig++] = v;
        }
    }
    if (alpn.p)
        ja4_alpn(alpn, a);
    else
        memcpy(a, "00", 3);

    /* JA4_a: t, version, d/i, counts (capped at 99), ALPN */
    sf_buf_printf(out, "t%s%c%02u%02u%s_", ja4_version(version), sni ? 'd' : 'i',
                  (unsigned)(ns > 99 ? 99 : ns), (unsigned)(ne > 99 ? 99 : ne), a);
    /* JA4_b: the suites, sorted unless original order is asked for */
    if (!original)
        qsort(suites, ns, sizeof(*suites), cmp_u16);
    hex_list(&tmp, suites, ns);
    if (ja4_part(out, raw, ns == 0, &tmp) < 0)
        goto out;
    sf_buf_putc(out, '_');
    /* JA4_c: extensions sorted without SNI and ALPN (original: all, in
     * order), then '_' and the signature algorithms in their order */
    if (!original) {
        for (size_t i = 0; i < ne; i++)
            if (exts[i] != EXT_SERVER_NAME && exts[i] != EXT_ALPN)
                exts[nkept++] = exts[i];
        qsort(exts, nkept, sizeof(*exts), cmp_u16);
    } else {
        nkept = ne;
    }
    sf_buf_reset(&tmp);
    hex_list(&tmp, exts, nkept);
    if (nsig) {
        sf_buf_putc(&tmp, '_');
        hex_list(&tmp, sigs, nsig);
    }
    if (tmp.overflow || ja4_part(out, raw, nkept == 0, &tmp) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        sf_buf_truncate(out, start);
    sf_buf_free(&tmp);
    free(suites);
    free(exts);
    free(sigs);
    return rc;
}
