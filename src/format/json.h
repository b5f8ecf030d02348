/* json.h - the small JSON member writers the formats share (keys are our own identifiers). */
#ifndef SYNFIN_OUT_JSON_H
#define SYNFIN_OUT_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

/* ,"k": — always after the object's first member.  Inline, so a literal
 * key's length folds at compile time. */
static inline void key(struct sf_buf *b, const char *k)
{
    sf_buf_putc(b, ',');
    sf_buf_putc(b, '"');
    sf_buf_puts(b, k);
    sf_buf_put(b, "\":", 2);
}

static inline void kv_u64(struct sf_buf *b, const char *k, uint64_t v)
{
    key(b, k);
    sf_buf_u64(b, v);
}

/* A value that is one of our own identifiers: no escaping needed. */
static inline void kv_str(struct sf_buf *b, const char *k, const char *v)
{
    key(b, k);
    sf_buf_putc(b, '"');
    sf_buf_puts(b, v);
    sf_buf_putc(b, '"');
}

static inline void kv_bool(struct sf_buf *b, const char *k, bool v)
{
    key(b, k);
    sf_buf_puts(b, v ? "true" : "false");
}

#endif
