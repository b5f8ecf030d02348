/* test_http1.c - unit tests for the HTTP/1.x head parser and stream parser: framing, pairing, limits, malformed input (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "app/http1.h"

/* ------------------------------------------------------------ heads */

/* A copy in a buffer of exactly n bytes: reading past the end is an ASan
 * report (picohttpparser's guard-page idea). */
static char *exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

static long req(const char *s, struct sf_http_start *st, struct sf_http_header *h, size_t *nh)
{
    size_t n = strlen(s);
    char *b = exact(s, n);
    long r = sf_http_parse_request(b, n, st, h, nh, 1024);
    free(b);
    return r;
}

static void test_request_head(void **state)
{
    struct sf_http_start s;
    struct sf_http_header h[8];
    size_t nh = 8;
    const char *in = "GET /index.html?a=1 HTTP/1.1\r\nHost: example.com\r\nAccept:  */* \r\n\r\nBODY";
    char *b = exact(in, strlen(in));
    long r = sf_http_parse_request(b, strlen(in), &s, h, &nh, 1024);
    (void)state;
    assert_int_equal(r, strlen(in) - 4);
    assert_int_equal(s.method_len, 3);
    assert_memory_equal(s.method, "GET", 3);
    assert_int_equal(s.uri_len, strlen("/index.html?a=1"));
    assert_int_equal(s.major, 1);
    assert_int_equal(s.minor, 1);
    assert_int_equal(nh, 2);
    assert_int_equal(h[1].value_len, 3);           /* OWS trimmed */
    assert_memory_equal(h[1].value, "*/*", 3);
    free(b);
}

static void test_every_prefix_is_partial(void **state)
{
    const char *in = "POST /x HTTP/1.0\r\nContent-Length: 3\r\nX: y\r\n\r\n";
    size_t n = strlen(in);
    (void)state;
    for (size_t k = 0; k < n; k++) {
        struct sf_http_start s;
        struct sf_http_header h[8];
        size_t nh = 8;
        char *b = exact(in, k);
        long r = sf_http_parse_request(b, k, &s, h, &nh, 1024);
        assert_int_equal(r, SF_HTTP_PARSE_PARTIAL);
        free(b);
    }
    {
        struct sf_http_start s;
        struct sf_http_header h[8];
        size_t nh = 8;
        assert_int_equal(req(in, &s, h, &nh), (long)n);
    }
}

static void test_response_head_and_bare_lf(void **state)
{
    struct sf_http_start s;
    struct sf_http_header h[4];
    size_t nh = 4;
    const char *in = "HTTP/1.0 404 Not Found\nServer: x\n\n";
    char *b = exact(in, strlen(in));
    (void)state;
    assert_int_equal(sf_http_parse_response(b, strlen(in), &s, h, &nh, 1024), strlen(in));
    assert_int_equal(s.status, 404);
    assert_int_equal(s.reason_len, 9);
    free(b);
    b = exact("HTTP/1.1 204\r\n\r\n", 16);
    nh = 4;
    assert_int_equal(sf_http_parse_response(b, 16, &s, h, &nh, 1024), 16);
    assert_int_equal(s.status, 204);
    assert_int_equal(s.reason_len, 0);
    free(b);
}

static void test_obs_fold(void **state)
{
    struct sf_http_start s;
    struct sf_http_header h[4];
    size_t nh = 4;
    (void)state;
    assert_true(req("GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\n\tc\r\n\r\n", &s, h, &nh) > 0);
    assert_int_equal(nh, 3);
    assert_null(h[1].name);
    assert_int_equal(h[1].value_len, 1);
    assert_memory_equal(h[2].value, "c", 1);
    nh = 4;   /* a fold with nothing before it: the line is ignored, noted */
    assert_true(req("GET / HTTP/1.1\r\n b\r\nHost: x\r\n\r\n", &s, h, &nh) > 0);
    assert_int_equal(nh, 1);
    assert_memory_equal(h[0].name, "Host", 4);
    assert_true(s.anomalies & SF_HTTP_ANOM_LEADING_WS);
}

/* Start lines that are not HTTP stay errors: they decide whether a stream
 * is HTTP at all. */
