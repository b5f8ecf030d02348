/* idmap.c - linear probing with backward-shift deletion; ids are stored +1 so 0 marks a hole. */
#include <stdlib.h>

#include "util/idmap.h"

static size_t slot(uint64_t id, size_t cap)
{
    /* Connection ids are sequential: a multiplicative mix spreads them. */
    return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

void *sf_idmap_get(const struct sf_idmap *m, uint64_t id)
{
    if (!m->cap)
        return NULL;
    for (size_t i = slot(id, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == 0)
            return NULL;
        if (m->keys[i] == id + 1)
            return m->vals[i];
    }
}

static int grow(struct sf_idmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    uint64_t *nk = calloc(ncap, sizeof(*nk));
    void **nv = calloc(ncap, sizeof(*nv));
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = slot(m->keys[i] - 1, ncap);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return 0;
}

int sf_idmap_put(struct sf_idmap *m, uint64_t id, void *val)
{
    size_t i;
    if ((m->count + 1) * 2 > m->cap && grow(m) != 0)
        return -1;
    for (i = slot(id, m->cap); m->keys[i] && m->keys[i] != id + 1; i = (i + 1) & (m->cap - 1))
        ;
    if (!m->keys[i])
        m->count++;
    m->keys[i] = id + 1;
    m->vals[i] = val;
    return 0;
}

void *sf_idmap_del(struct sf_idmap *m, uint64_t id)
{
    size_t i, j;
    void *v;
    if (!m->cap)
        return NULL;
    for (i = slot(id, m->cap); m->keys[i] != id + 1; i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == 0)
            return NULL;
    v = m->vals[i];
    m->keys[i] = 0;
    m->count--;
    /* Shift later members of the probe run back so lookups never stop early. */
    for (j = (i + 1) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
        size_t home = slot(m->keys[j] - 1, m->cap);
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            m->keys[j] = 0;
            i = j;
        }
    }
    return v;
}

void sf_idmap_free(struct sf_idmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->count = 0;
}
