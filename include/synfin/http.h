/* http.h - HTTP/1.x transactions read from reassembled TCP streams (docs/http.md). */
#ifndef SYNFIN_HTTP_H
#define SYNFIN_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/analyzer.h"
#include "synfin/conn.h"

/* Put on the packet view (v->http) of the frame that completed an HTTP
 * message; valid during the packet callback only. */
struct sf_http_label {
    bool request;             /* true: method + uri; false: status + reason */
    const char *method;
    const char *uri;
    uint16_t status;
    const char *reason;
    uint32_t frames;          /* frames that carried the message */
    uint32_t more;            /* further messages completed in the same frame */
};

/* A header kept for HAR (only with keep_headers). */
struct sf_http_hdr {
    char *name;
    char *value;
};

enum sf_http_decode {
    SF_HTTP_DECODE_NONE = 0,  /* no Content-Encoding (or identity) */
    SF_HTTP_DECODE_OK,
    SF_HTTP_DECODE_ERROR,     /* the body did not decode; sizes up to the error */
    SF_HTTP_DECODE_UNSUPPORTED,
    SF_HTTP_DECODE_CAPPED,    /* decoded size reached max_decoded */
};

/* How the body of a message is delimited (RFC 9112 section 6.3). */
enum sf_http_framing {
    SF_HTTP_BODY_NONE = 0,
    SF_HTTP_BODY_LENGTH,
    SF_HTTP_BODY_CHUNKED,
    SF_HTTP_BODY_CLOSE,
};

enum sf_http_tunnel {
    SF_HTTP_TUNNEL_NONE = 0,
    SF_HTTP_TUNNEL_WEBSOCKET,
    SF_HTTP_TUNNEL_H2C,
    SF_HTTP_TUNNEL_UPGRADE,   /* 101 to another protocol */
    SF_HTTP_TUNNEL_CONNECT,   /* 2xx to CONNECT */
};

/* Deviations from RFC 9112 tolerated in a message (sf_http_msg.anomalies),
 * as tshark and the browsers tolerate them: each is an anomaly on that
 * line, never the loss of the message (docs/http.md, "Tolerance"). */
enum sf_http_anomaly {
    SF_HTTP_ANOM_START_LINE     = 1u << 0, /* malformed version or status code, read as tshark reads it */
    SF_HTTP_ANOM_WS_BEFORE_COLON = 1u << 1, /* whitespace between a field name and its colon (name kept) */
    SF_HTTP_ANOM_BAD_NAME       = 1u << 2, /* a byte not allowed in a field name: the line is ignored */
    SF_HTTP_ANOM_NO_COLON       = 1u << 3, /* a header line without a colon: ignored */
    SF_HTTP_ANOM_BARE_CR        = 1u << 4, /* a CR not followed by LF inside a line (read as a space) */
    SF_HTTP_ANOM_CTL_IN_VALUE   = 1u << 5, /* a control byte (NUL ...) in a field value */
    SF_HTTP_ANOM_OBS_FOLD       = 1u << 6, /* an obs-fold continuation line (joined with a space) */
    SF_HTTP_ANOM_LEADING_WS     = 1u << 7, /* whitespace-led line before the first header: ignored */
    SF_HTTP_ANOM_BARE_LF        = 1u << 8, /* a line ended by LF without CR */
    SF_HTTP_ANOM_CONTENT_LENGTH = 1u << 9, /* invalid, overflowing or conflicting Content-Length */
    SF_HTTP_ANOM_CL_AND_TE      = 1u << 10, /* Content-Length beside Transfer-Encoding (TE wins) */
    SF_HTTP_ANOM_COUNT          = 11,
};

/* The jsonl name of anomaly bit i (0 <= i < SF_HTTP_ANOM_COUNT). */
const char *sf_http_anomaly_name(unsigned i);

/* One message (request or final response) of a transaction. */
struct sf_http_msg {
    bool present;
    bool complete;            /* the whole body was seen */
    char version[10];         /* "1.1" */
    uint64_t frame;           /* the frame that completed it (0 = not complete) */
    uint64_t first_frame;     /* frame of its first byte */
    uint64_t last_data_frame; /* frame that carried its last byte */
    uint64_t head_frame;      /* frame that completed the head */
    uint32_t frames;          /* frames that carried its bytes */
    uint32_t retransmissions; /* retransmitted segments seen while it was read */
    int64_t first_ts, last_ts;
    uint64_t header_bytes;    /* start line + headers + empty line */
    uint64_t body_wire_bytes; /* body as sent (chunk framing included) */
    uint64_t body_bytes;      /* entity after de-chunking */
    uint64_t body_decoded_bytes; /* after Content-Encoding decoding */
    enum sf_http_framing framing;
    enum sf_http_decode decode;
    uint32_t anomalies;       /* enum sf_http_anomaly bits */
    uint32_t gaps;            /* capture gaps inside the message */
    uint64_t gap_bytes;
    char *content_type;       /* NULL when absent */
    char *content_encoding;
    char *transfer_encoding;
    struct sf_http_hdr *headers;  /* only with keep_headers */
    uint32_t nheaders;
    uint8_t *body;            /* decoded body, only with keep_body_max */
    size_t body_len;
    bool body_truncated;
};

