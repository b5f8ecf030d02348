/* tls_handshake.c - ClientHello and ServerHello (RFC 8446 4.1.2-4.1.4, RFC 5246 7.4.1): versions, suite, SNI, ALPN. */
#include <string.h>

#include "app/tls_handshake.h"
#include "util/cursor.h"

#define EXT_SERVER_NAME 0
#define EXT_ALPN 16
#define EXT_SUPPORTED_VERSIONS 43

/* The HelloRetryRequest is a ServerHello whose random is this constant
 * (SHA-256 of "HelloRetryRequest", RFC 8446 4.1.3). */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* Copies a name of n bytes as text: non-printable bytes become '?', so a
 * hostile name cannot carry control characters into the outputs. */
static void copy_name(char *dst, size_t cap, size_t at, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < n && at + 1 < cap; i++)
        dst[at++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    dst[at < cap ? at : cap - 1] = '\0';
}

static void parse_sni(struct sf_tls_info *info, struct sf_cur c)
{
    struct sf_cur list = sf_cur_take(&c, sf_cur_be16(&c), NULL);
    while (sf_cur_has(&list, 3)) {
        uint8_t type = sf_cur_u8(&list);
        uint16_t len = sf_cur_be16(&list);
        if (!sf_cur_has(&list, len))
            return;
        if (type == 0 && info->sni[0] == '\0') {
            copy_name(info->sni, sizeof(info->sni), 0, list.p, len);
            return;
        }
        sf_cur_skip(&list, len);
    }
}

/* ALPN protocol names, comma-separated (tshark's tls.handshake.extensions_alpn_str, joined). */
static void parse_alpn(char *dst, size_t cap, struct sf_cur c)
{
    struct sf_cur list = sf_cur_take(&c, sf_cur_be16(&c), NULL);
    size_t at = 0;
    dst[0] = '\0';
    while (sf_cur_has(&list, 1)) {
        uint8_t len = sf_cur_u8(&list);
        if (!sf_cur_has(&list, len))
            return;
        if (at && at + 1 < cap)
            dst[at++] = ',';
        copy_name(dst, cap, at, list.p, len);
        at = strlen(dst);
        sf_cur_skip(&list, len);
    }
}

int sf_tls_parse_client_hello(struct sf_tls_info *info, const uint8_t *p, size_t n)
{
    struct sf_cur c = sf_cur_make(p, n);
    info->client_hello = true;
    info->client_version = sf_cur_be16(&c);
    sf_cur_skip(&c, 32);                         /* random */
    sf_cur_skip(&c, sf_cur_u8(&c));              /* session id */
    sf_cur_skip(&c, sf_cur_be16(&c));            /* cipher suites */
    sf_cur_skip(&c, sf_cur_u8(&c));              /* compression methods */
    if (c.err)
        return -1;
    if (sf_cur_left(&c) == 0)
        return 0;                                /* no extensions (allowed before TLS 1.3) */
    {
        bool cut = false;
        struct sf_cur exts = sf_cur_take(&c, sf_cur_be16(&c), &cut);
        if (c.err || cut)
            return -1;
        while (sf_cur_has(&exts, 4)) {
            uint16_t type = sf_cur_be16(&exts);
            uint16_t len = sf_cur_be16(&exts);
            struct sf_cur body = sf_cur_take(&exts, len, &cut);
            if (cut)
                return -1;
            if (type == EXT_SERVER_NAME)
                parse_sni(info, body);
            else if (type == EXT_ALPN)
                parse_alpn(info->alpn_offered, sizeof(info->alpn_offered), body);
        }
        return sf_cur_left(&exts) ? -1 : 0;
    }
}

int sf_tls_parse_server_hello(struct sf_tls_info *info, const uint8_t *p, size_t n)
{
    /* TLS 1.3 drafts before 22 (version 0x7fNN) had neither session id
     * nor compression method in the ServerHello (draft-ietf-tls-tls13-21 4.1.3). */
    struct sf_cur c = sf_cur_make(p, n);
    bool hrr, draft;
    info->version = sf_cur_be16(&c);
    hrr = sf_cur_has(&c, 32) && memcmp(c.p, hrr_random, 32) == 0;
    sf_cur_skip(&c, 32);
    draft = (info->version >> 8) == 0x7f;
    if (!draft)
        sf_cur_skip(&c, sf_cur_u8(&c));          /* session id */
    info->cipher_suite = sf_cur_be16(&c);
    if (!draft)
        sf_cur_skip(&c, 1);                      /* compression method */
    if (c.err)
        return -1;
    if (hrr)
        info->hrr = true;
    else
        info->server_hello = true;
    if (sf_cur_left(&c) == 0)
        return 0;
    {
        bool cut = false;
        struct sf_cur exts = sf_cur_take(&c, sf_cur_be16(&c), &cut);
        if (c.err || cut)
            return -1;
        while (sf_cur_has(&exts, 4)) {
            uint16_t type = sf_cur_be16(&exts);
            uint16_t len = sf_cur_be16(&exts);
            struct sf_cur body = sf_cur_take(&exts, len, &cut);
            if (cut)
                return -1;
            if (type == EXT_SUPPORTED_VERSIONS && len == 2)
                info->version = sf_cur_be16(&body);
            else if (type == EXT_ALPN && !hrr)
                parse_alpn(info->alpn, sizeof(info->alpn), body);
        }
        return sf_cur_left(&exts) ? -1 : 0;
    }
}
