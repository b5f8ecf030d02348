/* table.h - the connection table: keyed hash on the normalised address/port pair. */
#ifndef SYNFIN_FLOW_TABLE_H
#define SYNFIN_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "synfin/conn.h"
#include "util/siphash.h"

/* Both directions of a connection map to one key: the two (address, port)
 * endpoints in a fixed order.  Like Wireshark's conversations (and unlike
 * Suricata's flows) the key holds no VLAN id, so stream numbers match
 * tcp.stream. */
struct sf_flow_key {
    uint8_t family;
    uint8_t pad[3];
    uint16_t port_lo, port_hi;
    uint8_t addr_lo[16];
    uint8_t addr_hi[16];
};

struct sf_flow_table {
    struct sf_conn **buckets;
    size_t mask;              /* bucket count - 1 (a power of two) */
    size_t count;
    struct sf_sipkey key;
};

/* Builds the key for a packet's endpoints; *swapped tells whether the
 * packet's source is the key's "hi" endpoint. */
void sf_flow_key_make(struct sf_flow_key *k, const struct sf_addr *src, uint16_t sport,
                      const struct sf_addr *dst, uint16_t dport, int *swapped);

int sf_flow_table_init(struct sf_flow_table *t, size_t initial_buckets);
void sf_flow_table_destroy(struct sf_flow_table *t);
struct sf_conn *sf_flow_table_find(const struct sf_flow_table *t, const struct sf_flow_key *k,
                                   uint64_t *hash_out);
/* The keyed hash of k (the attempt table, src/flow/halfopen.c, shares it)
 * and the lookup under a hash already computed. */
uint64_t sf_flow_key_hash(const struct sf_flow_table *t, const struct sf_flow_key *k);
struct sf_conn *sf_flow_table_find_hashed(const struct sf_flow_table *t, const struct sf_flow_key *k,
                                          uint64_t h);
/* Inserts c (not present) under hash h; grows the table when it fills.
 * Returns 0, or -1 when growing failed (the table still works, slower). */
int sf_flow_table_insert(struct sf_flow_table *t, struct sf_conn *c, uint64_t h);
void sf_flow_table_remove(struct sf_flow_table *t, struct sf_conn *c);

#endif
