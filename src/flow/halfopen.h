/* halfopen.h - connection attempts held in a compact record until they are answered (issue 10). */
#ifndef SYNFIN_FLOW_HALFOPEN_H
#define SYNFIN_FLOW_HALFOPEN_H

#include <stddef.h>
#include <stdint.h>

#include "flow/table.h"
#include "synfin/packet.h"

/* A connection of exactly one packet: a SYN without ACK, payload, SACK
 * blocks or tunnel.  Its record keeps what the tracker reads of that SYN, so
 * the full connection (analysis, Zeek view, roles) is rebuilt by replaying
 * it when a second packet comes or the record is written.  A SYN flood from
 * distinct sources therefore costs one of these per source, not a full
 * struct sf_conn (about 1.7 KB) plus application state.  Bounded by
 * SF_HALFOPEN_MAX_BYTES (tests/unit/test_tracker.c asserts it). */
struct sf_halfopen {
    struct sf_halfopen *older, *newer; /* age list: creation order = id order;
                                        * `newer` links the free list when unused */
    uint64_t hash;                     /* keyed hash of the flow key */
    uint32_t idx;                      /* this record's index (its table slot names it) */
    uint32_t input;                    /* the -r it was read from (sf_packet.input) */
    uint64_t id;                       /* tcp.stream, given when the SYN came */
    uint64_t frame;
    int64_t ts_ns;
    struct sf_addr src, dst;           /* the SYN's: client, server */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint32_t wirelen;
    uint16_t win, flags;
    uint16_t mss;
    uint8_t wscale;
    uint8_t bits;                      /* SF_HO_* */
};

#define SF_HALFOPEN_MAX_BYTES 256

enum {
    SF_HO_MSS = 1, SF_HO_WSCALE = 2, SF_HO_SACK_PERM = 4, SF_HO_TS = 8,
    SF_HO_IP_REASSEMBLED = 16, SF_HO_REUSED_PORTS = 32
};

/* Records per slab: allocated together, so each costs its size and no
 * malloc header. */
#define SF_HALFOPEN_SLAB 1024

/* One slot of the open-addressing table: the low 32 bits of the flow hash
 * (the home slot is tag & mask) and the record's index + 1 (0 = empty).  A
 * miss, the common case in a flood, reads one 8-byte slot run instead of
 * chasing chain pointers through a hundred megabytes of records. */
struct sf_halfopen_slot {
    uint32_t tag;
    uint32_t ref;
};

struct sf_halfopen_table {
    struct sf_halfopen_slot *slots;    /* at most half full */
    size_t mask;
    size_t count;
    struct sf_halfopen *oldest, *newest;
    struct sf_halfopen *free;          /* unused records of the slabs */
    struct sf_halfopen **slabs;        /* slab i holds records i*SF_HALFOPEN_SLAB... */
    size_t nslabs, capslabs;
    size_t bytes;                      /* every byte allocated: slabs, slots, slab index */
};

/* True when the packet can start a compact attempt record. */
bool sf_halfopen_eligible(const struct sf_packet *p);

int sf_halfopen_init(struct sf_halfopen_table *t);
void sf_halfopen_destroy(struct sf_halfopen_table *t);

/* The record of key k (hash h, computed with the connection table's key),
 * or NULL. */
struct sf_halfopen *sf_halfopen_find(const struct sf_halfopen_table *t, const struct sf_flow_key *k,
                                     uint64_t h);

/* A new record for SYN p with number id, newest in the age list; NULL when
 * out of memory. */
struct sf_halfopen *sf_halfopen_add(struct sf_halfopen_table *t, const struct sf_packet *p, uint64_t h,
                                    uint64_t id, bool reused_ports);

/* Unlinks and recycles r. */
void sf_halfopen_remove(struct sf_halfopen_table *t, struct sf_halfopen *r);

/* Forgets every record at once (end of input, after they are written). */
void sf_halfopen_clear(struct sf_halfopen_table *t);

/* The SYN the record keeps, as the decoder gave it.  Writes only the
 * fields a record keeps: p is zeroed once by its owner and used for nothing
 * else, so every other field stays zero (no 400-byte memset per replay). */
void sf_halfopen_packet(const struct sf_halfopen *r, struct sf_packet *p);

#endif
