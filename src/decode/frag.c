/* frag.c - IPv4/IPv6 fragment reassembly: keyed table, byte ranges, caps, first copy wins. */

/*
 * Overlap policy: the FIRST copy of each byte wins.
 *
 * Stacks disagree on overlaps (Linux since 4.19 drops the whole datagram,
 * old BSD and Windows favoured the first or the last copy depending on the
 * shape of the overlap, Suricata lets the user pick a per-OS policy), which
 * is exactly what evasion captures exploit: tiny overlapping fragments that
 * an IDS reassembles differently from the target.  We cannot know the
 * target's policy, so we pick one that is predictable and cannot be
 * rewritten after the fact: bytes once held never change, as in Zeek's
 * reassembler and in our own TCP stream reassembly (DESIGN R7).  A later
 * copy of bytes we already hold is compared with them: identical bytes are
 * a plain overlap (a duplicate or a retransmission), different bytes set
 * `overlap_conflict` so the analyst knows the payload is one of several
 * possible readings.
 *
 * Wireshark differs in one case: it keeps fragments sorted by offset and
 * builds the datagram in that order, so the copy with the LOWEST OFFSET
 * wins (arrival order only breaks ties).  When a later fragment starts
 * below an earlier one it overlaps, tshark shows the later bytes and we
 * show the earlier ones; both flag the conflict.  zeek/fragmented-4.pcap
 * is such a capture (frame 5 overlaps frame 3 with different bytes).
 *
 * Other rules (mostly Linux ip_fragment.c / RFC 791, RFC 8200, RFC 6946):
 * - An atomic fragment (offset 0, no MF) is handed back at once, zero-copy,
 *   and never mixed with a queued datagram of the same id (RFC 6946 s.4).
 * - The last fragment fixes the total length.  A second last fragment with
 *   a different end, a last fragment ending before bytes already held, or
 *   any fragment past a known end makes the datagram invalid: it is
 *   discarded (Linux does the same; guessing which copy is right would be
 *   an evasion opening).
 * - The reassembled payload is capped at SF_FRAG_MAX_PAYLOAD bytes; a
 *   fragment reaching past it discards its datagram.
 * - Non-last fragments whose length is not a multiple of 8 break RFC 791
 *   but are accepted (Wireshark does) and counted in `odd_length`.
 *
 * Memory: datagram records come from a pool sized once (max_datagrams),
 * looked up through an open-addressing table hashed with SipHash-1-3 under a
 * per-table key, so a hostile capture cannot aim ids at one probe chain.
 * Each datagram owns one payload buffer, grown geometrically up to the
 * maximum size, and a sorted array of filled byte ranges (a few inline, the
 * rest on the heap).  Buffer and range bytes count against max_bytes; when a
 * cap would be passed the oldest datagram is evicted.  Age is the order of
 * creation, and the timeout runs from the first fragment's capture time.
 */

#include "decode/frag.h"

#include <stdlib.h>
#include <string.h>

/* The IPv4 total length and the IPv6 payload length are 16-bit fields, so
 * no fragmentable part can exceed this.  For IPv4 the true limit is 65535
 * minus the header; we do not see the header here, so we keep the simpler
 * bound (a few bytes of leniency, never a bigger buffer). */
#define SF_FRAG_MAX_PAYLOAD 65535u

#define FRAG_DEFAULT_TIMEOUT_NS (30LL * 1000 * 1000 * 1000)
#define FRAG_DEFAULT_MAX_BYTES ((size_t)16 << 20)
#define FRAG_DEFAULT_MAX_DGRAMS 4096u
/* The pool is allocated up front; keep an absurd config from asking for
 * gigabytes of records. */
#define FRAG_MAX_DGRAMS_LIMIT (1u << 20)

#define FRAG_NONE UINT32_MAX       /* "no index" in lists and the table */
#define FRAG_TOTAL_UNKNOWN UINT32_MAX
#define FRAG_INLINE_RANGES 4
#define FRAG_MIN_BUF 256u

/* Reasons that need telling apart by the caller of the helper that set
 * them (compared by address). */
static const char frag_r_memcap[] = "over memory cap";
static const char frag_r_nomem[] = "out of memory";

/* Filled bytes [start, end).  Kept sorted, disjoint and non-adjacent. */
struct frag_range {
    uint32_t start;
    uint32_t end;
};

