/* conn.h - one TCP connection, as the tracker sees it through its lifecycle. */
#ifndef SYNFIN_CONN_H
#define SYNFIN_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "synfin/packet.h"

/* Directions are named from the client (the SYN sender, or the guess). */
enum sf_dir { SF_C2S = 0, SF_S2C = 1 };

enum sf_phase { SF_PHASE_CONNECT = 0, SF_PHASE_DATA, SF_PHASE_CLOSE, SF_PHASE_COUNT };

/* The role of one packet in its connection's life; docs/roles.md explains each. */
enum sf_role {
    SF_ROLE_SYN = 0,
    SF_ROLE_SYN_RETRANS,
    SF_ROLE_SYN_ACK,
    SF_ROLE_SYN_ACK_RETRANS,
    SF_ROLE_HANDSHAKE_ACK,
    SF_ROLE_DATA,
    SF_ROLE_ACK,
    SF_ROLE_WINDOW_UPDATE,
    SF_ROLE_KEEP_ALIVE,
    SF_ROLE_FIN_ACTIVE,
    SF_ROLE_FIN_PASSIVE,
    SF_ROLE_FIN_RETRANS,
    SF_ROLE_ACK_OF_FIN,
    SF_ROLE_LAST_ACK,
    SF_ROLE_RST_REFUSED,
    SF_ROLE_RST_ABORT,
    SF_ROLE_COUNT
};

/* How a connection ended, or why it did not. */
enum sf_close_kind {
    SF_CLOSE_OPEN = 0,        /* still open at the end of the capture */
    SF_CLOSE_FOUR_WAY,        /* FIN, ACK, FIN, ACK */
    SF_CLOSE_THREE_WAY,       /* FIN, FIN+ACK, ACK */
    SF_CLOSE_SIMULTANEOUS,    /* both FINs sent before either was seen */
    SF_CLOSE_HALF_CLOSE,      /* data kept flowing after the first FIN */
    SF_CLOSE_ONE_FIN,         /* one side sent FIN, the other never did */
    SF_CLOSE_RST_ABORT,       /* a RST ended it */
    SF_CLOSE_REFUSED,         /* RST in answer to the SYN */
    SF_CLOSE_UNANSWERED_SYN,  /* SYNs and nothing back */
    SF_CLOSE_COUNT
};

/* Why the tracker let go of the connection (when its record was written). */
enum sf_end_reason {
    SF_END_CLOSED = 0,        /* closed, and quiet for the close linger */
    SF_END_IDLE,              /* no packet for the idle timeout */
    SF_END_PORT_REUSE,        /* a new connection took the same addresses and ports */
    SF_END_INPUT,             /* end of the input */
    SF_END_EVICTED,           /* the connection table was full (--max-conns) */
    SF_END_SYN_TIMEOUT,       /* an attempt (SYNs, no answer) quiet for the SYN timeout */
    SF_END_MEMCAP,            /* released early to stay under --memcap */
    SF_END_COUNT
};

const char *sf_phase_name(enum sf_phase p);
const char *sf_role_name(enum sf_role r);           /* JSON value, e.g. "syn_ack" */
const char *sf_role_words(enum sf_role r);          /* plain words, e.g. "SYN+ACK" */
const char *sf_close_kind_name(enum sf_close_kind k);
const char *sf_close_kind_words(enum sf_close_kind k);
const char *sf_end_reason_name(enum sf_end_reason r);
struct sf_conn;
struct sf_diag;
/* Zeek's conn_state of a connection (src/flow/zeek.c). */
const char *sf_zeek_conn_state(const struct sf_conn *c);
/* Median of the connection's RTT samples, -1 when none (src/flow/analysis.c). */
int64_t sf_analysis_rtt_median(const struct sf_conn *c);

/* TCP options one side announced in its SYN (or SYN+ACK). */
struct sf_syn_opts {
    bool seen;            /* a SYN from this side was captured */
    bool has_mss, has_wscale, sack_perm, has_ts;
    uint16_t mss;
    uint8_t wscale;
    uint16_t win;         /* window in the SYN (never scaled) */
};

/* One segment sent and not yet acknowledged (Wireshark's tcp_unacked_t). */
struct sf_unacked {
    uint32_t seq, nextseq;    /* raw */
    uint64_t frame;
    int64_t ts;
    bool retransmitted;       /* sent again: an ACK of it is ambiguous (Karn) */
};

/* At most this many un-ACKed segments are remembered per direction (as
 * Wireshark's TCP_MAX_UNACKED_SEGMENTS): memory stays bounded when the
 * capture misses the ACKs. */
