/* tls.h - what the TLS layer learnt of one connection (without keys). */
#ifndef SYNFIN_TLS_H
#define SYNFIN_TLS_H

#include <stdbool.h>
#include <stdint.h>

#define SF_TLS_NAME_MAX 256

/* What decryption did on the connection (tls_decrypt.c). */
enum sf_tls_dec_status {
    SF_TLS_DEC_NONE = 0,        /* no secrets were given (no --keylog, no Decryption Secrets Block) */
    SF_TLS_DEC_NO_KEY,          /* secrets given, none for this ClientHello random */
    SF_TLS_DEC_OK,              /* every protected record read was decrypted */
    SF_TLS_DEC_FAILED,          /* key present, but a tag or MAC failed (from fail_record on) */
    SF_TLS_DEC_UNSUPPORTED      /* the chosen cipher suite is not one synfin decrypts */
};

#define SF_TLS_DEC_HS_MAX 16

struct sf_tls_decrypt_info {
    enum sf_tls_dec_status status;
    uint64_t records[2];        /* records decrypted per direction */
    uint64_t plaintext[2];      /* application data bytes decrypted per direction */
    int8_t fail_dir;            /* SF_TLS_DEC_FAILED: the direction (0 client), its record */
    uint64_t fail_record;       /* (1-based among that direction's records) and frame */
    uint64_t fail_frame;
    uint32_t key_updates;
    /* Handshake message types read from decrypted records, per direction,
     * in order (the first SF_TLS_DEC_HS_MAX). */
    uint8_t hs_types[2][SF_TLS_DEC_HS_MAX];
    uint8_t n_hs_types[2];
};
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
    struct sf_tls_decrypt_info dec;   /* with --keylog or a Decryption Secrets Block */
};

#endif
