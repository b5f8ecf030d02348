/* cursor.h - bounds-checked reads over a byte view (no read past `end`). */
#ifndef SYNFIN_CURSOR_H
#define SYNFIN_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A window [p, end) into a buffer the cursor does not own.  Every accessor
 * checks the remaining length first; a read past the end returns 0 and sets
 * the sticky `err`, so a decoder checks `err` once per header (tcpdump's
 * GET_* idea without the longjmp).  Lengths are compared, never pointers
 * past the end (CERT VU#162289). */
struct sf_cur {
    const uint8_t *p;
    const uint8_t *end;
    bool err;
};

static inline struct sf_cur sf_cur_make(const uint8_t *p, size_t len)
{
    struct sf_cur c = { p, p + len, false };
    return c;
}

static inline size_t sf_cur_left(const struct sf_cur *c)
{
    return (size_t)(c->end - c->p);
}

static inline bool sf_cur_has(const struct sf_cur *c, size_t n)
{
    return !c->err && sf_cur_left(c) >= n;
}

static inline uint8_t sf_cur_u8(struct sf_cur *c)
{
    if (!sf_cur_has(c, 1)) { c->err = true; return 0; }
    return *c->p++;
}

static inline uint16_t sf_cur_be16(struct sf_cur *c)
{
    uint16_t v;
    if (!sf_cur_has(c, 2)) { c->err = true; return 0; }
    v = (uint16_t)((uint16_t)c->p[0] << 8 | c->p[1]);
    c->p += 2;
    return v;
}

static inline uint16_t sf_cur_le16(struct sf_cur *c)
{
    uint16_t v;
    if (!sf_cur_has(c, 2)) { c->err = true; return 0; }
    v = (uint16_t)((uint16_t)c->p[1] << 8 | c->p[0]);
    c->p += 2;
    return v;
}

static inline uint32_t sf_cur_be32(struct sf_cur *c)
{
    uint32_t v;
    if (!sf_cur_has(c, 4)) { c->err = true; return 0; }
    v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
    c->p += 4;
    return v;
}

static inline uint32_t sf_cur_le32(struct sf_cur *c)
{
    uint32_t v;
    if (!sf_cur_has(c, 4)) { c->err = true; return 0; }
    v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 | c->p[0];
    c->p += 4;
    return v;
}

/* Copies n bytes out; on a short buffer copies nothing and sets err. */
static inline void sf_cur_copy(struct sf_cur *c, void *dst, size_t n)
{
    if (!sf_cur_has(c, n)) { c->err = true; return; }
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = c->p[i];
    c->p += n;
}

static inline void sf_cur_skip(struct sf_cur *c, size_t n)
{
    if (!sf_cur_has(c, n)) { c->err = true; c->p = c->end; return; }
    c->p += n;
}

/* A child cursor over the next n bytes (or fewer if the parent has fewer:
 * then *short_out is set); the parent advances past them. */
static inline struct sf_cur sf_cur_take(struct sf_cur *c, size_t n, bool *short_out)
{
    size_t left = c->err ? 0 : sf_cur_left(c);
    size_t k = n < left ? n : left;
    struct sf_cur sub = { c->p, c->p + k, false };
    if (short_out)
        *short_out = k < n;
    c->p += k;
    return sub;
}

/* Unchecked big-endian loads for code that has already checked the length. */
static inline uint16_t sf_load_be16(const uint8_t *p)
{
    return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t sf_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