struct frag_dgram {
    struct sf_frag_key key;
    uint64_t hash;
    int64_t first_ns;          /* capture time of the first fragment seen */
    uint64_t first_frame;      /* frame of the first copy of offset 0 */
    uint32_t older, newer;     /* age list; `newer` also links the free list */
    uint8_t *buf;
    uint32_t cap;              /* bytes allocated in buf */
    uint32_t total;            /* set by the last fragment */
    struct frag_range *ranges; /* points at `inl` until it outgrows it */
    uint32_t nranges;
    uint32_t rcap;
    uint32_t nfrags;
    bool has_first;
    bool overlap;
    bool conflict;
    struct frag_range inl[FRAG_INLINE_RANGES];
};

struct sf_frag_table {
    struct sf_frag_config cfg;
    struct sf_frag_stats stats;
    uint64_t k0, k1;           /* SipHash key */
    struct frag_dgram *pool;   /* cfg.max_datagrams records, never moved */
    uint32_t *slots;           /* pool index or FRAG_NONE */
    uint32_t mask;             /* slots size - 1 (a power of two) */
    uint32_t count;            /* datagrams in use */
    uint32_t free_head;
    uint32_t oldest, newest;
    size_t bytes;              /* buffer + heap range bytes held */
    uint8_t *done_buf;         /* last completed payload, freed next call */
};

/* ---- keyed hash ------------------------------------------------------ */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define SIPROUND(v0, v1, v2, v3)                                    \
    do {                                                            \
        v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32); \
        v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;                    \
        v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;                    \
        v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32); \
    } while (0)

/* SipHash-1-3: the same keyed PRF Redis and Python use for hash tables;
 * fast enough for a 40-byte key and not floodable without the key. */
static uint64_t siphash13(const uint8_t *in, size_t len, uint64_t k0, uint64_t k1)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;
    uint64_t b = (uint64_t)len << 56;
    size_t i, tail = len & 7;

    for (i = 0; i + 8 <= len; i += 8) {
        uint64_t m = load_le64(in + i);

        v3 ^= m;
        SIPROUND(v0, v1, v2, v3);
        v0 ^= m;
    }
    while (tail > 0) {
        tail--;
        b |= (uint64_t)in[i + tail] << (8 * tail);
    }
    v3 ^= b;
    SIPROUND(v0, v1, v2, v3);
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND(v0, v1, v2, v3);
    SIPROUND(v0, v1, v2, v3);
    SIPROUND(v0, v1, v2, v3);
    return v0 ^ v1 ^ v2 ^ v3;
}

/* Only the meaningful bytes: 4-byte addresses for IPv4, so stray bytes in
 * the unused tail of the key cannot split one datagram in two. */
static size_t addr_len(const struct sf_frag_key *k)
{
    return k->ip_version == 4 ? 4 : 16;
}

static uint64_t key_hash(const struct sf_frag_table *t, const struct sf_frag_key *k)
{
    uint8_t m[2 + 16 + 16 + 4];
    size_t al = addr_len(k), n = 0;

    m[n++] = k->ip_version;
    m[n++] = k->proto;
    memcpy(m + n, k->src, al);
    n += al;
    memcpy(m + n, k->dst, al);
    n += al;
    m[n++] = (uint8_t)(k->id >> 24);
    m[n++] = (uint8_t)(k->id >> 16);
    m[n++] = (uint8_t)(k->id >> 8);
    m[n++] = (uint8_t)k->id;
    return siphash13(m, n, t->k0, t->k1);
}

static bool key_eq(const struct sf_frag_key *a, const struct sf_frag_key *b)
{
    size_t al = addr_len(a);

    return a->ip_version == b->ip_version && a->proto == b->proto && a->id == b->id &&
           memcmp(a->src, b->src, al) == 0 && memcmp(a->dst, b->dst, al) == 0;
}

/* ---- open-addressing table (linear probing, backward-shift delete) ---- */

static uint32_t table_find(const struct sf_frag_table *t, const struct sf_frag_key *k,
                           uint64_t h)
{
    uint32_t i = (uint32_t)h & t->mask;

    /* The table is at least twice the pool, so an empty slot always ends
     * the probe. */
    while (t->slots[i] != FRAG_NONE) {
        const struct frag_dgram *d = &t->pool[t->slots[i]];

        if (d->hash == h && key_eq(&d->key, k))
            return t->slots[i];
        i = (i + 1) & t->mask;
    }
    return FRAG_NONE;
}

