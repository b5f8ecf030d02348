/* analyzer.h - libsynfin's entry point: frames in, packet and connection events out. */
#ifndef SYNFIN_ANALYZER_H
#define SYNFIN_ANALYZER_H

#include <stdbool.h>
#include <stdint.h>

#include "synfin/capture.h"
#include "synfin/conn.h"
#include "synfin/packet.h"

struct sf_http_label;   /* include/synfin/http.h */
struct sf_tls_pkt;      /* include/synfin/tls.h */

/* Wireshark's tcp.analysis.* flags, by the rules of packet-tcp.c (docs/analysis.md). */
enum sf_analysis_bit {
    SF_AN_RETRANSMISSION = 1u << 0,
    SF_AN_FAST_RETRANSMISSION = 1u << 1,
    SF_AN_SPURIOUS_RETRANSMISSION = 1u << 2,
    SF_AN_OUT_OF_ORDER = 1u << 3,
    SF_AN_LOST_SEGMENT = 1u << 4,
    SF_AN_ACK_LOST_SEGMENT = 1u << 5,
    SF_AN_DUPLICATE_ACK = 1u << 6,
    SF_AN_ZERO_WINDOW = 1u << 7,
    SF_AN_ZERO_WINDOW_PROBE = 1u << 8,
    SF_AN_ZERO_WINDOW_PROBE_ACK = 1u << 9,
    SF_AN_WINDOW_FULL = 1u << 10,
    SF_AN_WINDOW_UPDATE = 1u << 11,
    SF_AN_KEEP_ALIVE = 1u << 12,
    SF_AN_KEEP_ALIVE_ACK = 1u << 13,
    SF_AN_REUSED_PORTS = 1u << 14,
    SF_AN_COUNT_BITS = 15
};

/* "retransmission", "duplicate_ack", ... (the tcp.analysis.* field name). */
const char *sf_analysis_name(unsigned bit_index);
/* One line: what the flag means and its likely cause. */
const char *sf_analysis_explain(unsigned bit_index);

/* What the tracker says about one TCP packet. */
struct sf_pkt_view {
    const struct sf_conn *conn;
    enum sf_dir dir;
    uint32_t rel_seq;         /* = tcp.seq (relative) */
    uint32_t rel_ack;         /* = tcp.ack: relative with the ACK flag, else the raw field */
    int8_t ace;               /* tcp.flags.ace after an AccECN handshake (AE,CWR,ECE as
                               * a 3-bit counter), -1 otherwise */
    uint32_t rel_nxtseq;      /* = tcp.nxtseq */
    enum sf_phase phase;
    enum sf_role role;
    uint32_t analysis;        /* SF_AN_* bits (Wireshark tcp.analysis.*) */
    uint32_t dup_ack_num;     /* tcp.analysis.duplicate_ack_num (0 = not a dup ACK) */
    uint64_t dup_ack_frame;   /* tcp.analysis.duplicate_ack_frame */
    uint64_t acked_frame;     /* tcp.analysis.acks_frame (0 = none) */
    int64_t ack_rtt_ns;       /* tcp.analysis.ack_rtt, -1 when none */
    bool ack_ambiguous;       /* the acknowledged segment had been retransmitted (Karn) */
    int64_t bytes_in_flight;  /* tcp.analysis.bytes_in_flight, -1 when not reported */
    int64_t win_scaled;       /* tcp.window_size, -1 when the scale is unknown */
    int win_scale;            /* tcp.window_size_scalefactor: -1 unknown, -2 none, else 2^n */
    uint64_t original_frame;  /* for a retransmission: the captured frame that first carried
                               * these bytes (0 when the original was not captured) */
    int64_t original_ts;      /* its time (valid when original_frame is not 0) */
    uint64_t conn_packet;     /* 1-based index of the packet in its connection */
    /* Set by the application layer when this frame completed an HTTP
     * message (NULL otherwise). */
    const struct sf_http_label *http;
    /* Set on every packet of a connection read as TLS: the records it
     * completed and whether it lies in the TLS handshake (NULL otherwise). */
    const struct sf_tls_pkt *tls;
};

/* The application layer (stream reassembly and HTTP) plugs into the
 * tracker through these hooks; `app` is its context.  conn_new returns the
 * per-connection state (or NULL); packet runs before the sink sees the
 * packet (so it may fill v->http); conn_end runs before the sink's
 * conn_end (so every transaction is out before the connection record);
 * conn_free after it (so the sink may read what the application layer
 * learnt of the connection: sf_app_conn_info). */