#define SF_MAX_UNACKED 1000

/* RTT samples kept per connection for the median. */
#define SF_RTT_SAMPLES 64

/* Wireshark's per-direction sequence analysis state (packet-tcp.c
 * tcp_analyze_sequence_number), on raw numbers; 0 means "not seen yet"
 * exactly where Wireshark uses 0 that way. */
struct sf_seq_state {
    uint32_t nextseq;         /* highest seq + len (+SYN/FIN) */
    uint64_t nextseq_frame;
    int64_t nextseq_ts;
    uint32_t maxseqtobeacked; /* highest contiguous seq */
    uint32_t lastack;
    int64_t lastack_ts;       /* time of the last segment this side sent */
    uint32_t window;          /* last raw window; UINT32_MAX until seen, so
                               * an unseen window never reads as closed */
    uint32_t dupacknum;
    uint64_t lastnondupack;   /* frame of the last ACK that changed */
    uint32_t lastflags;       /* SF_AN_* of this side's last segment */
    int win_scale;            /* -1 unknown, -2 no scaling, else the shift */
    bool valid_bif;
    uint32_t push_bytes;
    bool push_set_last;
    bool is_first_ack;        /* no segment without SYN sent yet: window not scaled */
    uint8_t nsack;            /* SACK blocks in this side's last segment */
    uint32_t sack_bytes;      /* bytes those blocks cover */
    struct sf_unacked *segs;  /* un-ACKed segments: a ring, oldest first */
    uint32_t head, nsegs, capsegs;  /* capsegs is a power of two */
    bool sorted;              /* in sequence order too (fast paths apply) */
};

/* Counters of the TCP analysis for one direction. */
struct sf_an_counts {
    uint64_t retrans_segs, retrans_bytes;
    uint64_t fast_retrans, spurious_retrans;
    uint64_t out_of_order;
    uint64_t lost_segment, ack_lost_segment;
    uint64_t dup_acks;
    uint64_t zero_window, zero_window_probes;
    uint64_t window_full, keep_alive;
    uint32_t zero_window_episodes;
    int64_t zero_window_ns;   /* total time spent advertising a zero window */
    int64_t zero_window_since;/* start of the current episode, -1 none */
};

/* Zeek's endpoint states (TCP_Endpoint.h), for conn_state. */
enum sf_zeek_state {
    SF_ZEEK_INACTIVE = 0, SF_ZEEK_SYN_SENT, SF_ZEEK_SYN_ACK_SENT, SF_ZEEK_PARTIAL,
    SF_ZEEK_ESTABLISHED, SF_ZEEK_CLOSED, SF_ZEEK_RESET
};

/* Out-of-order ranges above the contiguous point, for Zeek-style gaps. */
#define SF_ZEEK_RANGES 8

/* Zeek's per-endpoint view: state, the history letters already written
 * and what their repetition rules need, and the reassembly frontier. */
struct sf_zeek_half {
    enum sf_zeek_state state;
    uint16_t once;              /* letters written once per direction (bit per letter) */
    bool syn_seen, fin_seen, rst_seen;
    uint32_t last_syn_seq, last_fin_end, last_rst_seq;
    bool have_end;
    uint32_t highest_end;       /* for T: highest seq + len sent */
    uint64_t n_rexmit, n_zero_win, n_gap;   /* logarithmic letters */
    uint64_t th_rexmit, th_zero_win, th_gap;
    bool have_contig;
    uint32_t contig;            /* next byte the receiver's reassembler waits for */
    uint8_t nranges;
    uint32_t ranges[SF_ZEEK_RANGES][2];  /* [start, end) seen above contig */
};

/* State and counters of one direction (sender = that side). */
struct sf_half {
    /* Wireshark's relative-numbering base (tcp.seq = raw - base). */
    bool base_set;
    uint32_t base_seq;

    bool next_valid;
    uint32_t next_seq;        /* raw: highest seq + len (+1 for SYN/FIN) sent */

    uint32_t syn_count;       /* SYN (or SYN+ACK) segments sent */
    uint32_t syn_seq;
    uint64_t syn_frame;
    int64_t syn_ts;

    bool fin_seen;
    uint32_t fin_seq;         /* raw seq of the FIN flag itself */
    uint32_t fin_count;
    uint64_t fin_frame;
    bool fin_acked;           /* the peer acknowledged this side's FIN */
    uint64_t fin_ack_frame;

    bool rst_seen;
    uint64_t rst_frame;

    struct sf_syn_opts opts;

