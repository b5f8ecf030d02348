/* table.c - chained hash of connections under a per-run SipHash key. */
#include <stdlib.h>
#include <string.h>

#include "flow/table.h"

void sf_flow_key_make(struct sf_flow_key *k, const struct sf_addr *src, uint16_t sport,
                      const struct sf_addr *dst, uint16_t dport, int *swapped)
{
    int c = memcmp(src->a, dst->a, 16);
    memset(k, 0, sizeof(*k));
    k->family = src->family;
    if (c < 0 || (c == 0 && sport <= dport)) {
        memcpy(k->addr_lo, src->a, 16);
        memcpy(k->addr_hi, dst->a, 16);
        k->port_lo = sport;
        k->port_hi = dport;
        *swapped = 0;
    } else {
        memcpy(k->addr_lo, dst->a, 16);
        memcpy(k->addr_hi, src->a, 16);
        k->port_lo = dport;
        k->port_hi = sport;
        *swapped = 1;
    }
}

static void conn_key(const struct sf_conn *c, struct sf_flow_key *k)
{
    int swapped;
    sf_flow_key_make(k, &c->addr[0], c->port[0], &c->addr[1], c->port[1], &swapped);
}

static uint64_t key_hash(const struct sf_flow_table *t, const struct sf_flow_key *k)
{
    return sf_siphash13(&t->key, k, sizeof(*k));
}

int sf_flow_table_init(struct sf_flow_table *t, size_t initial_buckets)
{
    size_t n = 1024;
    while (n < initial_buckets)
        n <<= 1;
    memset(t, 0, sizeof(*t));
    t->buckets = calloc(n, sizeof(*t->buckets));
    if (!t->buckets)
        return -1;
    t->mask = n - 1;
    sf_sipkey_random(&t->key);
    return 0;
}

void sf_flow_table_destroy(struct sf_flow_table *t)
{
    free(t->buckets);
    t->buckets = NULL;
}

uint64_t sf_flow_key_hash(const struct sf_flow_table *t, const struct sf_flow_key *k)
{
    return key_hash(t, k);
}

struct sf_conn *sf_flow_table_find(const struct sf_flow_table *t, const struct sf_flow_key *k,
                                   uint64_t *hash_out)
{
    *hash_out = key_hash(t, k);
    return sf_flow_table_find_hashed(t, k, *hash_out);
}

struct sf_conn *sf_flow_table_find_hashed(const struct sf_flow_table *t, const struct sf_flow_key *k,
                                          uint64_t h)
{
    for (struct sf_conn *c = t->buckets[h & t->mask]; c; c = c->hnext) {
        struct sf_flow_key ck;
        /* The stored hash settles almost every mismatch without a key. */
        if (c->flow_hash != h)
            continue;
        conn_key(c, &ck);
        if (memcmp(&ck, k, sizeof(ck)) == 0)
            return c;
    }
    return NULL;
}

/* Doubles the bucket array and rehashes.  Keys are recomputed from each
 * connection, so nothing but the chains needs storing. */
static int grow(struct sf_flow_table *t)
{
    size_t n = (t->mask + 1) * 2;
    struct sf_conn **nb = calloc(n, sizeof(*nb));
    if (!nb)
        return -1;
    for (size_t i = 0; i <= t->mask; i++) {
        struct sf_conn *c = t->buckets[i];
        while (c) {
            struct sf_conn *next = c->hnext;
            c->hnext = nb[c->flow_hash & (n - 1)];
            nb[c->flow_hash & (n - 1)] = c;
            c = next;
        }
    }
    free(t->buckets);
    t->buckets = nb;
    t->mask = n - 1;
    return 0;
}

int sf_flow_table_insert(struct sf_flow_table *t, struct sf_conn *c, uint64_t h)
{
    int rc = 0;
    c->flow_hash = h;
    c->hnext = t->buckets[h & t->mask];
    t->buckets[h & t->mask] = c;
    t->count++;
    if (t->count > t->mask + 1)
        rc = grow(t);
    return rc;
}

void sf_flow_table_remove(struct sf_flow_table *t, struct sf_conn *c)
{
    struct sf_conn **pp = &t->buckets[c->flow_hash & t->mask];
    while (*pp) {
        if (*pp == c) {
            *pp = c->hnext;
            c->hnext = NULL;
            t->count--;
            return;
        }
        pp = &(*pp)->hnext;
    }
}
