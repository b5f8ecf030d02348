/* halfopen.c - the table of connection attempts: compact records in slabs, an
 * open-addressing index (linear probing, backward-shift deletion), an age list. */
#include <stdlib.h>
#include <string.h>

#include "flow/halfopen.h"

bool sf_halfopen_eligible(const struct sf_packet *p)
{
    /* Only what a record can replay exactly: a bare SYN (ECN bits allowed),
     * no data (TCP Fast Open keeps the full path), no SACK blocks, no
     * tunnel context to remember. */
    return (p->flags & (SF_TH_SYN | SF_TH_ACK | SF_TH_FIN | SF_TH_RST)) == SF_TH_SYN &&
           p->payload_len == 0 && p->opt.sack_count == 0 && p->tunnel_count == 0;
}

#define INITIAL_SLOTS 2048u

int sf_halfopen_init(struct sf_halfopen_table *t)
{
    memset(t, 0, sizeof(*t));
    t->slots = calloc(INITIAL_SLOTS, sizeof(*t->slots));
    if (!t->slots)
        return -1;
    t->mask = INITIAL_SLOTS - 1;
    t->bytes = INITIAL_SLOTS * sizeof(*t->slots);
    return 0;
}

void sf_halfopen_destroy(struct sf_halfopen_table *t)
{
    for (size_t i = 0; i < t->nslabs; i++)
        free(t->slabs[i]);
    free(t->slabs);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

void sf_halfopen_clear(struct sf_halfopen_table *t)
{
    sf_halfopen_destroy(t);
    /* Without memory for the first slots the table stays empty and
     * unusable: find sees no slot, add fails (a full record is used). */
    sf_halfopen_init(t);
}

static struct sf_halfopen *rec_at(const struct sf_halfopen_table *t, uint32_t ref)
{
    uint32_t i = ref - 1;
    return &t->slabs[i / SF_HALFOPEN_SLAB][i % SF_HALFOPEN_SLAB];
}

static void rec_key(const struct sf_halfopen *r, struct sf_flow_key *k)
{
    int swapped;
    sf_flow_key_make(k, &r->src, r->sport, &r->dst, r->dport, &swapped);
}

/* The slot holding r, or of the first empty slot of k's run. */
static size_t probe(const struct sf_halfopen_table *t, uint64_t h, const struct sf_flow_key *k,
                    const struct sf_halfopen *want, struct sf_halfopen **found)
{
    uint32_t tag = (uint32_t)h;
    size_t i = tag & t->mask;
    *found = NULL;
    for (;; i = (i + 1) & t->mask) {
        const struct sf_halfopen_slot *s = &t->slots[i];
        struct sf_halfopen *r;
        if (!s->ref)
            return i;
        if (s->tag != tag)
            continue;
        r = rec_at(t, s->ref);
        if (want ? r == want : r->hash == h) {
            struct sf_flow_key rk;
            if (want) {
                *found = r;
                return i;
            }
            rec_key(r, &rk);
            if (memcmp(&rk, k, sizeof(rk)) == 0) {
                *found = r;
                return i;
            }
        }
    }
}

struct sf_halfopen *sf_halfopen_find(const struct sf_halfopen_table *t, const struct sf_flow_key *k,
                                     uint64_t h)
{
    struct sf_halfopen *r;
    if (!t->slots)
        return NULL;
    probe(t, h, k, NULL, &r);
    return r;
}

/* Doubles the slots (kept at most half full); on failure the table fills
 * further, and add refuses a record before it is full. */
static void grow(struct sf_halfopen_table *t)
{
    size_t n = (t->mask + 1) * 2;
    struct sf_halfopen_slot *ns = calloc(n, sizeof(*ns));
    if (!ns)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        size_t j;
        if (!t->slots[i].ref)
            continue;
        for (j = t->slots[i].tag & (n - 1); ns[j].ref; j = (j + 1) & (n - 1))
            ;
        ns[j] = t->slots[i];
    }
    free(t->slots);
    t->bytes += (n - (t->mask + 1)) * sizeof(*ns);
    t->slots = ns;
    t->mask = n - 1;
}

