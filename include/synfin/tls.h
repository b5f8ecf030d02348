/* tls.h - what the TLS layer learnt of one connection (without keys). */
#ifndef SYNFIN_TLS_H
#define SYNFIN_TLS_H

#include <stdbool.h>
#include <stdint.h>

#define SF_TLS_NAME_MAX 256
#define SF_TLS_ALPN_MAX 128

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
    uint64_t records[2];        /* records per direction (0 = client) */
    uint64_t alerts;
    bool close_notify[2];       /* a direction sent close_notify (maybe encrypted: see below) */
    const char *anomaly;        /* why the layer stopped reading (static string), or NULL */
    uint64_t anomaly_frame;
};

#endif
