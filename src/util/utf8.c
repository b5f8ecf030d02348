/* utf8.c - strict UTF-8 decoding and the writers that keep outputs valid UTF-8. */
#include "util/utf8.h"

#include "util/buf.h"

size_t sf_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c;
    size_t need;
    uint32_t v;

    if (n == 0)
        return 0;
    c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        need = 1;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        v = c & 0x07;
    } else {
        return 0;   /* a continuation byte, 0xc0/0xc1 (overlong) or past 0xf4 */
    }
    if (n <= need)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[k] & 0x3f);
    }
    if ((need == 2 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
        (need == 3 && (v < 0x10000 || v > 0x10ffff)))
        return 0;
    *cp = v;
    return need + 1;
}

bool sf_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        k = sf_utf8_next(u + i, n - i, &cp);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

size_t sf_utf8_cut(const char *s, size_t n, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    if (n <= cap)
        return n;
    while (i < cap) {
        uint32_t cp;
        size_t k = u[i] < 0x80 ? 1 : sf_utf8_next(u + i, n - i, &cp);
        if (k == 0)
            k = 1;   /* an ill-formed byte stands alone */
        if (i + k > cap)
            break;
        i += k;
    }
    return i;
}

size_t sf_buf_text(struct sf_buf *b, const char *s, size_t n, size_t max_chars)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, chars = 0, replaced = 0;
    while (i < n) {
        uint32_t cp;
        size_t k;
        if (max_chars && chars == max_chars) {
            sf_buf_puts(b, "...");
            break;
        }
        k = sf_utf8_next(u + i, n - i, &cp);
        if (k == 0) {
            sf_buf_puts(b, SF_UTF8_REPLACEMENT);
            replaced++;
            k = 1;
        } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            sf_buf_putc(b, '.');
        } else {
            sf_buf_put(b, s + i, k);
        }
        i += k;
        chars++;
    }
    return replaced;
}
