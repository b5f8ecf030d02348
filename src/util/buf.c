/* buf.c - output buffer: amortised appends, flushes to a FILE, capped when it has none. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

void sf_buf_init(struct sf_buf *b, FILE *out, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->out = out;
    b->max = max;
}

void sf_buf_free(struct sf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = b->room = 0;
}

/* How much the inline path may append before the slow path must look
 * (flush threshold, ceiling, capacity). */
static void update_room(struct sf_buf *b)
{
    size_t limit = b->cap;
    if (b->out && limit > SF_BUF_FLUSH_AT)
        limit = SF_BUF_FLUSH_AT;
    b->room = limit > b->len ? limit - b->len : 0;
}

void sf_buf_reset(struct sf_buf *b)
{
    b->len = 0;
    b->overflow = false;
    update_room(b);
}

void sf_buf_truncate(struct sf_buf *b, size_t n)
{
    if (n < b->len)
        b->len = n;
    update_room(b);
}

void sf_buf_flush(struct sf_buf *b)
{
    if (!b->out || b->len == 0)
        return;
    if (fwrite(b->data, 1, b->len, b->out) != b->len)
        b->io_error = true;
    b->len = 0;
    update_room(b);
}

/* Makes room for n more bytes; false when the ceiling or memory says no. */
static bool reserve(struct sf_buf *b, size_t n)
{
    size_t want;
    char *nd;

    if (b->out && b->len + n > SF_BUF_FLUSH_AT && b->len > 0)
        sf_buf_flush(b);
    if (b->len + n <= b->cap)
        return true;
    if (b->max && b->len + n > b->max) {
        b->overflow = true;
        return false;
    }
    want = b->cap ? b->cap : 256;
    while (want < b->len + n)
        want *= 2;
    if (b->max && want > b->max)
        want = b->max;
    nd = realloc(b->data, want);
    if (!nd) {
        b->overflow = true;
        return false;
    }
    b->data = nd;
    b->cap = want;
    return true;
}

void sf__buf_put_slow(struct sf_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n)) {
        update_room(b);
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    update_room(b);
}

/* Two digits per step from a table: numbers are most of JSON lines. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static size_t u64_digits(char *tmp_end, uint64_t v)
{
    char *p = tmp_end;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = digit_pairs[d + 1];
        *--p = digit_pairs[d];
    }
    if (v >= 10) {
        unsigned d = (unsigned)v * 2;
        *--p = digit_pairs[d + 1];
        *--p = digit_pairs[d];
    } else {
        *--p = (char)('0' + v);
    }
    return (size_t)(tmp_end - p);
}

void sf_buf_u64(struct sf_buf *b, uint64_t v)
{
    char tmp[24];
    size_t n = u64_digits(tmp + sizeof(tmp), v);
    sf_buf_put(b, tmp + sizeof(tmp) - n, n);
}

void sf_buf_i64(struct sf_buf *b, int64_t v)
{
    if (v < 0) {
        sf_buf_putc(b, '-');
        sf_buf_u64(b, (uint64_t)0 - (uint64_t)v);
        return;
    }
    sf_buf_u64(b, (uint64_t)v);
}

void sf_buf_secs(struct sf_buf *b, int64_t ns, int decimals)
{
    static const uint64_t pow10[10] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                        100000000, 1000000000 };
    char tmp[48];
    char *end = tmp + sizeof(tmp), *p;
    uint64_t u, div, unit, sec, rest;
    bool neg = ns < 0;

    if (decimals < 1)
        decimals = 1;
    if (decimals > 9)
        decimals = 9;
    u = neg ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    div = pow10[9 - decimals];
    u = (u + div / 2) / div;   /* round to the requested precision */
    unit = pow10[decimals];
    sec = u / unit;
    rest = u % unit;
    /* fraction, zero-padded, then the point, then the seconds */
    p = end;
    for (int i = 0; i < decimals; i++) {
        *--p = (char)('0' + rest % 10);
        rest /= 10;
    }
    *--p = '.';
    p -= u64_digits(p, sec);
    if (neg)
        *--p = '-';
    sf_buf_put(b, p, (size_t)(end - p));
}

void sf_buf_printf(struct sf_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        sf_buf_put(b, tmp, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    update_room(b);
}

size_t sf_buf_json_str(struct sf_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t replaced = 0, from = 0, i = 0;
    sf_buf_putc(b, '"');
    while (i < n) {
        unsigned char ch = u[i];
        uint32_t cp;
        size_t k;
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            i++;   /* the common case: runs of plain ASCII are copied at once */
            continue;
        }
        sf_buf_put(b, s + from, i - from);
        if (ch >= 0x80) {
            k = sf_utf8_next(u + i, n - i, &cp);
            if (k == 0) {
                /* Not UTF-8: U+FFFD, counted so the caller can mark the value. */
                sf_buf_puts(b, SF_UTF8_REPLACEMENT);
                replaced++;
                k = 1;
            } else if (cp < 0xa0) {
                /* C1 controls are legal JSON but unreadable: escaped. */
                char e[6] = { '\\', 'u', '0', '0', hex[cp >> 4], hex[cp & 15] };
                sf_buf_put(b, e, 6);
            } else {
                sf_buf_put(b, s + i, k);
            }
            i += k;
        } else {
            if (ch == '"' || ch == '\\') {
                char e[2] = { '\\', (char)ch };
                sf_buf_put(b, e, 2);
            } else if (ch == '\n') {
                sf_buf_put(b, "\\n", 2);
            } else if (ch == '\r') {
                sf_buf_put(b, "\\r", 2);
            } else if (ch == '\t') {
                sf_buf_put(b, "\\t", 2);
            } else {
                char e[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
                sf_buf_put(b, e, 6);
            }
            i++;
        }
        from = i;
    }
    sf_buf_put(b, s + from, i - from);
    sf_buf_putc(b, '"');
    return replaced;
}

void sf_buf_addr(struct sf_buf *b, const uint8_t *a, int family)
{
    char tmp[INET6_ADDRSTRLEN];
    if (family != 6) {
        /* Dotted quad by hand: glibc's inet_ntop formats IPv4 with sprintf,
         * the larger part of a summary line's cost in a SYN flood. */
        for (int i = 0; i < 4; i++) {
            if (i)
                sf_buf_putc(b, '.');
            sf_buf_u64(b, a[i]);
        }
        return;
    }
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, tmp, sizeof(tmp)))
        memcpy(tmp, "?", 2);
    sf_buf_puts(b, tmp);
}
