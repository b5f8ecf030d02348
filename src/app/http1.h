/* http1.h - HTTP/1.x internals: the zero-copy head parser and the per-connection stream parser. */
#ifndef SYNFIN_APP_HTTP1_H
#define SYNFIN_APP_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/http.h"
#include "app/span.h"

/* ---------------------------------------------------------------- heads */

/* A header line as (ptr,len) views into the caller's buffer.  A name of
 * NULL marks an obs-fold continuation of the previous header (RFC 9112
 * section 5.2); its value is the folded text. */
struct sf_http_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

struct sf_http_start {
    const char *method;       /* request */
    size_t method_len;
    const char *uri;
    size_t uri_len;
    int status;               /* response */
    const char *reason;
    size_t reason_len;
    int major, minor;         /* 0.9 when the request line has no version */
    const char *version;      /* text after "HTTP/" as sent (may be malformed) */
    size_t version_len;
    uint32_t anomalies;       /* enum sf_http_anomaly bits of the whole head */
};

#define SF_HTTP_PARSE_ERROR   (-1)
#define SF_HTTP_PARSE_PARTIAL (-2)

/* Parses a whole request (or response) head from buf[0..len).  Returns
 * the head's length (start line through the empty line) when complete,
 * SF_HTTP_PARSE_PARTIAL when the empty line is not in buf yet, or
 * SF_HTTP_PARSE_ERROR when the start line is not HTTP, when a line is
 * longer than max_line, or when there are more header lines than *nh (in:
 * capacity of h[], out: lines filled).  A malformed header line is not an
 * error: it is tolerated or ignored and noted in s->anomalies.  Never reads
 * past buf + len. */
long sf_http_parse_request(const char *buf, size_t len, struct sf_http_start *s,
                           struct sf_http_header *h, size_t *nh, size_t max_line);
long sf_http_parse_response(const char *buf, size_t len, struct sf_http_start *s,
                            struct sf_http_header *h, size_t *nh, size_t max_line);

/* Offset just past the empty line ending a head in p[0..n), searching
 * from `from`; 0 when not found yet.  A line of nothing but CRs counts as
 * the empty line (as tshark reads it). */
size_t sf_http_head_end(const uint8_t *p, size_t n, size_t from);

/* 1 when p[0..n) can start a request (dir 0) or a response (dir 1),
 * 0 when it cannot, -1 when n is too short to tell. */
int sf_http_plausible(int dir, const uint8_t *p, size_t n);

/* Case-insensitive equality of a (ptr,len) view and a C string. */
bool sf_http_eq(const char *p, size_t n, const char *lit);
/* True when the comma-separated list p[0..n) holds token `lit`. */
bool sf_http_list_has(const char *p, size_t n, const char *lit);

/* ------------------------------------------------------ content decoding */

struct sf_http_decoder;

/* NULL when the coding needs no decoding; *status says why
 * (SF_HTTP_DECODE_NONE for identity, UNSUPPORTED otherwise, ERROR on
 * allocation failure). */
struct sf_http_decoder *sf_http_decoder_new(const char *coding, size_t len, enum sf_http_decode *status);
/* Decodes in[0..n), calling out() for each decoded run, at most `cap`
 * decoded bytes in all.  Returns the status so far (OK, ERROR, CAPPED). */
enum sf_http_decode sf_http_decoder_feed(struct sf_http_decoder *d, const uint8_t *in, size_t n,
                                         void (*out)(void *ctx, const uint8_t *p, size_t n), void *ctx);
/* The body ended: a stream that did not reach its end is an error. */
enum sf_http_decode sf_http_decoder_end(struct sf_http_decoder *d);
uint64_t sf_http_decoder_total(const struct sf_http_decoder *d);
void sf_http_decoder_set_cap(struct sf_http_decoder *d, uint64_t cap);
void sf_http_decoder_free(struct sf_http_decoder *d);

/* Appends decoded body bytes to m->body up to cfg->keep_body_max (HAR
 * bodies), marking it truncated beyond. */
void sf_http_keep_body(const struct sf_http_config *cfg, struct sf_http_msg *m, const uint8_t *p, size_t n);

/* ------------------------------------------------- per-connection parser */

struct sf_h1;   /* both directions of one connection */

/* What the stream parser tells its owner. */
struct sf_h1_ops {
    /* A message completed in the current frame (label material); for an
     * interim 1xx, t->status holds the interim status during the call. */
    void (*done)(void *ctx, struct sf_http_txn *t, bool request);
    /* The transaction is final: no more changes; ownership passes to the
     * callee (free with sf_h1_txn_free). */
    void (*final)(void *ctx, struct sf_http_txn *t);
    void (*body)(void *ctx, struct sf_http_txn *t, const uint8_t *p, size_t n);
    /* A tunnel opened (2xx to CONNECT, 101 Switching Protocols): t is the
     * transaction that opened it (t->tunnel says which kind), valid during
     * the call.  Then every later byte of either direction goes to tunnel().
     * Both may be NULL: the bytes are dropped. */
    void (*tunnel_open)(void *ctx, const struct sf_http_txn *t);
    void (*tunnel)(void *ctx, int dir, const uint8_t *p, size_t n, const struct sf_span *src);
};

/* NULL on allocation failure.  cfg and ops must outlive the parser. */
struct sf_h1 *sf_h1_new(const struct sf_http_config *cfg, const struct sf_h1_ops *ops, void *ctx,
                        uint64_t conn_id, int64_t connect_ns);
/* Bytes of direction dir (0 = client), in order; src says which frames
 * carried them, `frame` is the frame being analysed (it completes
 * messages). */
void sf_h1_data(struct sf_h1 *h, int dir, const uint8_t *p, size_t n, const struct sf_span *src,
                uint64_t frame);
void sf_h1_gap(struct sf_h1 *h, int dir, uint64_t n, uint64_t frame);
void sf_h1_retrans(struct sf_h1 *h, int dir);
void sf_h1_eof(struct sf_h1 *h, int dir, uint64_t frame, int64_t ts);
/* The client acknowledged up to stream offset `off` of the server's bytes. */
void sf_h1_client_ack(struct sf_h1 *h, uint64_t off, uint64_t frame, int64_t ts);
/* Transactions are numbered from *counter (shared by every HTTP parser of
 * one connection: a tunnel's inner HTTP continues the numbering). */
void sf_h1_share_counter(struct sf_h1 *h, uint32_t *counter);
/* Stream offset (bytes consumed, gaps included) of a direction. */
uint64_t sf_h1_offset(const struct sf_h1 *h, int dir);
/* True when neither direction can carry HTTP any more (non-HTTP, tunnel). */

bool sf_h1_idle(const struct sf_h1 *h);
/* End of connection: every transaction is finalised, in order. */
void sf_h1_finish(struct sf_h1 *h);
void sf_h1_free(struct sf_h1 *h);
void sf_h1_txn_free(struct sf_http_txn *t);
/* Counters added to st. */
void sf_h1_stats(const struct sf_h1 *h, struct sf_http_stats *st);

#endif
