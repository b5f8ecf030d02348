/* siphash.h - SipHash-1-3, a keyed hash so hostile captures cannot flood our tables. */
#ifndef SYNFIN_SIPHASH_H
#define SYNFIN_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct sf_sipkey {
    uint64_t k0, k1;
};

/* SipHash with 1 compression and 3 finalisation rounds (as Redis and Rust's
 * HashMap use for tables): strong enough against flooding, cheap per packet. */
uint64_t sf_siphash13(const struct sf_sipkey *key, const void *data, size_t len);

/* A per-run key from the OS random source (falls back to time and address
 * when getrandom is unavailable). */
void sf_sipkey_random(struct sf_sipkey *key);

#endif