static void test_malformed_start_lines(void **state)
{
    static const char *const bad_req[] = {
        "G(T / HTTP/1.1\r\n\r\n",              /* separator in the method */
        " GET / HTTP/1.1\r\n\r\n",             /* leading space */
        "GET /\001 HTTP/1.1\r\n\r\n",          /* control byte in the target */
        "FOO / HTTP/1\r\n\r\n",                /* bad version, unknown method */
        "FOO /\r\n\r\n",                       /* no version, unknown method */
        "AVERYVERYVERYVERYVERYLONGMETHODNAMEX / HTTP/1.1\r\n\r\n",
    };
    static const char *const bad_resp[] = {
        "HTTP/1.1200 OK\r\n\r\n", "HTTP/1.1 OK\r\n\r\n", "HTTP/ 200 OK\r\n\r\n",
        "HTTP/1.1 000 x\r\n\r\n", "HTTP/1.123456789 200 OK\r\n\r\n",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad_req) / sizeof(bad_req[0]); i++) {
        struct sf_http_start s;
        struct sf_http_header h[4];
        size_t nh = 4;
        assert_int_equal(req(bad_req[i], &s, h, &nh), SF_HTTP_PARSE_ERROR);
    }
    for (size_t i = 0; i < sizeof(bad_resp) / sizeof(bad_resp[0]); i++) {
        struct sf_http_start s;
        struct sf_http_header h[4];
        size_t nh = 4, n = strlen(bad_resp[i]);
        char *b = exact(bad_resp[i], n);
        assert_int_equal(sf_http_parse_response(b, n, &s, h, &nh, 1024), SF_HTTP_PARSE_ERROR);
        free(b);
    }
}

/* Status lines tshark 4.0 still reads (the http-evader and suricata-verify
 * cases): the status is what tshark's http.response.code says. */