static void table_insert(struct sf_frag_table *t, uint32_t idx)
{
    uint32_t i = (uint32_t)t->pool[idx].hash & t->mask;

    while (t->slots[i] != FRAG_NONE)
        i = (i + 1) & t->mask;
    t->slots[i] = idx;
}

/* Backward-shift deletion keeps probe chains intact without tombstones, so
 * lookups never degrade as datagrams come and go. */
static void table_remove(struct sf_frag_table *t, uint32_t idx)
{
    uint32_t i = (uint32_t)t->pool[idx].hash & t->mask;
    uint32_t j;

    while (t->slots[i] != idx)
        i = (i + 1) & t->mask;
    j = i;
    for (;;) {
        uint32_t home;

        j = (j + 1) & t->mask;
        if (t->slots[j] == FRAG_NONE)
            break;
        home = (uint32_t)t->pool[t->slots[j]].hash & t->mask;
        /* Move slots[j] into the hole at i unless its home lies
         * cyclically in (i, j]. */
        if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i] = FRAG_NONE;
}

/* ---- datagram lifecycle ----------------------------------------------- */

static size_t dgram_bytes(const struct frag_dgram *d)
{
    size_t n = d->cap;

    if (d->ranges != d->inl)
        n += (size_t)d->rcap * sizeof(struct frag_range);
    return n;
}

/* Unlinks and frees datagram idx.  If keep_buf, the payload buffer is
 * handed over to the caller instead of freed. */
static uint8_t *dgram_release(struct sf_frag_table *t, uint32_t idx, bool keep_buf)
{
    struct frag_dgram *d = &t->pool[idx];
    uint8_t *buf = d->buf;

    table_remove(t, idx);
    if (d->older != FRAG_NONE)
        t->pool[d->older].newer = d->newer;
    else
        t->oldest = d->newer;
    if (d->newer != FRAG_NONE)
        t->pool[d->newer].older = d->older;
    else
        t->newest = d->older;
    t->bytes -= dgram_bytes(d);
    if (d->ranges != d->inl)
        free(d->ranges);
    if (!keep_buf) {
        free(buf);
        buf = NULL;
    }
    d->buf = NULL;
    d->ranges = d->inl;
    d->newer = t->free_head;
    d->older = FRAG_NONE;
    t->free_head = idx;
    t->count--;
    return buf;
}

static void expire(struct sf_frag_table *t, int64_t now_ns)
{
    while (t->oldest != FRAG_NONE) {
        const struct frag_dgram *d = &t->pool[t->oldest];

        /* Unsigned difference: no overflow for any pair of int64 times.
         * A clock that runs backwards just delays expiry. */
        if (now_ns <= d->first_ns ||
            (uint64_t)now_ns - (uint64_t)d->first_ns <= (uint64_t)t->cfg.timeout_ns)
            break;
        dgram_release(t, t->oldest, false);
        t->stats.timed_out++;
    }
}

/* Evicts the oldest datagram other than `keep`.  False if there is none. */
static bool evict_one(struct sf_frag_table *t, uint32_t keep)
{
    uint32_t idx = t->oldest;

    if (idx == keep && idx != FRAG_NONE)
        idx = t->pool[idx].newer;
    if (idx == FRAG_NONE)
        return false;
    dgram_release(t, idx, false);
    t->stats.evicted++;
    return true;
}

/* Makes room for `extra` more bytes held by datagram `keep`. */
static bool reserve_bytes(struct sf_frag_table *t, uint32_t keep, size_t extra)
{
    while (extra > t->cfg.max_bytes || t->bytes > t->cfg.max_bytes - extra) {
        if (!evict_one(t, keep))
            return false;
    }
    return true;
}

