/* reasm.h - per-direction TCP stream reassembly: in-order bytes handed out in place, holes held, gaps recorded. */
#ifndef SYNFIN_REASM_H
#define SYNFIN_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a run of delivered bytes came from. */
struct sf_reasm_src {
    uint64_t frame;
    int64_t ts_ns;
};

/* Why a gap was recorded. */
enum sf_reasm_gap_why {
    SF_REASM_GAP_ACKED = 0,   /* the peer acknowledged bytes the capture never had */
    SF_REASM_GAP_END,         /* connection ended with the hole still open */
    SF_REASM_GAP_CAP,         /* a memory cap (per direction, count or global) was hit */
    SF_REASM_GAP_SNAPLEN,     /* bytes cut by the snapshot length */
};

/* What reassembly hands to its consumer.  Every callback may be NULL.
 * `data` bytes are valid only during the call (they point into the packet
 * or into a held segment about to be freed). */
struct sf_reasm_ops {
    void (*data)(void *ctx, int dir, const uint8_t *p, size_t n, const struct sf_reasm_src *src);
    void (*gap)(void *ctx, int dir, uint64_t n, enum sf_reasm_gap_why why, const struct sf_reasm_src *src);
    /* A segment carrying only bytes already received (a retransmission);
     * keep-alive probes are not reported. */
    void (*retrans)(void *ctx, int dir, const struct sf_reasm_src *src);
    /* The direction's FIN was reached in sequence (or the stream ended). */
    void (*eof)(void *ctx, int dir, const struct sf_reasm_src *src);
};

/* Memory shared by every connection of a run (the global cap). */
struct sf_reasm_mem {
    size_t used;              /* bytes allocated for held pieces (payload + bookkeeping), all connections */
    size_t peak;
    size_t limit;             /* 0 = no global cap */
};

struct sf_reasm_limits {
    size_t dir_bytes;         /* out-of-order bytes held per direction (default 1 MiB) */
    uint32_t dir_segments;    /* out-of-order segments held per direction (default 4096) */
};

#define SF_REASM_DEFAULT_DIR_BYTES   (1u << 20)
#define SF_REASM_DEFAULT_DIR_SEGS    4096u
#define SF_REASM_DEFAULT_GLOBAL      (256u << 20)

struct sf_reasm_seg;          /* a held (out-of-order) piece; reasm.c */

struct sf_reasm_half {
    bool started;             /* next is known */
    bool fin_seen;
    bool eof_sent;
    uint32_t next;            /* raw seq of the next byte to deliver */
    uint32_t fin_seq;         /* raw seq of the FIN flag */
    struct sf_reasm_seg *held;/* sorted by seq, never overlapping */
    /* The piece inserted last (NULL once it is released): a new piece that
     * starts after it is linked from there, so pieces arriving in order behind
     * a hole cost O(1) each instead of a walk from the head. */
    struct sf_reasm_seg *last;
    size_t held_bytes;
    uint32_t held_count;
    /* Counters. */
    uint64_t delivered;       /* bytes handed out */
    uint64_t gaps, gap_bytes;
    uint64_t retrans_segments;
    uint64_t overlap_conflicts; /* overlapping copies with different bytes */
    uint64_t cap_hits;
};

struct sf_reasm {
    struct sf_reasm_half half[2];
    struct sf_reasm_mem *mem;
    struct sf_reasm_limits lim;
    const struct sf_reasm_ops *ops;
    void *ctx;
};

/* One TCP segment as reassembly needs it (raw sequence numbers). */
struct sf_reasm_in {
    int dir;                  /* 0 or 1 (SF_C2S / SF_S2C) */
    uint32_t seq, ack;
    uint16_t flags;           /* SF_TH_* */
    const uint8_t *payload;
    uint32_t caplen;          /* payload bytes captured */
    uint32_t len;             /* payload bytes on the wire (what seq counts) */
    bool start_known;         /* start_seq holds where this direction's data begins */
    uint32_t start_seq;
    struct sf_reasm_src src;
};

/* lim NULL = defaults; mem may be NULL (no global cap). */
void sf_reasm_init(struct sf_reasm *r, struct sf_reasm_mem *mem, const struct sf_reasm_limits *lim,
                   const struct sf_reasm_ops *ops, void *ctx);

/* Feeds one segment (any flags, any payload).  Calls the ops synchronously. */
void sf_reasm_segment(struct sf_reasm *r, const struct sf_reasm_in *in);

/* The direction's SYN (raw seq) came before this state existed: the
 * stream starts after it, as sf_reasm_segment would have set it. */
void sf_reasm_syn(struct sf_reasm *r, int dir, uint32_t syn_seq);

/* End of the connection: every hole becomes a gap, held bytes are
 * delivered, then eof for each started direction.  Idempotent. */
void sf_reasm_finish(struct sf_reasm *r, const struct sf_reasm_src *src);

/* Frees held segments without delivering them (no callbacks). */
void sf_reasm_free(struct sf_reasm *r);

#endif
