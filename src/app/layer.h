/* layer.h - the application layer as a stack per connection: reassembled TCP bytes go up through
 * zero or more transforming layers (TLS: records in, plaintext out) to one message parser
 * (HTTP/1.x, HTTP/2, ...).  Every layer implements the same stream-consumer interface on its
 * input side and feeds the next layer through it on its output side, so a parser never knows
 * whether its bytes were decrypted. */
#ifndef SYNFIN_APP_LAYER_H
#define SYNFIN_APP_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/analyzer.h"
#include "synfin/app.h"
#include "synfin/http.h"
#include "app/span.h"

struct sf_layer;
struct sf_stack;
struct sf_tls_roles;

/* A stream consumer: both directions of one connection (dir 0 = client).
 * Only data is required; every other operation may be NULL. */
struct sf_layer_ops {
    const char *name;         /* "http1", "tls", "http2", "socks", "detect", "opaque" */
    /* In-order bytes of direction dir; valid during the call only. */
    void (*data)(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src);
    /* n bytes of direction dir are missing (capture loss, caps, snaplen). */
    void (*gap)(struct sf_layer *l, int dir, uint64_t n);
    /* A segment of dir carried only bytes already delivered. */
    void (*retrans)(struct sf_layer *l, int dir);
    /* Direction dir ended (its FIN reached in order, or the connection ended). */
    void (*eof)(struct sf_layer *l, int dir);
    /* The receiver of direction dir acknowledged up to offset off of this
     * layer's input stream of that direction (the peer's ACKs, mapped). */
    void (*acked)(struct sf_layer *l, int dir, uint64_t off);
    /* End of the connection: finalise everything (no more input). */
    void (*finish)(struct sf_layer *l);
    /* True when the layer will never use more input (not its protocol,
     * or a tunnel it hands nowhere): the stack may stop reassembling. */
    bool (*idle)(const struct sf_layer *l);
    void (*destroy)(struct sf_layer *l);
};

/* The common head of every layer: embed it first in the layer's struct. */
struct sf_layer {
    const struct sf_layer_ops *ops;
    struct sf_stack *stack;   /* the connection this layer belongs to */
    struct sf_layer *up;      /* where this layer's output goes (NULL: a message parser) */
    struct sf_layer **slot;   /* the pointer that points at this layer (for replacement) */
};

/* What a connection's stack shares with its layers: the frame being
 * analysed, the application's configuration and sinks, and the labels for
 * the current frame. */
struct sf_stack {
    struct sf_http_app *app;
    const struct sf_conn *conn;
    struct sf_layer *bottom;  /* first layer (fed by TCP reassembly) */
    uint64_t cur_frame;       /* the frame being analysed now (it completes messages) */
    int64_t cur_ts;
    bool follow;              /* --follow selected this connection */
    bool follow_plain;        /* --follow shows a transform's output (decrypted), not TCP bytes */
    uint8_t depth;            /* layers created so far (bounded: SF_STACK_MAX_DEPTH) */
    uint32_t http_txns;       /* HTTP transactions numbered so far (all parsers) */
    struct sf_app_info info;  /* what the outputs learn (synfin/app.h) */
    const struct sf_tls_roles *tls_roles;   /* the outer TLS layer's packet roles (tls_roles.h), or NULL */
};

/* Records that protocol `name` (a static string) is read on the connection. */
void sf_stack_note(struct sf_stack *s, const char *name);

#define SF_STACK_MAX_DEPTH 8

/* A protocol the detection layer can choose, by the first bytes of a
 * stream on any port (detect.c holds the table, in the order tried).
 * probe: 1 when p[0..n) of direction dir (0 = client) starts this
 * protocol, 0 when it cannot, -1 when n is too short to tell.
 * create: the layer that reads it (NULL on allocation failure). */
struct sf_app_proto {
    const char *name;
    int (*probe)(int dir, const uint8_t *p, size_t n);
    struct sf_layer *(*create)(struct sf_stack *s);
};

/* Constructors of the layers (each in its own file).  Each returns NULL on
 * allocation failure; the caller then leaves the slot empty. */
/* Buffers the first bytes of each direction until a protocol of the
 * table is recognised, then installs that layer in its own place and
 * replays the bytes; HTTP/1.x when nothing else matches (it tells HTTP
 * from non-HTTP per direction itself). */
struct sf_layer *sf_detect_layer_new(struct sf_stack *s);
struct sf_layer *sf_http1_layer_new(struct sf_stack *s);
/* HTTP/2 (h2_layer.c): with prior knowledge (the client preface first;
 * also what ALPN h2 on decrypted TLS chooses), and after HTTP/1.1
 * Upgrade: h2c (stream 1 is the upgraded request). */
struct sf_layer *sf_http2_layer_new(struct sf_stack *s);
struct sf_layer *sf_http2_upgrade_layer_new(struct sf_stack *s);
/* TLS record layer (tls_record.c); sf_tls_probe is its detection. */
struct sf_layer *sf_tls_layer_new(struct sf_stack *s);
int sf_tls_probe(int dir, const uint8_t *p, size_t n);
/* SOCKS4/4a/5 (socks.c): the handshake, then the tunnel's bytes to a new
 * detection layer. */
struct sf_layer *sf_socks_layer_new(struct sf_stack *s);
int sf_socks_probe(int dir, const uint8_t *p, size_t n);
/* Counts and drops everything (a protocol synfin does not read, or the
 * stack's depth limit). */
struct sf_layer *sf_opaque_layer_new(struct sf_stack *s);

/* Puts layer l into *slot (replacing and destroying what was there, unless
 * it is `keep`) and links it to the stack; returns l. */
struct sf_layer *sf_layer_install(struct sf_stack *s, struct sf_layer **slot, struct sf_layer *l,
                                  struct sf_layer *keep);

/* Calls into a layer through its ops, tolerating NULL layers and ops. */
void sf_layer_data(struct sf_layer *l, int dir, const uint8_t *p, size_t n, const struct sf_span *src);
void sf_layer_gap(struct sf_layer *l, int dir, uint64_t n);
void sf_layer_retrans(struct sf_layer *l, int dir);
void sf_layer_eof(struct sf_layer *l, int dir);
void sf_layer_acked(struct sf_layer *l, int dir, uint64_t off);
void sf_layer_finish(struct sf_layer *l);
bool sf_layer_idle(const struct sf_layer *l);
/* Destroys l and every layer above it. */
void sf_layer_destroy(struct sf_layer *l);

/* The reassembled (or decrypted) byte stream for --follow: gap > 0 means
 * that many bytes are missing (p NULL). */
void sf_stack_follow(struct sf_stack *s, int dir, const uint8_t *p, size_t n, uint64_t gap, uint64_t frame);

/* What the message parsers (HTTP/1.x, HTTP/2) hand to the application
 * (app.c).  done: a message completed in the current frame (the packet's
 * label); final: the transaction will not change any more and ownership
 * passes (it must have been allocated with the sf_http_txn first, freed by
 * sf_h1_txn_free); body: decoded response body bytes, NULL/0 at its end. */
void sf_stack_http_done(struct sf_stack *s, struct sf_http_txn *t, bool request);
void sf_stack_http_final(struct sf_stack *s, struct sf_http_txn *t);
void sf_stack_http_body(struct sf_stack *s, struct sf_http_txn *t, const uint8_t *p, size_t n);
/* The application's HTTP configuration and counters. */
const struct sf_http_config *sf_stack_http_config(const struct sf_stack *s);
struct sf_http_stats *sf_stack_http_stats(struct sf_stack *s);

#endif