struct sf_http_interim {
    uint16_t status;
    uint64_t frame;
    int64_t ts;
};

#define SF_HTTP_MAX_INTERIM 8

struct sf_http_txn {
    const struct sf_conn *conn;   /* valid during the callback */
    uint64_t conn_id;
    uint32_t n;                   /* 1-based, in request order (Zeek's trans_depth) */
    char *method, *uri, *host;    /* NULL with no request */
    uint16_t status;              /* 0 with no response */
    char *reason;
    struct sf_http_msg req, resp;
    struct sf_http_interim interim[SF_HTTP_MAX_INTERIM];
    uint32_t ninterim;
    enum sf_http_tunnel tunnel;
    /* Timings (ns; -1 = unknown or not applicable). */
    int64_t connect_ns;           /* SYN -> handshake ACK, first transaction only */
    int64_t send_ns;              /* request first -> last byte */
    int64_t wait_ns;              /* request end -> first response byte */
    int64_t receive_ns;           /* response first -> last byte */
    uint64_t client_ack_frame;    /* client's ACK of the last response byte (0 = none) */
    int64_t client_ack_ts;
    void *user;                   /* free for the consumer of body() */
    /* HTTP/2 (version "2"): the stream, 0 for HTTP/1.x. */
    uint32_t stream;
    bool pushed;                  /* promised by the server (PUSH_PROMISE) */
    int8_t rst_by;                /* RST_STREAM sent by 0 client, 1 server (valid when rst_code or reset) */
    bool reset;                   /* the stream ended with RST_STREAM */
    uint32_t rst_code;            /* its error code (RFC 9113 section 7) */
};

struct sf_http_stats {
    uint64_t txns, requests, responses;
    uint64_t non_http_streams;     /* directions whose bytes are not HTTP */
    uint64_t parse_errors;
    uint64_t gaps, gap_bytes;
    uint64_t overlap_conflicts;
    uint64_t reasm_cap_hits;
    size_t reasm_peak;             /* most bytes held out of order at once */
};

struct sf_keylog;   /* synfin/keylog.h */

struct sf_http_config {
    size_t reasm_dir_bytes;        /* out-of-order bytes per direction (default 1 MiB) */
    size_t reasm_global_bytes;     /* all connections (default 256 MiB) */
    size_t max_head;               /* start line + headers (default 64 KiB) */
    uint32_t max_headers;          /* header lines (default 128) */
    uint32_t max_pending;          /* unanswered requests per connection (default 256) */
    uint64_t max_decoded;          /* decoded body bytes per message (default 64 MiB) */
    bool keep_headers;             /* fill sf_http_msg.headers (HAR) */
    size_t keep_body_max;          /* keep decoded bodies up to this size (0 = never) */
    /* TLS certificates are only counted, not read with OpenSSL (d2i_X509
     * costs about a millisecond a certificate): for outputs that do not
     * show them (-F summary). */
    bool tls_skip_certs;
    /* TLS secrets (--keylog, pcapng Decryption Secrets Blocks): the TLS
     * layer decrypts the sessions it finds there (NULL: none). */
    struct sf_keylog *keylog;
    void *ctx;
    /* A transaction is final (in order per connection, all before the
     * connection's record).  Called from sf_http_app_drain only. */
    void (*txn)(void *ctx, const struct sf_http_txn *t);
    /* Decoded response body bytes, streamed as they are read; p == NULL
     * and n == 0 ends the body.  The txn is not final yet. */
    void (*body)(void *ctx, struct sf_http_txn *t, const uint8_t *p, size_t n);
    /* The reassembled byte stream of the connections follow() selects: gap
     * > 0 means that many bytes are missing (p is NULL then). */
    bool (*follow)(void *ctx, const struct sf_conn *c);
    void (*stream)(void *ctx, const struct sf_conn *c, enum sf_dir dir, const uint8_t *p, size_t n,
                   uint64_t gap, uint64_t frame);
};

void sf_http_config_default(struct sf_http_config *cfg);

struct sf_http_app;

/* NULL on allocation failure. */
struct sf_http_app *sf_http_app_new(const struct sf_http_config *cfg);
/* The hooks to put in sf_analyzer_config.app_ops (app = the sf_http_app). */
const struct sf_app_ops *sf_http_app_ops(void);
/* Hands every final transaction to cfg.txn, in order, and frees it. */
void sf_http_app_drain(struct sf_http_app *a);
const struct sf_http_stats *sf_http_app_stats(const struct sf_http_app *a);
void sf_http_app_free(struct sf_http_app *a);

const char *sf_http_decode_name(enum sf_http_decode d);
const char *sf_http_framing_name(enum sf_http_framing f);
const char *sf_http_tunnel_name(enum sf_http_tunnel t);

#endif
