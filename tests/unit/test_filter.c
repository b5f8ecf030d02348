/* test_filter.c - the display filter: grammar, errors with their column, and values on built records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter/filter.h"

struct fixture {
    struct sf_packet p;
    struct sf_pkt_view v;
    struct sf_conn c;
    struct sf_http_txn t;
};

static void build(struct fixture *x)
{
    memset(x, 0, sizeof(*x));
    x->c.id = 7;
    x->c.addr[0].family = x->c.addr[1].family = 4;
    memcpy(x->c.addr[0].a, "\xc0\x00\x02\x01", 4);
    memcpy(x->c.addr[1].a, "\xc0\x00\x02\x02", 4);
    x->c.port[0] = 40000;
    x->c.port[1] = 80;
    x->c.first_ts = 1000000000;
    x->c.last_ts = 3500000000;
    x->c.close_kind = SF_CLOSE_RST_ABORT;
    x->c.first_closer = SF_S2C;
    x->c.rst_by = SF_S2C;
    x->c.irtt_ns = -1;
    x->c.half[1].cnt.retrans_segs = 2;
    x->c.packets = 12;
    x->p.frame = 5;
    x->p.ts_ns = 2000000000;
    x->p.ip_version = 4;
    x->p.src = x->c.addr[0];
    x->p.dst = x->c.addr[1];
    x->p.sport = 40000;
    x->p.dport = 80;
    x->p.flags = SF_TH_SYN | SF_TH_ACK;
    x->p.payload_len = 0;
    x->v.conn = &x->c;
    x->v.dir = SF_C2S;
    x->v.analysis = SF_AN_RETRANSMISSION;
    x->v.role = SF_ROLE_SYN_ACK;
    x->v.ack_rtt_ns = -1;
    x->v.bytes_in_flight = -1;
    x->v.win_scaled = -1;
    x->t.req.present = true;
    x->t.method = "GET";
    x->t.uri = "/caf\xc3\xa9/index.html?q=1";
    x->t.resp.present = true;
    x->t.status = 404;
}

/* Compiles expr and evaluates it on the fixture as a record of `scope`,
 * the other scopes' atoms taken from the same fixture (what the CLI does
 * with a connection's facts). */
static int run(const char *expr, enum sf_fscope scope)
{
    struct fixture x;
    char err[200];
    size_t col;
    struct sf_filter *f = sf_filter_compile(expr, err, sizeof(err), &col);
    struct sf_frec r = { 0 };
    uint64_t truth = 0;
    bool v;
    if (!f) {
        print_message("compile error at %zu: %s\n", col, err);
        return -1;
    }
    build(&x);
    r.p = &x.p;
    r.v = &x.v;
    r.c = &x.c;
    r.t = &x.t;
    r.first_ts = 1000000000;
    for (int s = 0; s < SF_FSCOPE_COUNT; s++)
        truth |= sf_filter_atoms(f, (enum sf_fscope)s, &r);
    (void)scope;
    v = sf_filter_eval(f, truth);
    sf_filter_free(f);
    return v;
}