struct sf_app_ops {
    void *(*conn_new)(void *app, const struct sf_conn *c);
    void (*packet)(void *app, void *state, const struct sf_conn *c, const struct sf_packet *p,
                   struct sf_pkt_view *v);
    void (*conn_end)(void *app, void *state, const struct sf_conn *c);
    void (*conn_free)(void *app, void *state, const struct sf_conn *c);
    /* Bytes the application layer holds for all connections (counted
     * against --memcap); may be NULL. */
    size_t (*mem_used)(void *app);
};

/* Receives the analyzer's events.  Views and connections are valid only
 * during the call.  Any callback may be NULL. */
struct sf_sink {
    void *ctx;
    /* Every frame, in input order.  v is NULL for frames that are not TCP
     * (p->skip says why). */
    void (*packet)(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v);
    /* A connection's record is final (closed and quiet, idle, reused, end). */
    void (*conn_end)(void *ctx, const struct sf_conn *c);
};

struct sf_analyzer_config {
    int64_t idle_timeout_ns;   /* open connection with no packet for this long is ended (0 = never) */
    int64_t close_linger_ns;   /* a closed connection is ended after this much quiet */
    uint32_t max_conns;        /* connections tracked at once; the least active is ended beyond it */
    const struct sf_app_ops *app_ops;  /* NULL: no application layer */
    void *app;
    /* An attempt (only the client's SYNs, nothing back) is ended after this
     * much quiet (0 = only the idle timeout applies), as Zeek's attempt timer. */
    int64_t syn_timeout_ns;
    /* Memory of the connection state, reassembly included; beyond it the
     * least useful state is released first (0 = no cap). */
    uint64_t memcap;
    /* Keep every attempt as a full record, as before compact attempts
     * existed (tests compare the two paths; costs ~1.7 KB per SYN). */
    bool full_attempts;
};

/* Defaults: idle 600 s, linger 5 s (Zeek's tcp_close_delay), 1,000,000 conns,
 * SYN timeout 130 s, memcap 1 GiB. */
#define SF_DEFAULT_SYN_TIMEOUT_S 130
#define SF_DEFAULT_MEMCAP (1ull << 30)
void sf_analyzer_config_default(struct sf_analyzer_config *cfg);

/* Totals for the summary: every frame is counted in exactly one bucket. */
struct sf_totals {
    uint64_t frames;
    uint64_t tcp;
    uint64_t filtered;
    uint64_t skipped[SF_SKIP_COUNT];
    uint64_t truncated;        /* frames cut by snaplen (any bucket) */
    uint64_t bytes;            /* captured bytes read */
    uint64_t conns;
    uint64_t conns_open_max;
    int64_t first_ts, last_ts;
    /* Every connection's record, by why it was written and how it closed:
     * each sums to conns once the analyzer has finished. */
    uint64_t ended[SF_END_COUNT];
    uint64_t close_kinds[SF_CLOSE_COUNT];
    uint64_t attempts_max;     /* attempts held as compact records at once */
    uint64_t mem_peak;         /* highest memory of the connection state (the --memcap measure) */
    uint64_t memcap;           /* the cap in force (0 = none) */
};

struct sf_analyzer;
struct sf_frag_stats;

/* cfg NULL means the defaults.  NULL on allocation failure. */
struct sf_analyzer *sf_analyzer_new(const struct sf_analyzer_config *cfg, const struct sf_sink *sink);

/* Analyses one frame; frame_no is 1-based across all inputs. */
void sf_analyzer_frame(struct sf_analyzer *a, const struct sf_frame *f, uint64_t frame_no);

/* Counts a frame that the BPF filter excluded (it is not analysed). */
void sf_analyzer_filtered(struct sf_analyzer *a, const struct sf_frame *f, uint64_t frame_no);

/* Runs idle and close-linger expiry as if a frame stamped now_ns had
 * arrived; a live capture calls it periodically with the wall clock, so
 * connections end while the wire is quiet. */
void sf_analyzer_tick(struct sf_analyzer *a, int64_t now_ns);

/* End of input: ends every open connection, in connection order. */
void sf_analyzer_finish(struct sf_analyzer *a);

const struct sf_totals *sf_analyzer_totals(const struct sf_analyzer *a);
/* Fragment-reassembly counters (for the summary). */
const struct sf_frag_stats *sf_analyzer_frag_stats(const struct sf_analyzer *a);
uint32_t sf_analyzer_frag_pending(const struct sf_analyzer *a);

void sf_analyzer_free(struct sf_analyzer *a);

#endif
