/* tls_handshake.c - ClientHello and ServerHello (RFC 8446 4.1.2-4.1.4, RFC 5246 7.4.1): versions, suites,
 * SNI, ALPN, groups, signature algorithms, extensions, resumption; their fingerprints (tls_fingerprint.c). */
#include <string.h>

#include "app/tls_fingerprint.h"
#include "app/tls_handshake.h"
#include "util/cursor.h"

#define EXT_SERVER_NAME 0
#define EXT_SUPPORTED_GROUPS 10
#define EXT_SIGNATURE_ALGORITHMS 13
#define EXT_ALPN 16
#define EXT_SESSION_TICKET 35
#define EXT_PRE_SHARED_KEY 41
#define EXT_EARLY_DATA 42
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_KEY_SHARE 51

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

static void list_add(struct sf_tls_list *l, uint16_t v)
{
    if (l->n < SF_TLS_LIST_MAX)
        l->v[l->n++] = v;
    l->total++;
}

/* A vector of u16 with a length prefix of lenbytes (1 or 2) into l. */
static void parse_list16(struct sf_tls_list *l, struct sf_cur c, int lenbytes)
{
    size_t n = lenbytes == 1 ? sf_cur_u8(&c) : sf_cur_be16(&c);
    struct sf_cur v = sf_cur_take(&c, n, NULL);
    while (sf_cur_has(&v, 2))
        list_add(l, sf_cur_be16(&v));
}

/* The ClientHello's key_share: KeyShareEntry {group, key_exchange<1..2^16-1>}. */
static void parse_key_shares(struct sf_tls_list *l, struct sf_cur c)
{
    struct sf_cur v = sf_cur_take(&c, sf_cur_be16(&c), NULL);
    while (sf_cur_has(&v, 4)) {
        list_add(l, sf_cur_be16(&v));
        sf_cur_skip(&v, sf_cur_be16(&v));
    }
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
    struct sf_tls_hello_view h;
    /* After a HelloRetryRequest the second ClientHello repeats the first
     * (RFC 8446 4.1.2): the lists and fingerprints stay the first's. */
    bool first = !info->client_hello;
    uint8_t sid_len;
    info->client_hello = true;
    memset(&h, 0, sizeof(h));
    h.version = sf_cur_be16(&c);
    if (first)
        info->client_version = h.version;
    sf_cur_skip(&c, 32);                         /* random */
    sid_len = sf_cur_u8(&c);
    if (first && sid_len <= 32 && sf_cur_has(&c, sid_len)) {
        info->session_id_len = sid_len;
        memcpy(info->session_id, c.p, sid_len);
    }
    sf_cur_skip(&c, sid_len);                    /* session id */
    h.suites = sf_cur_take(&c, sf_cur_be16(&c), NULL);
    sf_cur_skip(&c, sf_cur_u8(&c));              /* compression methods */
    if (c.err)
        return -1;
    if (sf_cur_left(&c) == 0) {
        h.exts = sf_cur_make(c.p, 0);            /* no extensions (allowed before TLS 1.3) */
    } else {
        bool cut = false;
        h.exts = sf_cur_take(&c, sf_cur_be16(&c), &cut);
        if (c.err || cut)
            return -1;
    }
    if (first) {
        struct sf_cur sv = h.suites;
        struct sf_buf b;
        while (sf_cur_has(&sv, 2))
            list_add(&info->suites, sf_cur_be16(&sv));
        sf_tls_ja3(&h, info->ja3_full, sizeof(info->ja3_full), &info->ja3_full_cut, info->ja3);
        sf_buf_init(&b, NULL, SF_TLS_JA4_MAX - 1);
        if (sf_tls_ja4(&h, 0, &b) == 0 && !b.overflow && b.len < sizeof(info->ja4)) {
            memcpy(info->ja4, b.data, b.len);
            info->ja4[b.len] = '\0';
        }
        sf_buf_free(&b);
    }
    {
        struct sf_cur exts = h.exts;
        bool cut = false;
        while (sf_cur_has(&exts, 4)) {
            uint16_t type = sf_cur_be16(&exts);
            uint16_t len = sf_cur_be16(&exts);
            struct sf_cur body = sf_cur_take(&exts, len, &cut);
            if (cut)
                return -1;
            if (!first)
                continue;
            list_add(&info->exts, type);
            switch (type) {
            case EXT_SERVER_NAME: parse_sni(info, body); break;
            case EXT_ALPN: parse_alpn(info->alpn_offered, sizeof(info->alpn_offered), body); break;
            case EXT_SUPPORTED_GROUPS: parse_list16(&info->groups, body, 2); break;
            case EXT_SIGNATURE_ALGORITHMS: parse_list16(&info->sig_algs, body, 2); break;
            case EXT_SUPPORTED_VERSIONS: parse_list16(&info->versions, body, 1); break;
            case EXT_KEY_SHARE: parse_key_shares(&info->key_shares, body); break;
            case EXT_SESSION_TICKET: info->session_ticket = len > 0; break;
            case EXT_PRE_SHARED_KEY: info->psk_offered = true; break;
            case EXT_EARLY_DATA: info->early_data_offered = true; break;
            default: break;
            }
        }
        return sf_cur_left(&exts) ? -1 : 0;
    }
}

