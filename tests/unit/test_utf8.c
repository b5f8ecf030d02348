/* test_utf8.c - strict UTF-8 decoding and the writers that keep every output valid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"
#include "util/utf8.h"

/* The well-formed sequences of RFC 3629 table 3, at their edges, and the
 * ill-formed ones it names (overlong, surrogate, past U+10FFFF, cut). */
static void test_next(void **state)
{
    static const struct {
        const char *s;
        size_t n, want;
        uint32_t cp;
    } cases[] = {
        { "A", 1, 1, 0x41 },
        { "\xc2\x80", 2, 2, 0x80 },
        { "\xdf\xbf", 2, 2, 0x7ff },
        { "\xe0\xa0\x80", 3, 3, 0x800 },
        { "\xed\x9f\xbf", 3, 3, 0xd7ff },
        { "\xee\x80\x80", 3, 3, 0xe000 },
        { "\xef\xbf\xbd", 3, 3, 0xfffd },
        { "\xf0\x90\x80\x80", 4, 4, 0x10000 },
        { "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
        { "\xc0\x80", 2, 0, 0 },            /* overlong NUL */
        { "\xc1\xbf", 2, 0, 0 },            /* overlong */
        { "\xe0\x9f\xbf", 3, 0, 0 },        /* overlong 3-byte */
        { "\xf0\x8f\xbf\xbf", 4, 0, 0 },    /* overlong 4-byte */
        { "\xed\xa0\x80", 3, 0, 0 },        /* surrogate U+D800 */
        { "\xed\xbf\xbf", 3, 0, 0 },        /* surrogate U+DFFF */
        { "\xf4\x90\x80\x80", 4, 0, 0 },    /* U+110000 */
        { "\xf5\x80\x80\x80", 4, 0, 0 },
        { "\xff", 1, 0, 0 },
        { "\x80", 1, 0, 0 },                /* lone continuation */
        { "\xe2\x82", 2, 0, 0 },            /* cut */
        { "\xe2\x28\xa1", 3, 0, 0 },        /* bad continuation */
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t cp = 0xdeadbeef;
        size_t k = sf_utf8_next((const unsigned char *)cases[i].s, cases[i].n, &cp);
        assert_int_equal(k, cases[i].want);
        if (k)
            assert_int_equal(cp, cases[i].cp);
    }
    assert_true(sf_utf8_valid("/caf\xc3\xa9/\xed\x95\x9c\xea\xb5\xad.txt", 16));
    assert_false(sf_utf8_valid("ex\xff" "ample", 8));
}

static char *json(const char *s, size_t n, size_t *replaced)
{
    struct sf_buf b;
    char *out;
    sf_buf_init(&b, NULL, 0);
    *replaced = sf_buf_json_str(&b, s, n);
    out = strndup(b.data ? b.data : "", b.len);
    sf_buf_free(&b);
    return out;
}

static void test_json(void **state)
{
    size_t bad;
    char *o;
    (void)state;
    o = json("/caf\xc3\xa9/\xed\x95\x9c", 10, &bad);
    assert_string_equal(o, "\"/caf\xc3\xa9/\xed\x95\x9c\"");   /* passes through unescaped */
    assert_int_equal(bad, 0);
    free(o);
    o = json("a\xff\xc0\x80z", 5, &bad);
    assert_string_equal(o, "\"a" SF_UTF8_REPLACEMENT SF_UTF8_REPLACEMENT SF_UTF8_REPLACEMENT "z\"");
    assert_int_equal(bad, 3);
    free(o);
    o = json("q\"b\\\n\r\t\x01\x7f\xc2\x85", 11, &bad);   /* C0, DEL, C1 escaped */
    assert_string_equal(o, "\"q\\\"b\\\\\\n\\r\\t\\u0001\\u007f\\u0085\"");
    assert_int_equal(bad, 0);
    free(o);
    o = json("\xe2\x82", 2, &bad);   /* a sequence cut at the end of the value */
    assert_string_equal(o, "\"" SF_UTF8_REPLACEMENT SF_UTF8_REPLACEMENT "\"");
    assert_int_equal(bad, 2);
    free(o);
}

static char *text(const char *s, size_t n, size_t max, size_t *replaced)
{
    struct sf_buf b;
    char *out;
    sf_buf_init(&b, NULL, 0);
    *replaced = sf_buf_text(&b, s, n, max);
    out = strndup(b.data ? b.data : "", b.len);
    sf_buf_free(&b);
    return out;
}

static void test_text(void **state)
{
    size_t bad;
    char *o;
    (void)state;
    o = text("\x1b[31mred\x1b[0m", 12, 0, &bad);   /* no escape sequence reaches a terminal */
    assert_string_equal(o, ".[31mred.[0m");
    assert_int_equal(bad, 0);
    free(o);
    o = text("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", 9, 2, &bad);   /* capped by characters */
    assert_string_equal(o, "\xed\x95\x9c\xea\xb5\xad...");
    free(o);
    o = text("x\xffy\xc2\x9b", 5, 0, &bad);   /* C1 CSI is a control too */
    assert_string_equal(o, "x" SF_UTF8_REPLACEMENT "y.");
    assert_int_equal(bad, 1);
    free(o);
}

static void test_cut(void **state)
{
    const char *s = "ab\xed\x95\x9c" "c";
    (void)state;
    assert_int_equal(sf_utf8_cut(s, 6, 10), 6);
    assert_int_equal(sf_utf8_cut(s, 6, 5), 5);
    assert_int_equal(sf_utf8_cut(s, 6, 4), 2);   /* never inside the Hangul syllable */
    assert_int_equal(sf_utf8_cut(s, 6, 3), 2);
    assert_int_equal(sf_utf8_cut("\xff\xff\xff", 3, 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