static uint32_t dgram_new(struct sf_frag_table *t, const struct sf_frag_key *k, uint64_t h,
                          int64_t now_ns)
{
    uint32_t idx;
    struct frag_dgram *d;

    if (t->count >= t->cfg.max_datagrams)
        evict_one(t, FRAG_NONE);
    idx = t->free_head;
    d = &t->pool[idx];
    t->free_head = d->newer;

    memset(d, 0, sizeof(*d));
    d->key = *k;
    d->hash = h;
    d->first_ns = now_ns;
    d->total = FRAG_TOTAL_UNKNOWN;
    d->ranges = d->inl;
    d->rcap = FRAG_INLINE_RANGES;
    d->older = t->newest;
    d->newer = FRAG_NONE;
    if (t->newest != FRAG_NONE)
        t->pool[t->newest].newer = idx;
    else
        t->oldest = idx;
    t->newest = idx;
    t->count++;
    table_insert(t, idx);
    return idx;
}

/* Grows the payload buffer to hold `end` bytes. */
static const char *grow_buf(struct sf_frag_table *t, uint32_t idx, uint32_t end)
{
    struct frag_dgram *d = &t->pool[idx];
    uint32_t ncap;
    uint8_t *nb;

    if (end <= d->cap)
        return NULL;
    if (d->total != FRAG_TOTAL_UNKNOWN) {
        ncap = d->total;           /* the size is known: allocate it exactly */
    } else {
        ncap = d->cap ? d->cap : FRAG_MIN_BUF;
        while (ncap < end)
            ncap *= 2;             /* geometric: few reallocs for many small frags */
        if (ncap > SF_FRAG_MAX_PAYLOAD)
            ncap = SF_FRAG_MAX_PAYLOAD;
    }
    if (!reserve_bytes(t, idx, ncap - d->cap)) {
        /* max_bytes is smaller than what this datagram needs, so retry at
         * the exact size before giving up. */
        ncap = end;
        if (!reserve_bytes(t, idx, ncap - d->cap))
            return frag_r_memcap;
    }
    nb = realloc(d->buf, ncap);
    if (nb == NULL)
        return frag_r_nomem;
    d->buf = nb;
    t->bytes += ncap - d->cap;
    d->cap = ncap;
    return NULL;
}

/* Ensures room for one more range (an insert adds at most one). */
static const char *grow_ranges(struct sf_frag_table *t, uint32_t idx)
{
    struct frag_dgram *d = &t->pool[idx];
    uint32_t ncap = d->rcap * 2;
    struct frag_range *nr;
    size_t old_bytes = d->ranges == d->inl ? 0 : (size_t)d->rcap * sizeof(*nr);

    if (d->nranges < d->rcap)
        return NULL;
    if (!reserve_bytes(t, idx, (size_t)ncap * sizeof(*nr) - old_bytes))
        return frag_r_memcap;
    if (d->ranges == d->inl) {
        nr = malloc((size_t)ncap * sizeof(*nr));
        if (nr != NULL)
            memcpy(nr, d->inl, sizeof(d->inl));
    } else {
        nr = realloc(d->ranges, (size_t)ncap * sizeof(*nr));
    }
    if (nr == NULL)
        return frag_r_nomem;
    d->ranges = nr;
    t->bytes += (size_t)ncap * sizeof(*nr) - old_bytes;
    d->rcap = ncap;
    return NULL;
}

/* Index of the first range whose end >= s (i.e. that overlaps or touches
 * [s, ...)), by binary search. */
