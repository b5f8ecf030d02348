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

#define SF_TLS_CERTS_MAX 8
#define SF_TLS_DN_MAX 256
#define SF_TLS_SAN_MAX 2048

/* One certificate of a chain, read with OpenSSL's d2i_X509 (TLS <= 1.2
 * sends the chain in plaintext). */
struct sf_tls_cert {
    uint64_t frame;               /* the frame that completed its Certificate message */
    uint32_t der_len;             /* tls.handshake.certificate_length */
    bool parsed;                  /* OpenSSL read it; else only der_len and sha256 are known */
    char sha256[65];              /* SHA-256 of the DER, lower-case hex (the browsers' fingerprint) */
    char serial[65];              /* serialNumber, lower-case hex as tshark's x509af.serialNumber */
    char subject[SF_TLS_DN_MAX];  /* RFC 2253 one-line form */
    char issuer[SF_TLS_DN_MAX];
    char san[SF_TLS_SAN_MAX];     /* subjectAltName DNS names and IP addresses, comma-separated */
    bool san_cut;                 /* more names than fit in san */
    char not_before[24];          /* "2026-12-02T06:56:19Z" */
    char not_after[24];
    char key_type[16];            /* "RSA", "EC", "ED25519", ... */
    uint32_t key_bits;
    char sig_alg[48];             /* the signature algorithm, e.g. "sha256WithRSAEncryption" */
};

/* A certificate chain as sent (leaf first). */
struct sf_tls_chain {
    struct sf_tls_cert *cert;     /* n certificates (at most SF_TLS_CERTS_MAX), allocated as they come */
    uint8_t n;                    /* kept */
    uint32_t total;               /* in the message */
    uint64_t frame;               /* the frame that completed the message's record */
    bool malformed;               /* the message's lengths did not add up (the certificates before the fault are kept) */
};

#define SF_TLS_ALERTS_MAX 8
struct sf_tls_alert {
    uint64_t frame;               /* the frame that completed the alert record */
    uint8_t dir;                  /* 0: sent by the client, 1: by the server */
    bool encrypted;               /* after ChangeCipherSpec: level and description unknown */
    uint8_t level;                /* 1 warning, 2 fatal */
    uint8_t desc;                 /* AlertDescription (sf_tls_alert_name) */
};

/* What one record is for, as far as it can be told without keys. */
enum sf_tls_rec_role {
    SF_TLS_REC_HANDSHAKE = 0,      /* plaintext handshake messages (hs[] names them) */
    SF_TLS_REC_ENCRYPTED_HANDSHAKE,/* after ChangeCipherSpec (TLS <= 1.2 Finished), or TLS 1.3's encrypted flight */
    SF_TLS_REC_CCS,
    SF_TLS_REC_ALERT,              /* plaintext: level and description known */
    SF_TLS_REC_ENCRYPTED_ALERT,
    SF_TLS_REC_APPDATA,
    SF_TLS_REC_HEARTBEAT,
    SF_TLS_REC_SSLV2_CLIENT_HELLO,
};

#define SF_TLS_PKT_RECORDS 16
#define SF_TLS_PKT_HS 6

/* A record whose last byte came in the frame (tshark shows a record in
 * the frame that completes it). */
struct sf_tls_pkt_record {
    uint8_t type;                  /* content type (tls.record.content_type) */
    uint8_t role;                  /* enum sf_tls_rec_role */
    uint16_t version;              /* tls.record.version */
    uint16_t length;               /* tls.record.length */
    uint8_t nhs;                   /* plaintext handshake messages completed in it */
    uint8_t hs[SF_TLS_PKT_HS];     /* their types (tls.handshake.type) */
    uint8_t hrr_mask;              /* bit i: hs[i] is a ServerHello that is a HelloRetryRequest */
    uint8_t alert_level, alert_desc;
};

