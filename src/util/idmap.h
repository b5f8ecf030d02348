/* idmap.h - open-addressing map from a 64-bit id (a connection number) to a pointer. */
#ifndef SYNFIN_IDMAP_H
#define SYNFIN_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct sf_idmap {
    uint64_t *keys;
    void **vals;
    size_t cap;     /* power of two; 0 before the first insert */
    size_t count;
};

void *sf_idmap_get(const struct sf_idmap *m, uint64_t id);
/* Returns 0, or -1 on allocation failure (nothing inserted). */
int sf_idmap_put(struct sf_idmap *m, uint64_t id, void *val);
void *sf_idmap_del(struct sf_idmap *m, uint64_t id);
void sf_idmap_free(struct sf_idmap *m);

#endif