    /* Counters. */
    uint64_t packets;
    uint64_t wire_bytes;      /* frame lengths on the wire */
    uint64_t payload_bytes;   /* TCP payload, retransmissions included */
    uint64_t data_segments;
    uint32_t max_segment;     /* largest TCP payload */
    uint32_t max_frame;       /* largest frame on the wire */
    uint32_t ip_fragmented;   /* segments that came in several IP fragments */
    uint64_t data_after_peer_fin; /* payload bytes sent after the peer's FIN */

    struct sf_seq_state an;   /* TCP analysis (src/flow/analysis.c) */
    struct sf_an_counts cnt;
    struct sf_zeek_half zk;   /* Zeek's view (src/flow/zeek.c) */
};

/* Longest history string kept (Zeek's own is unbounded in principle;
 * letters past this are dropped and the string ends with '+'). */
#define SF_ZEEK_HISTORY_MAX 48

struct sf_conn {
    uint64_t id;                   /* = Wireshark's tcp.stream */
    struct sf_addr addr[2];        /* [SF_C2S] = client, [SF_S2C] = server */
    uint16_t port[2];
    bool client_guess;             /* no SYN seen: client chosen by heuristic */
    const char *guess_reason;      /* why, when client_guess */
    bool reused_ports;             /* a new connection on an earlier one's ports */
    bool rebased;                  /* this packet (a SYN+ACK with another ISN) restarted its
                                    * direction's relative numbers (tshark 4.0.17) */
    uint8_t accecn;                /* 1: AccECN SYN seen, 2: the SYN+ACK agreed (AccECN):
                                    * AE, CWR, ECE carry the ACE counter from then on */
    /* Tunnels around the first packet (outermost first): the connection's
     * tunnel context, as Zeek's tunnel.log; none for a plain connection. */
    uint8_t tunnel_count;
    struct sf_tunnel tunnel[SF_MAX_TUNNELS];

    struct sf_half half[2];        /* indexed by sender: [SF_C2S] = client's */

    uint64_t first_frame, last_frame;
    int64_t first_ts, last_ts;
    uint32_t first_input;          /* the input (-r) its first packet came from */
    uint64_t packets;

    enum sf_phase phase;           /* phase of the last packet */
    bool started_before_capture;   /* first packet was not a SYN */

    /* Handshake. */
    uint64_t hs_ack_frame;         /* client's ACK completing the 3-way handshake */
    int64_t irtt_ns;               /* -1 when unknown */
    int64_t last_syn_ts;           /* most recent SYN (no ACK) */

    /* Close. */
    int first_closer;              /* SF_C2S/SF_S2C of the first FIN or RST, -1 none */
    enum sf_phase rst_phase;       /* phase in which the first RST came */
    int rst_by;                    /* -1 none */
    uint64_t last_ack_frame;       /* ACK of the second FIN */
    bool fin_crossed;              /* second FIN did not acknowledge the first */
    enum sf_close_kind close_kind; /* filled when the record is written */
    enum sf_end_reason end_reason;

    /* RTT: samples from ACKs (Karn's rule: none from retransmitted data). */
    uint64_t rtt_count;
    int64_t rtt_min_ns, rtt_max_ns;
    int64_t *rtt_samples;          /* at most SF_RTT_SAMPLES, a reservoir beyond */
    uint32_t rtt_cap;
    int64_t rtt_client_side_sum, rtt_server_side_sum;  /* by who acknowledged */
    uint64_t rtt_client_side_n, rtt_server_side_n;
    int64_t hs_ack_ts;
    int64_t hs_server_side_ns;     /* SYN -> SYN+ACK at the capture point, -1 unknown */
    int64_t hs_client_side_ns;     /* SYN+ACK -> ACK */

    /* Zeek's conn.log view (src/flow/zeek.c). */
    char zeek_history[SF_ZEEK_HISTORY_MAX + 2];
    uint8_t zeek_history_len;
    bool zeek_flipped;             /* first packet came from the responder */
    uint64_t zeek_missed_bytes;

    void *app_state;               /* owned by the application layer (sf_app_ops) */
    struct sf_diag *diag;          /* owned by src/diag (include/synfin/diag.h reads it) */

    /* Tracker bookkeeping (not for outputs). */
    bool closed;                   /* FINs both ways acknowledged, or RST */
    bool emitted;
    struct sf_conn *hnext;         /* hash chain */
    uint64_t flow_hash;            /* keyed hash of its addresses and ports */
    struct sf_conn *lprev, *lnext; /* activity list */
    uint8_t list_id;
    bool app_tried;                /* the application layer was asked for its state */
};

#endif
