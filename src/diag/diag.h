/* diag.h - the diagnosis state of one connection, fed by the tracker after each packet's analysis. */
#ifndef SYNFIN_DIAG_INTERNAL_H
#define SYNFIN_DIAG_INTERNAL_H

#include "synfin/diag.h"

/* Occurrences remembered per kind and side (with their frames), so that a
 * transaction can claim those inside it; counts and times stay exact past it. */
#define SF_DIAG_OCC_MAX 32

struct sf_diag_occ {
    uint64_t frame[3];        /* the frames that prove it (0 = unused) */
    int64_t start_ts, ns;     /* the interval it cost */
};

struct sf_diag_slot {
    uint64_t count;
    int64_t ns, longest_ns;
    int64_t ep_start, ep_end; /* the open interval of the union (ns counts closed ones) */
    int64_t waits_ns[4];
    uint8_t nwaits;
    uint8_t nocc;
    int64_t before, after;    /* congestion_limited: of the first occurrence */
    struct sf_diag_occ occ[SF_DIAG_OCC_MAX];
};

/* Per-side detector state (the side as the sender of data). */
struct sf_diag_side {
    uint32_t mss;                 /* largest payload seen (the peer's MSS bounds it) */
    uint64_t last_data_frame;     /* this side's last data segment */
    int64_t last_data_ts;
    uint32_t last_data_len;
    int64_t last_ts;              /* this side's last packet of any kind (0 = none yet) */
    bool blocked;
    int64_t win;                  /* the window this side last advertised (scaled), -1 unknown */
    bool loss_signal;             /* the peer's duplicate ACKs or SACK blocks ask for a hole */                 /* since our last data the peer's window was full or zero */
    bool peer_data_since;         /* the peer sent data after our last data */
    bool window_full_pending;     /* our last data filled the peer's window */
    uint64_t window_full_frame;
    int64_t window_full_ts;
    uint64_t zw_frame;            /* this side's open zero-window episode (as receiver) */
    int64_t zw_ts;
    uint64_t lost_frame;          /* last "previous segment not captured" of this side */
    int64_t lost_ts;
    /* Nagle + delayed ACK: our data, then the peer's late pure ACK of all of it. */
    uint64_t held_ack_frame;      /* that ACK (0 = none waiting for our next segment) */
    int64_t held_ack_ts, held_ns;
    uint64_t held_data_frame;
    int64_t syn_prev_ts;          /* previous SYN of this side (back-off waits) */
    uint64_t syn_first_frame;
    /* Congestion: the peak in flight before a loss, and after it. */
    int64_t bif_peak;             /* since the last loss episode ended */
    int64_t loss_peak;            /* the peak before the loss under watch, -1 none */
    int64_t loss_ts;              /* when recovery of that loss began */
    uint64_t loss_frame;
    int64_t post_peak;            /* largest in flight on new data after the recovery */
    uint64_t post_frame;
    bool in_recovery;
    uint32_t full;                /* a full segment of this side, as last computed */
    /* RTT samples of this side's data (the peer's ACKs, Karn's rule). */
    uint64_t rtt_n, rtt_high;     /* samples; those well above the smallest */
    int64_t rtt_min, rtt_max;
    uint64_t rtt_min_frame, rtt_max_frame;
    int64_t rtt_min_ts;
    bool bloat_done;
};

/* Time split accumulation (connection). */
struct sf_diag_split {
    int64_t mark_ts;              /* start of the interval not yet given to a part */
    uint64_t mark_frame;
    int last_data_dir;            /* -1: no data yet */
    bool hs_done;
    int tls;                      /* 0 none, 1 in the TLS handshake, 2 after it */
    uint32_t waits;               /* client -> server turns (one RTT each) */
    struct sf_split_acc part[SF_SPLIT_COUNT];
};

/* The last two transactions' response ends, for head-of-line blocking;
 * indexed by txn number % 2 so that asking twice gives the same answer. */
struct sf_diag_txn_mem {
    uint32_t n;                   /* 0 = empty */
    int64_t resp_last_ts;
    uint64_t resp_last_frame;
};

struct sf_diag {
    struct sf_diag_split split;
    struct sf_diag_side side[2];
    struct sf_diag_slot *slot[SF_DIAG_KIND_COUNT][2];   /* allocated on first use */
    struct sf_diag_txn_mem txn[2];
};

/* Tracker hooks.  packet: after analysis and lifecycle (v complete);
 * allocates the state on the first packet (a failed allocation just
 * leaves the connection undiagnosed).  free: after the sink's conn_end. */
void sf_diag_packet(struct sf_conn *c, enum sf_dir dir, const struct sf_packet *p,
                    const struct sf_pkt_view *v);
void sf_diag_free(struct sf_conn *c);

/* Internal, between the files of src/diag/. */
void sf__diag_split_packet(struct sf_diag *d, const struct sf_conn *c, enum sf_dir dir,
                           const struct sf_packet *p, const struct sf_pkt_view *v);
void sf__diag_detect_packet(struct sf_diag *d, const struct sf_conn *c, enum sf_dir dir,
                            const struct sf_packet *p, const struct sf_pkt_view *v);
/* Records one occurrence of kind for side dir costing [start, start+ns]. */
void sf__diag_note(struct sf_diag *d, enum sf_diag_kind kind, enum sf_dir dir, int64_t start,
                   int64_t ns, uint64_t f0, uint64_t f1, uint64_t f2);
/* The RTT a detector compares with: iRTT, else the smallest sample, else -1. */
int64_t sf__diag_rtt(const struct sf_conn *c);
/* Decides a congestion watch of side dir (the round after recovery is
 * over at `now`, or the connection ended before it was). */
void sf__diag_congestion_decide(struct sf_diag *d, enum sf_dir dir, int64_t now, uint32_t full);
/* Names bufferbloat on side dir once, from its RTT samples so far. */
void sf__diag_bloat_decide(struct sf_diag *d, enum sf_dir dir);
/* Whether the slot's occurrences amount to a finding (thresholds per kind). */
bool sf__diag_reportable(enum sf_diag_kind k, const struct sf_diag_slot *s, const struct sf_conn *c);

#endif