static void test_values(void **state)
{
    (void)state;
    assert_int_equal(run("packet.flags contains SYN", 0), 1);
    assert_int_equal(run("packet.flags contains FIN", 0), 0);
    assert_int_equal(run("packet.flags == ACK && packet.flags != RST", 0), 1);
    assert_int_equal(run("packet.analysis contains retransmission", 0), 1);
    assert_int_equal(run("packet.analysis", 0), 1);
    assert_int_equal(run("packet.frame >= 5 and packet.frame < 6", 0), 1);
    assert_int_equal(run("packet.time == 1", 0), 1);
    assert_int_equal(run("packet.src == 192.0.2.1", 0), 1);
    assert_int_equal(run("packet.dport in {443 8443}", 0), 0);
    assert_int_equal(run("packet.dport in {80, 443}", 0), 1);
    assert_int_equal(run("packet.role == syn_ack", 0), 1);
    assert_int_equal(run("packet.ack_rtt > 0", 0), 0);      /* absent: false */
    assert_int_equal(run("not packet.ack_rtt > 0", 0), 1);
    assert_int_equal(run("packet.ack_rtt != 0", 0), 0);     /* absent: != is false too */
    assert_int_equal(run("conn.close == \"rst_abort\"", 1), 1);
    assert_int_equal(run("conn.close == rst_abort and conn.close.by == server", 1), 1);
    assert_int_equal(run("conn.close in {four_way three_way}", 1), 0);
    assert_int_equal(run("conn.duration > 2.4 && conn.duration < 2.6", 1), 1);
    assert_int_equal(run("conn.analysis contains retransmission", 1), 1);
    assert_int_equal(run("conn.retransmissions == 2", 1), 1);
    assert_int_equal(run("conn.irtt", 1), 0);
    assert_int_equal(run("conn.server_port == 80 || conn.server_port == 443", 1), 1);
    assert_int_equal(run("http.status == 404 and http.method == GET", 2), 1);
    assert_int_equal(run("http.uri contains \"caf\xc3\xa9\"", 2), 1);
    assert_int_equal(run("http.uri matches \"^/caf.+\\\\.html\"", 2), 1);
    assert_int_equal(run("http.uri matches \"\\\\.php$\"", 2), 0);
    assert_int_equal(run("http.uri matches \"^/(caf\xc3\xa9|x)/[a-z]+\"", 2), 1);
    assert_int_equal(run("!(http.status >= 200 && http.status < 400)", 2), 1);
    assert_int_equal(run("http.host", 2), 0);
    assert_int_equal(run("((((packet.len == 0))))", 0), 1);
}

static void expect_error(const char *expr, size_t want_col, const char *want_text)
{
    char err[200];
    size_t col = 0;
    struct sf_filter *f = sf_filter_compile(expr, err, sizeof(err), &col);
    if (f)
        fail_msg("'%s' compiled", expr);
    if (col != want_col || !strstr(err, want_text))
        fail_msg("'%s': column %zu '%s', want %zu '%s'", expr, col, err, want_col, want_text);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("", 1, "empty");
    expect_error("packet.lenn > 3", 1, "unknown field 'packet.lenn'");
    expect_error("packet.len = 3", 12, "'=='");
    expect_error("packet.len > ", 14, "value is expected");
    expect_error("packet.len > big", 14, "is a number");
    expect_error("(packet.len > 1", 1, "')' expected");
    expect_error("packet.len > 1 packet.len", 16, "unexpected text");
    expect_error("packet.len contains 1", 12, "text field");
    expect_error("http.uri == \"abc", 13, "unterminated");
    expect_error("packet.dport in 80", 17, "set");
    expect_error("packet.dport in {80", 20, "'}'");
    expect_error("http.uri matches \"(\"", 18, "regular expression");
    expect_error("packet.len > 1 & 2", 16, "'&&'");
    expect_error("packet.len # 1", 12, "unexpected character '#'");
    expect_error("http.uri matches \"(a*)*\"", 18, "stacked");   /* regcomp would explode */
    expect_error("http.uri matches \"x+++++++++++++\"", 18, "stacked");
}

static void test_limits(void **state)
{
    char expr[4096];
    char err[200];
    size_t col, n = 0;
    struct sf_filter *f;
    (void)state;
    /* 65 comparisons: one too many. */
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(expr + n, sizeof(expr) - n, "%spacket.len == %d", i ? " or " : "", i);
    f = sf_filter_compile(expr, err, sizeof(err), &col);
    assert_null(f);
    assert_non_null(strstr(err, "64"));
    /* Deep nesting is refused, not a stack overflow. */
    n = 0;
    for (int i = 0; i < 200; i++)
        expr[n++] = '(';
    expr[n] = '\0';
    f = sf_filter_compile(expr, err, sizeof(err), &col);
    assert_null(f);
    assert_non_null(strstr(err, "deep"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