static uint32_t first_touching(const struct frag_dgram *d, uint32_t s)
{
    uint32_t lo = 0, hi = d->nranges;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (d->ranges[mid].end < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Copies [s, e) of `p` (p[0] is byte s) into the gaps of the datagram and
 * compares it with the bytes already held; merges the ranges.  Returns the
 * number of new bytes.  Room for one extra range must exist. */
static uint32_t insert_range(struct frag_dgram *d, uint32_t s, uint32_t e, const uint8_t *p,
                             bool *overlap, bool *conflict)
{
    uint32_t i = first_touching(d, s), j = i;
    uint32_t pos = s, added = 0, ns = s, ne = e;

    *overlap = false;
    *conflict = false;
    /* Walk the ranges that overlap or touch [s, e). */
    while (j < d->nranges && d->ranges[j].start <= e) {
        const struct frag_range *r = &d->ranges[j];
        uint32_t cs = r->start > s ? r->start : s;
        uint32_t ce = r->end < e ? r->end : e;

        if (r->start > pos) {       /* gap before this range: new bytes */
            memcpy(d->buf + pos, p + (pos - s), r->start - pos);
            added += r->start - pos;
        }
        if (cs < ce) {              /* bytes already held: first copy wins */
            *overlap = true;
            if (memcmp(d->buf + cs, p + (cs - s), ce - cs) != 0)
                *conflict = true;
        }
        if (r->end > pos)
            pos = r->end;
        if (r->start < ns)
            ns = r->start;
        if (r->end > ne)
            ne = r->end;
        j++;
    }
    if (pos < e) {
        memcpy(d->buf + pos, p + (pos - s), e - pos);
        added += e - pos;
    }
    /* Ranges i..j-1 collapse into [ns, ne). */
    if (j == i) {
        memmove(&d->ranges[i + 1], &d->ranges[i], (d->nranges - i) * sizeof(d->ranges[0]));
        d->nranges++;
    } else if (j - i > 1) {
        memmove(&d->ranges[i + 1], &d->ranges[j], (d->nranges - j) * sizeof(d->ranges[0]));
        d->nranges -= j - i - 1;
    }
    d->ranges[i].start = ns;
    d->ranges[i].end = ne;
    return added;
}

static bool dgram_complete(const struct frag_dgram *d)
{
    return d->total != FRAG_TOTAL_UNKNOWN && d->nranges == 1 && d->ranges[0].start == 0 &&
           d->ranges[0].end == d->total;
}

/* ---- public API -------------------------------------------------------- */

struct sf_frag_table *sf_frag_new(const struct sf_frag_config *cfg)
{
    struct sf_frag_table *t = calloc(1, sizeof(*t));
    uint32_t nslots = 4, i;
    uint64_t seed;

    if (t == NULL)
        return NULL;
    if (cfg != NULL)
        t->cfg = *cfg;
    /* Zero (or negative) means "use the default". */
    if (t->cfg.timeout_ns <= 0)
        t->cfg.timeout_ns = FRAG_DEFAULT_TIMEOUT_NS;
    if (t->cfg.max_bytes == 0)
        t->cfg.max_bytes = FRAG_DEFAULT_MAX_BYTES;
    if (t->cfg.max_datagrams == 0)
        t->cfg.max_datagrams = FRAG_DEFAULT_MAX_DGRAMS;
    if (t->cfg.max_datagrams > FRAG_MAX_DGRAMS_LIMIT)
        t->cfg.max_datagrams = FRAG_MAX_DGRAMS_LIMIT;
    while (nslots < 2 * t->cfg.max_datagrams)
        nslots *= 2;
    t->mask = nslots - 1;

    /* Per-table key from the table's (ASLR-randomised) address: no global
     * state, and the key never reaches the output, which stays
     * deterministic because eviction follows age, not hash order. */
    seed = (uint64_t)(uintptr_t)t ^ ((uint64_t)(uintptr_t)&seed << 17);
    t->k0 = splitmix64(&seed);
    t->k1 = splitmix64(&seed);

    t->pool = calloc(t->cfg.max_datagrams, sizeof(*t->pool));
    t->slots = malloc((size_t)nslots * sizeof(*t->slots));
    if (t->pool == NULL || t->slots == NULL) {
        free(t->pool);
        free(t->slots);
        free(t);
        return NULL;
    }
    memset(t->slots, 0xff, (size_t)nslots * sizeof(*t->slots));
    for (i = 0; i < t->cfg.max_datagrams; i++) {
        t->pool[i].ranges = t->pool[i].inl;
        t->pool[i].newer = i + 1 < t->cfg.max_datagrams ? i + 1 : FRAG_NONE;
    }
    t->free_head = 0;
    t->oldest = t->newest = FRAG_NONE;
    return t;
}

void sf_frag_free(struct sf_frag_table *t)
{
    if (t == NULL)
        return;
    while (t->oldest != FRAG_NONE)
        dgram_release(t, t->oldest, false);
    free(t->done_buf);
    free(t->pool);
    free(t->slots);
    free(t);
}

/* Rejects the fragment and discards its datagram (if any). */
static enum sf_frag_result drop_dgram(struct sf_frag_table *t, uint32_t idx,
                                      struct sf_frag_done *done, const char *reason)
{
    if (idx != FRAG_NONE)
        dgram_release(t, idx, false);
    t->stats.invalid++;
    done->reason = reason;
    return SF_FRAG_DROPPED;
}

enum sf_frag_result sf_frag_add(struct sf_frag_table *t, const struct sf_frag_key *key,
                                uint32_t offset, bool more, const uint8_t *payload,
                                uint32_t payload_len, int64_t now_ns, uint64_t frame,
                                struct sf_frag_done *done)
{
    uint64_t end64 = (uint64_t)offset + payload_len, h;
    uint32_t idx, end;
    struct frag_dgram *d;
    const char *err;
    bool ov = false, cf = false, counted = false;

    memset(done, 0, sizeof(*done));
    /* The previous DONE payload was promised only until this call. */
    free(t->done_buf);
    t->done_buf = NULL;
    t->stats.fragments++;
    expire(t, now_ns);

    if (key->ip_version != 4 && key->ip_version != 6)
        return drop_dgram(t, FRAG_NONE, done, "bad IP version in key");
    if (payload == NULL && payload_len > 0)
        return drop_dgram(t, FRAG_NONE, done, "no payload");

    /* RFC 6946: an atomic fragment is a whole datagram on its own, so even
     * when too big it leaves a queued datagram with the same key alone. */
    if (offset == 0 && !more) {
        if (end64 > SF_FRAG_MAX_PAYLOAD)
            return drop_dgram(t, FRAG_NONE, done, "fragment past maximum datagram size");
        done->data = payload;
        done->len = payload_len;
        done->first_frame = frame;
        done->fragment_count = 1;
        t->stats.completed++;
        return SF_FRAG_DONE;
    }

    h = key_hash(t, key);
    idx = table_find(t, key, h);
    if (end64 > SF_FRAG_MAX_PAYLOAD)
        return drop_dgram(t, idx, done, "fragment past maximum datagram size");
    end = (uint32_t)end64;
    if (payload_len == 0 && more)
        return drop_dgram(t, FRAG_NONE, done, "empty non-last fragment");
    if (more && (payload_len & 7) != 0)
        t->stats.odd_length++;      /* RFC 791 wants multiples of 8; be lenient */

    if (idx == FRAG_NONE)
        idx = dgram_new(t, key, h, now_ns);
    d = &t->pool[idx];

    if (!more) {
        if (d->total != FRAG_TOTAL_UNKNOWN && d->total != end)
            return drop_dgram(t, idx, done, "conflicting last fragment");
        if (d->nranges > 0 && d->ranges[d->nranges - 1].end > end)
            return drop_dgram(t, idx, done, "data past last fragment");
        if (d->total == FRAG_TOTAL_UNKNOWN)
            counted = true;         /* this fragment fixed the length */
        d->total = end;
    } else if (d->total != FRAG_TOTAL_UNKNOWN && end > d->total) {
        return drop_dgram(t, idx, done, "fragment past end of datagram");
    }

    if (payload_len > 0) {
        err = grow_buf(t, idx, end);
        if (err == NULL)
            err = grow_ranges(t, idx);
        if (err != NULL) {
            /* Either way the datagram can no longer be completed
             * faithfully; a cap drop is an eviction, not bad input. */
            dgram_release(t, idx, false);
            if (err == frag_r_memcap)
                t->stats.evicted++;
            else
                t->stats.nomem++;
            done->reason = err;
            return SF_FRAG_DROPPED;
        }
        if (insert_range(d, offset, end, payload, &ov, &cf) > 0)
            counted = true;
        if (ov) {
            d->overlap = true;
            t->stats.overlaps++;
        }
        if (cf) {
            d->conflict = true;
            t->stats.conflicts++;
        }
    }
    if (offset == 0 && !d->has_first) {
        d->has_first = true;
        d->first_frame = frame;
    }
    if (counted)
        d->nfrags++;

    done->first_frame = d->first_frame;
    done->fragment_count = d->nfrags;
    done->overlap = d->overlap;
    done->overlap_conflict = d->conflict;
    if (!dgram_complete(d))
        return SF_FRAG_HELD;

    done->len = d->total;
    t->done_buf = dgram_release(t, idx, true);
    done->data = t->done_buf;
    t->stats.completed++;
    return SF_FRAG_DONE;
}

uint32_t sf_frag_pending(const struct sf_frag_table *t)
{
    return t->count;
}

const struct sf_frag_stats *sf_frag_stats(const struct sf_frag_table *t)
{
    return &t->stats;
}
