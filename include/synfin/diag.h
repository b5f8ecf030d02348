/* diag.h - where a connection's or an HTTP transaction's time went, and why (docs/diagnosis.md). */
#ifndef SYNFIN_DIAG_H
#define SYNFIN_DIAG_H

#include <stdbool.h>
#include <stdint.h>

#include "synfin/analyzer.h"
#include "synfin/conn.h"
#include "synfin/http.h"

/* The parts a connection's time is split into.  Each is a sum of the
 * intervals between packets that belong to it; for a connection they add
 * up to its duration. */
enum sf_split_part {
    SF_SPLIT_HANDSHAKE = 0,   /* first SYN -> the ACK completing the handshake (SYN retries included) */
    SF_SPLIT_TLS,             /* ClientHello -> the client's first encrypted record */
    SF_SPLIT_REQUEST,         /* the client sending: between its data segments */
    SF_SPLIT_WAIT,            /* client's last data -> server's first data (server think + 1 RTT) */
    SF_SPLIT_RESPONSE,        /* the server sending: between its data segments */
    SF_SPLIT_IDLE,            /* nobody's turn: server's data -> client's next data, and the tail */
    SF_SPLIT_COUNT
};

struct sf_split_acc {
    int64_t ns;               /* total; -1 when the part does not apply */
    uint32_t n;               /* intervals summed */
    int64_t longest_ns;       /* the longest of them ... */
    uint64_t from_frame, to_frame;   /* ... between these two frames (0 = none) */
};

struct sf_time_split {
    struct sf_split_acc part[SF_SPLIT_COUNT];
    int64_t server_think_ns;  /* wait minus one RTT per wait (floor 0); -1 unknown */
    int64_t rtt_ns;           /* the RTT taken off (iRTT, else the smallest sample); -1 none */
    uint32_t syn_retries;     /* SYNs sent again before the handshake completed */
    int64_t queued_ns;        /* transaction only: time its response was queued behind an
                               * earlier response (pipelining), -1 not applicable */
};

/* What the detectors name; docs/diagnosis.md gives each rule. */
enum sf_diag_kind {
    SF_DIAG_SYN_RETRANSMISSION = 0,
    SF_DIAG_SYN_ACK_RETRANSMISSION,
    SF_DIAG_RTO,
    SF_DIAG_FAST_RETRANSMIT,
    SF_DIAG_ZERO_WINDOW,
    SF_DIAG_WINDOW_LIMITED,
    SF_DIAG_NAGLE_DELAYED_ACK,
    SF_DIAG_SENDER_LIMITED,
    SF_DIAG_CONGESTION_LIMITED,
    SF_DIAG_BUFFERBLOAT,
    SF_DIAG_HOL_BLOCKING,
    SF_DIAG_KIND_COUNT
};

#define SF_DIAG_FRAMES_MAX 8

/* One named pathology of one side (all its occurrences on the connection). */
struct sf_diag_finding {
    enum sf_diag_kind kind;
    enum sf_dir dir;          /* the side concerned: the sender (the receiver for zero_window) */
    uint64_t count;           /* occurrences */
    int64_t ns;               /* time it cost (union of the occurrences' intervals) */
    int64_t longest_ns;       /* the longest occurrence */
    uint64_t frames[SF_DIAG_FRAMES_MAX];  /* proof: the first occurrences' frames */
    uint8_t nframes;
    int64_t waits_ns[4];      /* syn retransmissions: the first waits between tries */
    uint8_t nwaits;
    int64_t before, after;    /* congestion_limited: bytes in flight at the peak before the
                               * first loss and after its recovery; bufferbloat: the
                               * smallest and the largest RTT sample (ns) */
};

/* Bounded: at most this many findings per connection or transaction. */
#define SF_DIAG_FINDINGS_MAX (2 * SF_DIAG_KIND_COUNT)

/* Name of a kind in jsonl ("syn_retransmission", ...). */
const char *sf_diag_kind_name(enum sf_diag_kind k);

/* The connection's time split, as far as the packets so far show
 * (final during the sink's conn_end). */
void sf_diag_conn_split(const struct sf_conn *c, struct sf_time_split *out);
/* The connection's findings, in kind order; returns how many (<= max). */
unsigned sf_diag_conn_findings(const struct sf_conn *c, struct sf_diag_finding *out, unsigned max);

/* A transaction's split (during the http callback: t->conn valid).  Parts
 * that do not apply to a transaction (tls) are -1; idle is the gap before
 * its request (since the previous response or the handshake). */
void sf_diag_txn_split(const struct sf_http_txn *t, struct sf_time_split *out);
/* The findings whose frames fall inside the transaction (request's first
 * frame to the response's last), and its head-of-line blocking. */
unsigned sf_diag_txn_findings(const struct sf_http_txn *t, struct sf_diag_finding *out, unsigned max);

#endif
