/* utf8.h - strict UTF-8 decoding, and writers that keep every output valid UTF-8 whatever the capture holds. */
#ifndef SYNFIN_UTIL_UTF8_H
#define SYNFIN_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sf_buf;

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..n), its code
 * point in *cp; 0 when s[0] does not start one (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF, no truncated sequence). */
size_t sf_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* True when s[0..n) is well-formed UTF-8. */
bool sf_utf8_valid(const char *s, size_t n);

/* The longest prefix of s[0..n) of at most cap bytes that does not end
 * inside a well-formed sequence (for capping a value by bytes). */
size_t sf_utf8_cut(const char *s, size_t n, size_t cap);

/* The replacement character U+FFFD, as written for an ill-formed byte. */
#define SF_UTF8_REPLACEMENT "\xef\xbf\xbd"

/* Text for a terminal or a report from bytes of the capture: well-formed
 * UTF-8 is kept; each byte that does not start a well-formed sequence
 * becomes U+FFFD; control characters (C0, DEL, C1) become '.', so no
 * escape sequence reaches the terminal.  At most max_chars characters
 * (0 = no limit), then "..." when cut.  Returns the bytes replaced. */
size_t sf_buf_text(struct sf_buf *b, const char *s, size_t n, size_t max_chars);

#endif
