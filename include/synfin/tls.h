/* tls.h - what the TLS layer learnt of one connection (without keys). */
#ifndef SYNFIN_TLS_H
#define SYNFIN_TLS_H

#include <stdbool.h>
#include <stdint.h>

#define SF_TLS_NAME_MAX 256
#define SF_TLS_ALPN_MAX 128
#define SF_TLS_LIST_MAX 64
/* JA3 strings are kept up to this length (their MD5 always covers the
 * whole string); a real client's is a few hundred bytes. */
#define SF_TLS_JA3_MAX 1024
#define SF_TLS_JA4_MAX 40

/* 16-bit code points of a hello in wire order, GREASE included: the first
 * SF_TLS_LIST_MAX are kept, total counts them all. */
struct sf_tls_list {
    uint16_t v[SF_TLS_LIST_MAX];
    uint16_t n;
    uint32_t total;
};

struct sf_tls_info {
    bool client_hello;          /* a ClientHello was read */
    bool server_hello;
    bool sslv2_hello;           /* the ClientHello was in the SSLv2-compatible format */
    bool hrr;                   /* the server answered with a HelloRetryRequest */
    uint16_t client_version;    /* ClientHello legacy_version */
    uint16_t version;           /* chosen: supported_versions of the ServerHello, else its legacy_version */
    uint16_t cipher_suite;      /* chosen by the server */
    char sni[SF_TLS_NAME_MAX];  /* server_name (host_name), "" when absent */
    char alpn_offered[SF_TLS_ALPN_MAX]; /* comma-separated, as offered */
    char alpn[SF_TLS_ALPN_MAX]; /* chosen by the server ("" when none) */
    /* Of the first ClientHello (a second one after a HelloRetryRequest
     * repeats it but for the key shares): */
    struct sf_tls_list suites;        /* cipher_suites offered */
    struct sf_tls_list exts;          /* extension types, in order */
    struct sf_tls_list versions;      /* supported_versions (RFC 8446 4.2.1) */
    struct sf_tls_list groups;        /* supported_groups (RFC 8446 4.2.7) */
    struct sf_tls_list sig_algs;      /* signature_algorithms (RFC 8446 4.2.3) */
    struct sf_tls_list key_shares;    /* groups of the key_share entries (RFC 8446 4.2.8) */
    uint8_t session_id_len;           /* legacy_session_id: 0 = none */
    uint8_t session_id[32];
    bool session_ticket;              /* a non-empty session_ticket extension (RFC 5077) */
    bool psk_offered;                 /* pre_shared_key (RFC 8446 4.2.11) */
    bool early_data_offered;          /* early_data: 0-RTT (RFC 8446 4.2.10) */
    char ja3[33];                     /* tshark's tls.handshake.ja3 ("" when no ClientHello) */
    char ja3_full[SF_TLS_JA3_MAX];    /* tls.handshake.ja3_full, cut when ja3_full_cut */
    bool ja3_full_cut;
    char ja4[SF_TLS_JA4_MAX];         /* JA4 (FoxIO's spec, TLS over TCP) */
    /* Of the last ServerHello (after a HelloRetryRequest, the real one): */
    struct sf_tls_list server_exts;   /* its extension types, in order */
    uint16_t key_share_group;         /* its key_share group (a HelloRetryRequest's: the group asked for) */
    uint16_t hrr_group;               /* the group a HelloRetryRequest asked for, 0 none */
    bool psk_accepted;                /* it chose one of the client's PSKs (TLS 1.3 resumption) */
    bool session_id_echoed;           /* it repeated the client's non-empty session id */
    bool resumed;                     /* resumption: a PSK chosen (1.3), the session id echoed (<= 1.2) */
    char ja3s[33];
    char ja3s_full[SF_TLS_JA3_MAX];
    bool ja3s_full_cut;
    uint64_t records[2];        /* records per direction (0 = client) */
    uint64_t alerts;
    bool close_notify[2];       /* a direction sent close_notify (maybe encrypted: see below) */
    const char *anomaly;        /* why the layer stopped reading (static string), or NULL */
    uint64_t anomaly_frame;
};

#endif