/* The TLS view of one packet of a TLS connection (jsonl packet "tls"). */
struct sf_tls_pkt {
    uint64_t frame;
    uint8_t n;                     /* records kept */
    uint32_t total;                /* records completed in the frame */
    struct sf_tls_pkt_record rec[SF_TLS_PKT_RECORDS];
    bool handshake_phase;          /* between the ClientHello and the end of the TLS handshake */
};

/* How a direction's TLS ended before its TCP close. */
enum sf_tls_close {
    SF_TLS_CLOSE_NONE = 0,         /* not closed yet */
    SF_TLS_CLOSE_NOTIFY,           /* its last record was a plaintext close_notify */
    SF_TLS_CLOSE_ENCRYPTED_ALERT,  /* its last record was an encrypted alert (a close_notify, as a rule;
                                    * TLS 1.3: a 19-byte application data record, the size of an alert) */
    SF_TLS_CLOSE_ALERT,            /* its last record was another plaintext alert (a fatal one, say) */
    SF_TLS_CLOSE_TRUNCATED,        /* TCP closed it after a record that is no alert */
    SF_TLS_CLOSE_UNKNOWN,          /* reserved: the kind of the last record could not be told */
    SF_TLS_CLOSE_AFTER_PEER,       /* no alert, but the other side had closed TLS first (its close_notify came before) */
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
    /* The TLS handshake (tls_roles.c): from the ClientHello's frame to the
     * frame that ends it (the later Finished of TLS <= 1.2; TLS 1.3: the
     * client's first encrypted record, its Finished). */
    uint64_t hs_start_frame, hs_done_frame;   /* 0: not seen */
    int64_t hs_start_ts, hs_done_ts;
    uint8_t round_trips;        /* server flights the client waited for (1.3: 1, 1.2: 2, HRR: +1) */
    bool hs_inferred;           /* TLS 1.3: the end was told by position, not by a readable message */
    uint8_t close[2];           /* enum sf_tls_close per direction */
    uint8_t last_role[2];       /* role of each direction's last record (enum sf_tls_rec_role) */
    uint16_t last_len[2];       /* length of each direction's last record */
    bool ccs_seen[2];
    bool finished_seen[2];      /* an encrypted handshake record after the direction's CCS */
    bool appdata_seen[2];
    bool client_appdata13;      /* a client application data record once TLS 1.3 was chosen (its
                                 * Finished: 0-RTT early data before the ServerHello does not count) */
    int8_t last_hs_dir;         /* direction of the last handshake-phase record, -1 none */
    uint64_t alerts;
    struct sf_tls_alert alert[SF_TLS_ALERTS_MAX];   /* the first alerts, in order */
    uint8_t nalert;
    /* Certificate chains (NULL: none seen); owned by the TLS layer, freed with it. */
    struct sf_tls_chain *chain[2];    /* [0] the client's, [1] the server's */
    bool close_notify[2];       /* a direction sent close_notify (maybe encrypted: see below) */
    const char *anomaly;        /* why the layer stopped reading (static string), or NULL */
    uint64_t anomaly_frame;
    struct sf_tls_decrypt_info dec;   /* with --keylog or a Decryption Secrets Block */
};

/* Registered names (IANA TLS parameters), or NULL for an unassigned value. */
const char *sf_tls_alert_name(uint8_t desc);
const char *sf_tls_handshake_name(uint8_t type);
const char *sf_tls_version_name(uint16_t v);
/* The jsonl value of a record's role ("client_hello" is not one: handshake
 * records name their messages) and of a close. */
const char *sf_tls_rec_role_name(enum sf_tls_rec_role r);
const char *sf_tls_close_name(enum sf_tls_close c);
/* The connection's verdict: "clean" (a side closed TLS with an alert before
 * TCP), "truncated" (TCP closed TLS short), "unknown" (TLS 1.3 without
 * keys), "open". */
const char *sf_tls_close_verdict(const struct sf_tls_info *t);

#endif
