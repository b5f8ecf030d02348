/* test_store.c - the default capture id (docs/jsonl.md "Store keys") and the --capture-id rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "format/format.h"

static void id_of(const char *const *files, size_t n, const char *want)
{
    char out[160];
    sf_store_default_capture_id(files, n, out, sizeof(out));
    assert_string_equal(out, want);
    assert_true(sf_store_capture_id_ok(out));
}

static void test_default(void **state)
{
    const char *one[] = { "/data/sensor1/2026-12-02T10.pcap" };
    const char *gz[] = { "x.pcapng.gz" };
    const char *two[] = { "a.pcap", "dir/b.cap" };
    const char *odd[] = { "caf\xc3\xa9 #1.pcap" };
    const char *in[] = { "-" };
    const char *dot[] = { ".pcap" };
    (void)state;
    id_of(one, 1, "2026-12-02T10");
    id_of(gz, 1, "x");
    id_of(two, 2, "a+b");
    id_of(odd, 1, "caf____1");   /* two UTF-8 bytes, a space and a hash: four */
    id_of(in, 1, "stdin");
    id_of(dot, 1, ".pcap");   /* nothing before the extension: the name is kept whole */
}

static void test_long(void **state)
{
    char name[400], out[160];
    const char *files[] = { name };
    (void)state;
    memset(name, 'a', 300);
    memcpy(name + 300, ".pcap", 6);
    sf_store_default_capture_id(files, 1, out, sizeof(out));
    assert_int_equal(strlen(out), 128);
    assert_true(sf_store_capture_id_ok(out));
}

static void test_ok(void **state)
{
    (void)state;
    assert_true(sf_store_capture_id_ok("sensor1.2026-12-02:eth0+x=y@z_w"));
    assert_false(sf_store_capture_id_ok(""));
    assert_false(sf_store_capture_id_ok("a/b"));   /* '/' separates the uid */
    assert_false(sf_store_capture_id_ok("a b"));
    assert_false(sf_store_capture_id_ok("a\tb"));
    assert_false(sf_store_capture_id_ok("caf\xc3\xa9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
