/* buf.h - growable output buffer with fast number, time and JSON-string writers. */
#ifndef SYNFIN_BUF_H
#define SYNFIN_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* When `out` is set the buffer flushes to it past `flush_at` bytes;
 * otherwise it only accumulates (up to `max`, past which bytes are dropped
 * and `overflow` is set: every buffer has a ceiling). */
struct sf_buf {
    char *data;
    size_t len, cap;
    size_t room;      /* bytes the inline fast path may append (0: take the slow path) */
    size_t max;
    FILE *out;
    bool overflow;
    bool io_error;
};

#define SF_BUF_FLUSH_AT (64u * 1024u)

void sf_buf_init(struct sf_buf *b, FILE *out, size_t max);
void sf_buf_free(struct sf_buf *b);
void sf_buf_reset(struct sf_buf *b);
void sf__buf_put_slow(struct sf_buf *b, const char *s, size_t n);
/* Cuts the buffer back to n bytes (n <= len). */
void sf_buf_truncate(struct sf_buf *b, size_t n);
void sf_buf_u64(struct sf_buf *b, uint64_t v);
void sf_buf_i64(struct sf_buf *b, int64_t v);
/* ns as seconds with `decimals` (1..9) digits, e.g. 1.234567 */
void sf_buf_secs(struct sf_buf *b, int64_t ns, int decimals);
void sf_buf_printf(struct sf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string, quoted: well-formed UTF-8 passes through as is (JSON
 * allows it), each byte that is not part of well-formed UTF-8 becomes
 * U+FFFD, control characters (C0, DEL, C1) are escaped.  Returns how many
 * bytes were replaced, so the caller can mark the value as not valid. */
size_t sf_buf_json_str(struct sf_buf *b, const char *s, size_t n);
void sf_buf_addr(struct sf_buf *b, const uint8_t *a, int family);
/* Appends: the common case is a memcpy into room already there (output
 * formats call these per field, so they are inline). */
static inline void sf_buf_put(struct sf_buf *b, const char *s, size_t n)
{
    if (n <= b->room) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->room -= n;
        return;
    }
    sf__buf_put_slow(b, s, n);
}

static inline void sf_buf_puts(struct sf_buf *b, const char *s)
{
    sf_buf_put(b, s, strlen(s));   /* strlen of a literal folds at compile time */
}

static inline void sf_buf_putc(struct sf_buf *b, char c)
{
    if (b->room) {
        b->data[b->len++] = c;
        b->room--;
        return;
    }
    sf__buf_put_slow(b, &c, 1);
}

/* Writes everything out (no-op without `out`). */
void sf_buf_flush(struct sf_buf *b);

#endif
