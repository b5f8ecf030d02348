/* frag.h - IPv4 and IPv6 fragment reassembly with bounded memory. */
#ifndef SYNFIN_FRAG_H
#define SYNFIN_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which datagram a fragment belongs to (RFC 791 section 2.3 / RFC 8200
 * section 4.5): source, destination, identification and, for IPv4, the
 * protocol.  Addresses are 4 or 16 bytes, left-aligned, rest zero. */
struct sf_frag_key {
    uint8_t ip_version;  /* 4 or 6 */
    uint8_t proto;       /* IPv4 protocol; for IPv6 the fragment header's next header */
    uint8_t src[16];
    uint8_t dst[16];
    uint32_t id;         /* 16-bit for IPv4, 32-bit for IPv6 */
};

struct sf_frag_config {
    int64_t timeout_ns;       /* a datagram not completed within this is dropped (default 30 s) */
    size_t max_bytes;         /* global cap on buffered fragment bytes (default 16 MiB) */
    uint32_t max_datagrams;   /* cap on datagrams under reassembly (default 4096) */
};

enum sf_frag_result {
    SF_FRAG_HELD = 0,     /* stored; the datagram is not complete yet */
    SF_FRAG_DONE = 1,     /* this fragment completed the datagram: see sf_frag_done */
    SF_FRAG_DROPPED = 2,  /* rejected: see sf_frag_done.reason (or a counter) */
};

/* What a completed datagram gives back.  `data` (the reassembled payload
 * that follows the IP header, i.e. the transport header onwards) stays valid
 * until the next call into the table. */
struct sf_frag_done {
    const uint8_t *data;
    uint32_t len;
    uint64_t first_frame;     /* frame number of the fragment at offset 0 */
    uint32_t fragment_count;  /* fragments that made it (duplicates excluded) */
    bool overlap;             /* some fragments overlapped */
    bool overlap_conflict;    /* ... with different bytes (first copy won) */
    const char *reason;       /* for SF_FRAG_DROPPED: a short static reason */
};

struct sf_frag_stats {
    uint64_t fragments;       /* fragments fed */
    uint64_t completed;       /* datagrams reassembled */
    uint64_t timed_out;       /* datagrams dropped on timeout */
    uint64_t evicted;         /* datagrams dropped to respect a cap */
    uint64_t invalid;         /* fragments rejected (bad offset/length, too big) */
    uint64_t overlaps;        /* fragments that overlapped earlier ones */
    uint64_t conflicts;       /* overlaps with different bytes */
    uint64_t odd_length;      /* non-last fragments not a multiple of 8 long (RFC 791);
                                 accepted anyway */
    uint64_t nomem;           /* datagrams dropped on allocation failure */
};

struct sf_frag_table;

/* cfg may be NULL for the defaults.  Returns NULL on allocation failure. */
struct sf_frag_table *sf_frag_new(const struct sf_frag_config *cfg);
void sf_frag_free(struct sf_frag_table *t);

/* Feeds one fragment: `offset` in bytes from the start of the fragmentable
 * part, `more` = the MF flag, `payload` the bytes after the IP header (for
 * IPv6 after the fragment header).  `now_ns` is the capture time: datagrams
 * older than the timeout are dropped first.  Overlap policy: the first copy
 * of each byte wins; a later copy that differs is counted as a conflict.
 * A fragment whose offset + length passes 65535 bytes of reassembled payload
 * (IPv4 and IPv6 alike) is invalid and discards its datagram. */
enum sf_frag_result sf_frag_add(struct sf_frag_table *t, const struct sf_frag_key *key,
                                uint32_t offset, bool more, const uint8_t *payload,
                                uint32_t payload_len, int64_t now_ns, uint64_t frame,
                                struct sf_frag_done *done);

/* Number of datagrams still incomplete (reported at end of input). */
uint32_t sf_frag_pending(const struct sf_frag_table *t);
const struct sf_frag_stats *sf_frag_stats(const struct sf_frag_table *t);

#endif