static struct sf_halfopen *rec_alloc(struct sf_halfopen_table *t)
{
    struct sf_halfopen *r = t->free;
    if (!r) {
        struct sf_halfopen *s;
        if ((t->nslabs + 1) * SF_HALFOPEN_SLAB >= UINT32_MAX)
            return NULL;
        if (t->nslabs == t->capslabs) {
            size_t nc = t->capslabs ? t->capslabs * 2 : 16;
            struct sf_halfopen **g = realloc(t->slabs, nc * sizeof(*g));
            if (!g)
                return NULL;
            t->bytes += (nc - t->capslabs) * sizeof(*g);
            t->slabs = g;
            t->capslabs = nc;
        }
        s = malloc(SF_HALFOPEN_SLAB * sizeof(*s));
        if (!s)
            return NULL;
        t->bytes += SF_HALFOPEN_SLAB * sizeof(*s);
        for (size_t i = SF_HALFOPEN_SLAB; i-- > 0;) {
            s[i].idx = (uint32_t)(t->nslabs * SF_HALFOPEN_SLAB + i);
            s[i].newer = t->free;
            t->free = &s[i];
        }
        t->slabs[t->nslabs++] = s;
        r = t->free;
    }
    t->free = r->newer;
    return r;
}

struct sf_halfopen *sf_halfopen_add(struct sf_halfopen_table *t, const struct sf_packet *p, uint64_t h,
                                    uint64_t id, bool reused_ports)
{
    struct sf_halfopen *r, *dup;
    uint32_t idx;
    size_t slot;

    if (!t->slots || t->count + 1 > (t->mask + 1) - (t->mask + 1) / 4)
        return NULL;   /* growing failed: never fill the last quarter */
    r = rec_alloc(t);
    if (!r)
        return NULL;
    idx = r->idx;
    memset(r, 0, sizeof(*r));
    r->idx = idx;
    r->hash = h;
    r->id = id;
    r->frame = p->frame;
    r->ts_ns = p->ts_ns;
    r->src = p->src;
    r->dst = p->dst;
    r->sport = p->sport;
    r->dport = p->dport;
    r->seq = p->seq;
    r->ack = p->ack;
    r->wirelen = p->wirelen;
    r->input = p->input;
    r->win = p->win;
    r->flags = p->flags;
    r->mss = p->opt.mss;
    r->wscale = p->opt.wscale;
    r->bits = (uint8_t)((p->opt.has_mss ? SF_HO_MSS : 0) | (p->opt.has_wscale ? SF_HO_WSCALE : 0) |
                        (p->opt.sack_perm ? SF_HO_SACK_PERM : 0) | (p->opt.has_ts ? SF_HO_TS : 0) |
                        (p->ip_reassembled ? SF_HO_IP_REASSEMBLED : 0) |
                        (reused_ports ? SF_HO_REUSED_PORTS : 0));
    /* The caller looked the key up and found nothing: the run's first empty
     * slot is where it goes (probe with a record that is nowhere). */
    slot = probe(t, h, NULL, r, &dup);
    t->slots[slot].tag = (uint32_t)h;
    t->slots[slot].ref = idx + 1;
    r->older = t->newest;
    if (t->newest)
        t->newest->newer = r;
    else
        t->oldest = r;
    t->newest = r;
    if (++t->count > (t->mask + 1) / 2)
        grow(t);
    return r;
}

void sf_halfopen_remove(struct sf_halfopen_table *t, struct sf_halfopen *r)
{
    struct sf_halfopen *found;
    size_t i = probe(t, r->hash, NULL, r, &found), j;

    if (found) {
        /* Backward-shift deletion: later members of the run whose home is
         * at or before the hole move into it, so every run stays unbroken. */
        t->slots[i].ref = 0;
        for (j = (i + 1) & t->mask; t->slots[j].ref; j = (j + 1) & t->mask) {
            size_t home = t->slots[j].tag & t->mask;
            /* j may move to i unless its home lies cyclically in (i, j]. */
            if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
                t->slots[i] = t->slots[j];
                t->slots[j].ref = 0;
                i = j;
            }
        }
    }
    if (r->older)
        r->older->newer = r->newer;
    else
        t->oldest = r->newer;
    if (r->newer)
        r->newer->older = r->older;
    else
        t->newest = r->older;
    t->count--;
    r->newer = t->free;
    t->free = r;
}

void sf_halfopen_packet(const struct sf_halfopen *r, struct sf_packet *p)
{
    p->frame = r->frame;
    p->ts_ns = r->ts_ns;
    p->wirelen = r->wirelen;
    p->input = r->input;
    p->src = r->src;
    p->dst = r->dst;
    p->sport = r->sport;
    p->dport = r->dport;
    p->seq = r->seq;
    p->ack = r->ack;
    p->win = r->win;
    p->flags = r->flags;
    p->opt.mss = r->mss;
    p->opt.wscale = r->wscale;
    p->opt.has_mss = (r->bits & SF_HO_MSS) != 0;
    p->opt.has_wscale = (r->bits & SF_HO_WSCALE) != 0;
    p->opt.sack_perm = (r->bits & SF_HO_SACK_PERM) != 0;
    p->opt.has_ts = (r->bits & SF_HO_TS) != 0;
    p->ip_reassembled = (r->bits & SF_HO_IP_REASSEMBLED) != 0;
}