int sf_tls_parse_server_hello(struct sf_tls_info *info, const uint8_t *p, size_t n)
{
    /* TLS 1.3 drafts before 22 (version 0x7fNN) had neither session id
     * nor compression method in the ServerHello (draft-ietf-tls-tls13-21 4.1.3). */
    struct sf_cur c = sf_cur_make(p, n);
    struct sf_tls_hello_view h;
    bool hrr, draft, echoed = false;
    memset(&h, 0, sizeof(h));
    h.version = info->version = sf_cur_be16(&c);
    hrr = sf_cur_has(&c, 32) && memcmp(c.p, hrr_random, 32) == 0;
    sf_cur_skip(&c, 32);
    draft = (info->version >> 8) == 0x7f;
    if (!draft) {
        uint8_t sid_len = sf_cur_u8(&c);
        echoed = sid_len && sid_len == info->session_id_len && sf_cur_has(&c, sid_len) &&
                 memcmp(c.p, info->session_id, sid_len) == 0;
        sf_cur_skip(&c, sid_len);                /* session id */
    }
    h.suite = info->cipher_suite = sf_cur_be16(&c);
    if (!draft)
        sf_cur_skip(&c, 1);                      /* compression method */
    if (c.err)
        return -1;
    if (hrr)
        info->hrr = true;
    else
        info->server_hello = true;
    info->session_id_echoed = echoed;
    info->psk_accepted = false;
    info->key_share_group = 0;
    memset(&info->server_exts, 0, sizeof(info->server_exts));
    if (sf_cur_left(&c) == 0) {
        h.exts = sf_cur_make(c.p, 0);
    } else {
        bool cut = false;
        h.exts = sf_cur_take(&c, sf_cur_be16(&c), &cut);
        if (c.err || cut)
            return -1;
    }
    sf_tls_ja3s(&h, info->ja3s_full, sizeof(info->ja3s_full), &info->ja3s_full_cut, info->ja3s);
    {
        struct sf_cur exts = h.exts;
        bool cut = false;
        while (sf_cur_has(&exts, 4)) {
            uint16_t type = sf_cur_be16(&exts);
            uint16_t len = sf_cur_be16(&exts);
            struct sf_cur body = sf_cur_take(&exts, len, &cut);
            if (cut)
                return -1;
            list_add(&info->server_exts, type);
            if (type == EXT_SUPPORTED_VERSIONS && len == 2)
                info->version = sf_cur_be16(&body);
            else if (type == EXT_ALPN && !hrr)
                parse_alpn(info->alpn, sizeof(info->alpn), body);
            else if (type == EXT_KEY_SHARE && len >= 2)
                info->key_share_group = sf_cur_be16(&body);   /* HRR: selected_group; else the server's share */
            else if (type == EXT_PRE_SHARED_KEY && !hrr)
                info->psk_accepted = true;
        }
        if (hrr)
            info->hrr_group = info->key_share_group;
        /* In TLS 1.3 the server echoes any session id (middlebox
         * compatibility, RFC 8446 D.4): only a chosen PSK is resumption. */
        info->resumed = info->version == 0x0304 ? info->psk_accepted : info->session_id_echoed;
        return sf_cur_left(&exts) ? -1 : 0;
    }
}
