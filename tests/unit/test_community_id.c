/* test_community_id.c - the Community ID against the published baseline of the spec
 * (corelight/community-id-spec c4ec2bc, baseline/baseline_deflt.json and baseline_seed1.json: the
 * rows of the port-based protocols, TCP, UDP and SCTP; synfin hashes TCP only, the others
 * check that the protocol byte and the endpoint order are the spec's). */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "flow/community_id.h"

static struct sf_addr addr(const char *s)
{
    struct sf_addr a;
    memset(&a, 0, sizeof(a));
    if (inet_pton(AF_INET, s, a.a) == 1) {
        a.family = 4;
    } else {
        assert_int_equal(inet_pton(AF_INET6, s, a.a), 1);
        a.family = 6;
    }
    return a;
}

static void check_proto(const char *sa, uint16_t sp, const char *da, uint16_t dp, uint8_t proto, uint16_t seed,
                        const char *want)
{
    struct sf_addr s = addr(sa), d = addr(da);
    char out[SF_COMMUNITY_ID_LEN];
    assert_int_equal(sf_community_id(&s, sp, &d, dp, proto, seed, out), 0);
    assert_string_equal(out, want);
    /* Either direction gives the same ID. */
    assert_int_equal(sf_community_id(&d, dp, &s, sp, proto, seed, out), 0);
    assert_string_equal(out, want);
}

static void check(const char *sa, uint16_t sp, const char *da, uint16_t dp, uint16_t seed, const char *want)
{
    check_proto(sa, sp, da, dp, 6, seed, want);
}

static void test_baseline(void **state)
{
    (void)state;
    check("128.232.110.120", 34855, "66.35.250.204", 80, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    check("2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25, 0,
          "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    check("128.232.110.120", 34855, "66.35.250.204", 80, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
    check("2001:470:e5bf:dead:4957:2174:e82c:4887", 63943, "2607:f8b0:400c:c03::1a", 25, 1,
          "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
    /* UDP, and SCTP with equal ports: the addresses alone order the endpoints. */
    check_proto("192.168.1.52", 54585, "8.8.8.8", 53, 17, 0, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
    check_proto("192.168.1.52", 54585, "8.8.8.8", 53, 17, 1, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=");
    check_proto("192.168.170.8", 7, "192.168.170.56", 7, 132, 0, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
    check_proto("192.168.170.8", 7, "192.168.170.56", 7, 132, 1, "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=");
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_baseline) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