static void test_tolerated_status_lines(void **state)
{
    static const struct {
        const char *in;
        int status;
        uint32_t anom;
        const char *version;
    } cases[] = {
        { "HTTP/1.1 2xx ok\r\n\r\n", 2, SF_HTTP_ANOM_START_LINE, "1.1" },
        { "HTTP/1.0 2XX OK\n\n", 2, SF_HTTP_ANOM_START_LINE | SF_HTTP_ANOM_BARE_LF, "1.0" },
        { "HTTP/1.01 200 ok\r\n\r\n", 200, SF_HTTP_ANOM_START_LINE, "1.01" },
        { "HTTP/1.1 20 OK\r\n\r\n", 20, SF_HTTP_ANOM_START_LINE, "1.1" },
        { "HTTP/1.1 200\rTransfer-Encoding:chunked\r\n\r\n", 200, SF_HTTP_ANOM_BARE_CR, "1.1" },
        { "HTTP/1.1 200 O\001K\r\n\r\n", 200, SF_HTTP_ANOM_CTL_IN_VALUE, "1.1" },
        { "HTTP/1.1 200 OK\r\n\r\n", 200, 0, "1.1" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sf_http_start s;
        struct sf_http_header h[4];
        size_t nh = 4, n = strlen(cases[i].in);
        char *b = exact(cases[i].in, n);
        assert_int_equal(sf_http_parse_response(b, n, &s, h, &nh, 1024), (long)n);
        assert_int_equal(s.status, cases[i].status);
        assert_int_equal(s.anomalies, cases[i].anom);
        assert_int_equal(s.version_len, strlen(cases[i].version));
        assert_memory_equal(s.version, cases[i].version, s.version_len);
        free(b);
    }
}

/* A malformed header line is an anomaly on that line, never the loss of
 * the message: the start line and the other headers stay (issue 8). */
static void test_tolerated_header_lines(void **state)
{
    static const struct {
        const char *line;
        uint32_t anom;
        bool kept;            /* the line is one of the headers */
        const char *name;     /* the name it is kept under */
    } cases[] = {
        { "NoColon", SF_HTTP_ANOM_NO_COLON, false, NULL },
        { "Bad Name: x", SF_HTTP_ANOM_BAD_NAME, false, NULL },
        { ": empty", SF_HTTP_ANOM_BAD_NAME, false, NULL },
        { "\001Transfer-Encoding: chunked", SF_HTTP_ANOM_BAD_NAME, false, NULL },
        { "Transfer-Encoding\f:chunked", SF_HTTP_ANOM_BAD_NAME, false, NULL },
        { "L\xc3\xb6" "chriger-H\xc3\xa4" "ddar: foobar", SF_HTTP_ANOM_BAD_NAME, false, NULL },
        { "Content-Encoding : gzip", SF_HTTP_ANOM_WS_BEFORE_COLON, true, "Content-Encoding" },
        { "Transfer-Encoding\t: chunked", SF_HTTP_ANOM_WS_BEFORE_COLON, true, "Transfer-Encoding" },
        { "X: a\001b", SF_HTTP_ANOM_CTL_IN_VALUE, true, "X" },
        { "X: a\rY: b", SF_HTTP_ANOM_BARE_CR, true, "X" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char in[256];
        struct sf_http_start s;
        struct sf_http_header h[4];
        size_t nh = 4;
        snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nHost: a\r\n%s\r\nAccept: b\r\n\r\n", cases[i].line);
        assert_int_equal(req(in, &s, h, &nh), (long)strlen(in));
        assert_int_equal(s.anomalies, cases[i].anom);
        assert_int_equal(nh, cases[i].kept ? 3 : 2);
        assert_memory_equal(h[0].name, "Host", 4);
        assert_memory_equal(h[nh - 1].name, "Accept", 6);
        if (cases[i].kept) {
            assert_int_equal(h[1].name_len, strlen(cases[i].name));
            assert_memory_equal(h[1].name, cases[i].name, h[1].name_len);
        }
    }
}

/* A line of CRs alone ends the head (http-evader-411), as tshark reads it. */
static void test_cr_only_line_ends_head(void **state)
{
    const char *in = "HTTP/1.1 200 ok\r\nA: b\n\r\r\nBODY";
    size_t n = strlen(in);
    (void)state;
    assert_int_equal(sf_http_head_end((const uint8_t *)in, n, 0), n - 4);
}

static void test_lenient_request_lines(void **state)
{
    struct sf_http_start s;
    struct sf_http_header h[4];
    size_t nh = 4;
    (void)state;
    assert_true(req("GET /HTTP/1.1\r\nHost: a\r\n\r\n", &s, h, &nh) > 0);   /* no version */
    assert_int_equal(s.minor, 9);
    assert_int_equal(s.uri_len, 9);
    nh = 4;
    assert_true(req("GET / HTTP/1.\r\n\r\n", &s, h, &nh) > 0);              /* malformed version */
    assert_int_equal(s.version_len, 2);
    nh = 4;
    assert_true(req("OPTIONS\r\n\r\n", &s, h, &nh) > 0);
    assert_int_equal(s.uri_len, 0);
}

static void test_limits(void **state)
{
    struct sf_http_start s;
    struct sf_http_header h[3];
    size_t nh = 3;
    char line[2100];
    char *big;
    (void)state;
    /* More header lines than the array holds. */
    assert_int_equal(req("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", &s, h, &nh), SF_HTTP_PARSE_ERROR);
    /* A line longer than max_line (1024 here), complete or not. */
    memset(line, 'a', sizeof(line));
    big = malloc(4096);
    assert_non_null(big);
    snprintf(big, 4096, "GET / HTTP/1.1\r\nX: %.*s\r\n\r\n", 2000, line);
    nh = 3;
    assert_int_equal(req(big, &s, h, &nh), SF_HTTP_PARSE_ERROR);
    snprintf(big, 4096, "GET / HTTP/1.1\r\nX: %.*s", 2000, line);
    nh = 3;
    assert_int_equal(req(big, &s, h, &nh), SF_HTTP_PARSE_ERROR);
    free(big);
}

static void test_helpers(void **state)
{
    (void)state;
    assert_true(sf_http_eq("Content-Length", 14, "content-length"));
    assert_false(sf_http_eq("Content-Lengt", 13, "content-length"));
    assert_true(sf_http_list_has("keep-alive, Upgrade", 19, "upgrade"));
    assert_true(sf_http_list_has("gzip;q=1, chunked", 17, "chunked"));
    assert_false(sf_http_list_has("chunkedx", 8, "chunked"));
    assert_int_equal(sf_http_plausible(0, (const uint8_t *)"GE", 2), -1);
    assert_int_equal(sf_http_plausible(0, (const uint8_t *)"GET ", 4), 1);
    assert_int_equal(sf_http_plausible(0, (const uint8_t *)"\x16\x03\x01", 3), 0);
    assert_int_equal(sf_http_plausible(1, (const uint8_t *)"HTT", 3), -1);
    assert_int_equal(sf_http_plausible(1, (const uint8_t *)"SSH-2", 5), 0);
    assert_int_equal(sf_http_head_end((const uint8_t *)"a\r\n\r\nb", 6, 0), 5);
    assert_int_equal(sf_http_head_end((const uint8_t *)"a\n\nb", 4, 0), 3);
    assert_int_equal(sf_http_head_end((const uint8_t *)"a\r\n\r", 4, 0), 0);
}

/* ------------------------------------------------------ stream parser */

/* Collects one line per final transaction, and body bytes. */
struct col {
    char log[8192];
    size_t len;
    uint8_t body[65536];
    size_t blen;
    int labels;
};

static void c_done(void *ctx, struct sf_http_txn *t, bool request)
{
    struct col *c = ctx;
    (void)t;
    (void)request;
    c->labels++;
}

static void c_final(void *ctx, struct sf_http_txn *t)
{
    struct col *c = ctx;
    int n = snprintf(c->log + c->len, sizeof(c->log) - c->len,
                     "%u %s %s %s|%u %s c%d/%d body %llu/%llu/%llu dec %s int%u%s%s%s tun %s frames %u/%u;\n", t->n,
                     t->method ? t->method : "-", t->uri ? t->uri : "-", t->req.present ? t->req.version : "-",
                     t->status, t->reason ? t->reason : "-", t->req.complete, t->resp.complete,
                     (unsigned long long)t->req.body_bytes, (unsigned long long)t->resp.body_bytes,
                     (unsigned long long)t->resp.body_decoded_bytes, sf_http_decode_name(t->resp.decode),
                     t->ninterim, t->ninterim ? " " : "", t->ninterim ? "i" : "", t->host ? t->host : "",
                     sf_http_tunnel_name(t->tunnel), t->req.frames, t->resp.frames);
    if (n > 0 && (size_t)n < sizeof(c->log) - c->len)
        c->len += (size_t)n;
    sf_h1_txn_free(t);
}

static void c_body(void *ctx, struct sf_http_txn *t, const uint8_t *p, size_t n)
{
    struct col *c = ctx;
    (void)t;
    if (p && c->blen + n <= sizeof(c->body)) {
        memcpy(c->body + c->blen, p, n);
        c->blen += n;
    }
}

static const struct sf_h1_ops cops = { .done = c_done, .final = c_final, .body = c_body };

/* A scripted conversation: direction, bytes. */
struct step {
    int dir;
    const char *s;
    size_t n;   /* 0 = strlen */
};

/* Runs the steps with each delivery cut into pieces of `chunk` bytes
 * (0 = whole), each piece in its own malloc'd buffer of exactly its size. */
static void run(const struct step *st, size_t nst, size_t chunk, struct col *c)
{
    struct sf_http_config cfg;
    struct sf_h1 *h;
    uint64_t frame = 1;
    sf_http_config_default(&cfg);
    memset(c, 0, sizeof(*c));
    h = sf_h1_new(&cfg, &cops, c, 0, -1);
    assert_non_null(h);
    for (size_t i = 0; i < nst; i++) {
        size_t n = st[i].n ? st[i].n : strlen(st[i].s);
        size_t at = 0;
        if (st[i].dir >= 2) {              /* 2, 3: a gap of n bytes in dir - 2 */
            sf_h1_gap(h, st[i].dir - 2, n, frame);
            continue;
        }
        while (at < n) {
            size_t k = chunk && n - at > chunk ? chunk : n - at;
            uint8_t *b = malloc(k);
            assert_non_null(b);
            memcpy(b, st[i].s + at, k);
            struct sf_span sp = { frame, (int64_t)frame * 1000, frame, (int64_t)frame * 1000, 1 };
            sf_h1_data(h, st[i].dir, b, k, &sp, frame);
            frame++;
            free(b);
            at += k;
        }
    }
    sf_h1_eof(h, 0, frame, 0);
    sf_h1_eof(h, 1, frame, 0);
    sf_h1_finish(h);
    sf_h1_free(h);
}

/* Byte-by-byte feeding gives the same transactions (sizes, pairing) as
 * one-shot feeding, and so do a few other cuts. */
static void check_cuts(const struct step *st, size_t nst, const char *want)
{
    struct col *one = calloc(1, sizeof(*one)), *other = calloc(1, sizeof(*other));
    static const size_t cuts[] = { 1, 2, 3, 7, 13 };
    assert_non_null(one);
    assert_non_null(other);
    run(st, nst, 0, one);
    if (want) {
        one->log[one->len] = '\0';
        if (strcmp(one->log, want) != 0)
            print_error("got:\n%s\nwant:\n%s\n", one->log, want);
        assert_string_equal(one->log, want);
    }
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        char *a, *b;
        run(st, nst, cuts[i], other);
        /* Frame counts differ with the cut; compare everything before them. */
        one->log[one->len] = '\0';
        other->log[other->len] = '\0';
        a = one->log;
        b = other->log;
        while (*a && *b) {
            char *ea = strstr(a, " frames "), *eb = strstr(b, " frames ");
            assert_non_null(ea);
            assert_non_null(eb);
            assert_int_equal(ea - a, eb - b);
            assert_memory_equal(a, b, (size_t)(ea - a));
            a = strchr(ea, '\n') + 1;
            b = strchr(eb, '\n') + 1;
        }
        assert_true(*a == '\0' && *b == '\0');
        assert_int_equal(one->blen, other->blen);
        assert_memory_equal(one->body, other->body, one->blen);
    }
    free(one);
    free(other);
}

static void test_get_content_length(void **state)
{
    const struct step st[] = {
        { 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0 },
    };
    (void)state;
    check_cuts(st, 2, "1 GET /a 1.1|200 OK c1/1 body 0/5/5 dec none int0h tun none frames 1/1;\n");
}

static void test_pipelining_fifo(void **state)
{
    const struct step st[] = {
        { 0, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nHEAD /3 HTTP/1.1\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 404 NF\r\nContent-Length: 2\r\n\r\nBB"
             "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", 0 },
    };
    (void)state;
    check_cuts(st, 2,
               "1 GET /1 1.1|200 OK c1/1 body 0/1/1 dec none int0 tun none frames 1/1;\n"
               "2 GET /2 1.1|404 NF c1/1 body 0/2/2 dec none int0 tun none frames 1/1;\n"
               "3 HEAD /3 1.1|200 OK c1/1 body 0/0/0 dec none int0 tun none frames 1/1;\n");
}

static void test_chunked_with_trailers(void **state)
{
    const struct step st[] = {
        { 0, "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
             "A\r\n0123456789\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n", 0 },
    };
    (void)state;
    check_cuts(st, 2, "1 POST /up 1.1|200 OK c1/1 body 3/36/36 dec none int0 tun none frames 1/1;\n");
}

static void test_no_body_statuses(void **state)
{
    const struct step st[] = {
        { 0, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n", 0 },
        { 1, "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"
             "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"
             "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
    };
    (void)state;
    check_cuts(st, 2,
               "1 GET /a 1.1|204 No Content c1/1 body 0/0/0 dec none int0 tun none frames 1/1;\n"
               "2 GET /b 1.1|304 Not Modified c1/1 body 0/0/0 dec none int0 tun none frames 1/1;\n"
               "3 GET /c 1.1|200 OK c1/1 body 0/0/0 dec none int0 tun none frames 1/1;\n");
}

static void test_expect_100_and_several_1xx(void **state)
{
    const struct step st[] = {
        { 0, "POST /p HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", 0 },
        { 1, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n", 0 },
        { 0, "data", 0 },
        { 1, "HTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 0 },
    };
    (void)state;
    check_cuts(st, 4, "1 POST /p 1.1|201 Created c1/1 body 4/0/0 dec none int3 i tun none frames 2/1;\n");
}

static void test_close_delimited(void **state)
{
    const struct step st[] = {
        { 0, "GET / HTTP/1.0\r\n\r\n", 0 },
        { 1, "HTTP/1.0 200 OK\r\n\r\nuntil the end", 0 },
    };
    (void)state;
    check_cuts(st, 2, "1 GET / 1.0|200 OK c1/1 body 0/13/13 dec none int0 tun none frames 1/1;\n");
}

static void test_websocket_upgrade_stops(void **state)
{
    const struct step st[] = {
        { 0, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 0 },
        { 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello", 0 },
        { 0, "\x81\x85 binary frames GET / HTTP/1.1\r\n\r\n", 0 },
    };
    (void)state;
    check_cuts(st, 3, "1 GET /ws 1.1|101 Switching Protocols c1/1 body 0/0/0 dec none int0 tun websocket frames 1/1;\n");
}

static void test_h2c_and_connect(void **state)
{
    const struct step h2c[] = {
        { 0, "GET / HTTP/1.1\r\nUpgrade: h2c\r\nHTTP2-Settings: x\r\n\r\n", 0 },
        { 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n\0\0\0\4", 52 },
    };
    const struct step conn[] = {
        { 0, "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n\x16\x03\x01", 0 },
        { 1, "HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x03", 0 },
    };
    (void)state;
    check_cuts(h2c, 2, "1 GET / 1.1|101 Switching Protocols c1/1 body 0/0/0 dec none int0 tun h2c frames 1/1;\n");
    check_cuts(conn, 2, "1 CONNECT a:443 1.1|200 Connection Established c1/1 body 0/0/0 dec none int0a:443 tun connect frames 1/1;\n");
}

static void test_non_http_no_records(void **state)
{
    const struct step st[] = {
        { 0, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11 },
        { 1, "SSH-2.0-OpenSSH_9.2\r\n", 0 },
        { 0, "GET / HTTP/1.1\r\n\r\n", 0 },   /* too late: the stream is not HTTP */
    };
    (void)state;
    check_cuts(st, 3, "");
}

static void test_gap_in_body_resumes(void **state)
{
    const struct step st[] = {
        { 0, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0 },
        { 3, "", 4 },                           /* 4 bytes of the body missing */
        { 1, "hijHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 0 },
    };
    (void)state;
    check_cuts(st, 4,
               "1 GET /1 1.1|200 OK c1/1 body 0/10/10 dec none int0 tun none frames 1/2;\n"
               "2 GET /2 1.1|200 OK c1/1 body 0/1/1 dec none int0 tun none frames 1/1;\n");
}

static void test_gap_in_head_resyncs(void **state)
{
    const struct step st[] = {
        { 0, "GET /1 HTTP/1.1\r\nHost: a\r\nX-Cut: aaa", 0 },
        { 2, "", 50 },
        { 0, "rest of the lost head\r\n\r\nGET /2 HTTP/1.1\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0 },
    };
    (void)state;
    /* /1 is reported from its complete lines (incomplete); the skipped
     * bytes are dropped until a message start. */
    check_cuts(st, 4, NULL);
}

static void test_gzip_deflate_br(void **state)
{
    static const uint8_t br[] = { 0x1b, 0x25, 0x00, 0x00, 0x04, 0x1c, 0x87, 0xd7, 0xbb, 0xfb, 0xee, 0x8b,
                                  0x88, 0x54, 0x83, 0xf0, 0x53, 0x8d, 0xe7, 0x74, 0x43, 0xeb, 0x63, 0x00 };
    const char *plain = "hello gzip hello gzip hello gzip hello gzip";
    uint8_t gz[256], df[256], msg[1024];
    z_stream z;
    size_t gzn, dfn, n;
    struct step st[6];
    struct col *c = calloc(1, sizeof(*c));
    (void)state;
    assert_non_null(c);
    memset(&z, 0, sizeof(z));
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)plain;
    z.avail_in = (uInt)strlen(plain);
    z.next_out = gz;
    z.avail_out = sizeof(gz);
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    gzn = sizeof(gz) - z.avail_out;
    deflateEnd(&z);
    dfn = sizeof(df);
    assert_int_equal(compress(df, (uLongf *)&dfn, (const Bytef *)plain, strlen(plain)), Z_OK);

    st[0] = (struct step){ 0, "GET /g HTTP/1.1\r\n\r\nGET /d HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\n", 0 };
    n = (size_t)snprintf((char *)msg, sizeof(msg), "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n", gzn);
    memcpy(msg + n, gz, gzn);
    st[1] = (struct step){ 1, (const char *)msg, n + gzn };
    {
        static uint8_t m2[512], m3[512];
        size_t k = (size_t)snprintf((char *)m2, sizeof(m2), "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %zu\r\n\r\n", dfn);
        memcpy(m2 + k, df, dfn);
        st[2] = (struct step){ 1, (const char *)m2, k + dfn };
        k = (size_t)snprintf((char *)m3, sizeof(m3), "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: %zu\r\n\r\n", sizeof(br));
        memcpy(m3 + k, br, sizeof(br));
        st[3] = (struct step){ 1, (const char *)m3, k + sizeof(br) };
    }
    st[4] = (struct step){ 1, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope", 0 };
    run(st, 5, 0, c);
    c->log[c->len] = '\0';
    assert_non_null(strstr(c->log, "1 GET /g 1.1|200 OK c1/1 body 0/"));
    assert_non_null(strstr(c->log, "/43 dec ok"));
    assert_non_null(strstr(c->log, "2 GET /d"));
    assert_non_null(strstr(c->log, "3 GET /b 1.1|200 OK c1/1 body 0/24/38 dec ok"));
    assert_non_null(strstr(c->log, "4 GET /x 1.1|200 OK c1/1 body 0/4/0 dec error"));  /* failure reported, not fatal */
    assert_int_equal(c->blen, 43 + 43 + 38);
    assert_memory_equal(c->body, plain, 43);
    free(c);
    check_cuts(st, 5, NULL);
}

static void test_response_without_request(void **state)
{
    const struct step st[] = {
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0 },
    };
    (void)state;
    check_cuts(st, 1, "1 - - -|200 OK c0/1 body 0/2/2 dec none int0 tun none frames 0/1;\n");
}

/* Conflicting Content-Lengths (RFC 9112 6.3 item 5): the response is still
 * reported, as an anomaly, and read to the close; a request gets no body. */
static void test_bad_content_length_read_to_close(void **state)
{
    const struct step st[] = {
        { 0, "GET / HTTP/1.1\r\n\r\n", 0 },
        { 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 0 },
    };
    const struct step neg[] = {
        { 0, "POST / HTTP/1.1\r\nContent-Length: -3\r\n\r\n", 0 },
        { 1, "HTTP/1.1 400 Bad\r\nContent-Length: 00000\r\n\r\n", 0 },
    };
    (void)state;
    check_cuts(st, 2, "1 GET / 1.1|200 OK c1/1 body 0/6/6 dec none int0 tun none frames 1/1;\n");
    check_cuts(neg, 2, "1 POST / 1.1|400 Bad c1/1 body 0/0/0 dec none int0 tun none frames 1/1;\n");
}

static void test_request_split_small_and_big_header(void **state)
{
    static char big[8192];
    struct step st[2];
    int n = snprintf(big, sizeof(big), "GET /big HTTP/1.1\r\nCookie: ");
    (void)state;
    memset(big + n, 'c', 6000);
    memcpy(big + n + 6000, "\r\nHost: x\r\n\r\n", 13);
    st[0] = (struct step){ 0, big, (size_t)n + 6013 };
    st[1] = (struct step){ 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0 };
    check_cuts(st, 2, "1 GET /big 1.1|200 OK c1/1 body 0/0/0 dec none int0x tun none frames 1/1;\n");
}

static void test_head_too_large(void **state)
{
    static char big[70000];
    struct step st[1];
    int n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: ");
    (void)state;
    memset(big + n, 'a', sizeof(big) - (size_t)n);
    st[0] = (struct step){ 0, big, sizeof(big) };
    check_cuts(st, 1, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_head),
        cmocka_unit_test(test_every_prefix_is_partial),
        cmocka_unit_test(test_response_head_and_bare_lf),
        cmocka_unit_test(test_obs_fold),
        cmocka_unit_test(test_malformed_start_lines),
        cmocka_unit_test(test_tolerated_status_lines),
        cmocka_unit_test(test_tolerated_header_lines),
        cmocka_unit_test(test_cr_only_line_ends_head),
        cmocka_unit_test(test_lenient_request_lines),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_get_content_length),
        cmocka_unit_test(test_pipelining_fifo),
        cmocka_unit_test(test_chunked_with_trailers),
        cmocka_unit_test(test_no_body_statuses),
        cmocka_unit_test(test_expect_100_and_several_1xx),
        cmocka_unit_test(test_close_delimited),
        cmocka_unit_test(test_websocket_upgrade_stops),
        cmocka_unit_test(test_h2c_and_connect),
        cmocka_unit_test(test_non_http_no_records),
        cmocka_unit_test(test_gap_in_body_resumes),
        cmocka_unit_test(test_gap_in_head_resyncs),
        cmocka_unit_test(test_gzip_deflate_br),
        cmocka_unit_test(test_response_without_request),
        cmocka_unit_test(test_bad_content_length_read_to_close),
        cmocka_unit_test(test_request_split_small_and_big_header),
        cmocka_unit_test(test_head_too_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
