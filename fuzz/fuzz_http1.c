/* fuzz_http1.c - libFuzzer harness: the HTTP/1.x head parser and the stream parser over both directions. */

/*
 * Input layout: byte 0 picks the cut size (1 + b0 % 64); then the rest is
 * split at the first "\n--\n" into the client's and the server's bytes
 * (without the marker everything is the client's).  Both are fed in
 * alternating pieces of the cut size, each piece in its own heap buffer of
 * exactly its size (an over-read is an ASan report).  The head parser also
 * runs on the whole input.  Gaps are injected when byte 0 is odd.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void f_final(void *ctx, struct sf_http_txn *t)
{
    (void)ctx;
    if (t->resp.present && t->resp.body_decoded_bytes > (64ull << 20))
        abort();   /* the decoded-size cap holds */
    sf_h1_txn_free(t);
}

static void f_body(void *ctx, struct sf_http_txn *t, const uint8_t *p, size_t n)
{
    (void)ctx;
    (void)t;
    if (p && n == 0)
        abort();
}

static const struct sf_h1_ops ops = { .final = f_final, .body = f_body };

static void feed(struct sf_h1 *h, int dir, const uint8_t *p, size_t n, uint64_t frame)
{
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return;
    memcpy(b, p, n);
    struct sf_span sp = { frame, (int64_t)frame, frame, (int64_t)frame, 1 };
    sf_h1_data(h, dir, b, n, &sp, frame);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_http_config cfg;
    struct sf_http_header hdr[32];
    struct sf_http_start st;
    struct sf_h1 *h;
    const uint8_t *c, *s = NULL;
    size_t cn, sn = 0, cut, ci = 0, si = 0;
    uint64_t frame = 1;
    bool gaps;

    if (size < 1)
        return 0;
    cut = 1 + data[0] % 64;
    gaps = data[0] & 1;
    c = data + 1;
    cn = size - 1;
    for (size_t i = 0; i + 4 <= cn; i++) {
        if (memcmp(c + i, "\n--\n", 4) == 0) {
            s = c + i + 4;
            sn = cn - i - 4;
            cn = i;
            break;
        }
    }
    {
        char *whole = malloc(cn ? cn : 1);
        size_t nh = 32;
        if (whole) {
            memcpy(whole, c, cn);
            (void)sf_http_parse_request(whole, cn, &st, hdr, &nh, 4096);
            nh = 32;
            (void)sf_http_parse_response(whole, cn, &st, hdr, &nh, 4096);
            free(whole);
        }
    }
    sf_http_config_default(&cfg);
    cfg.max_head = 4096;
    cfg.max_headers = 16;
    cfg.max_pending = 8;
    cfg.keep_headers = true;
    cfg.keep_body_max = 1024;
    h = sf_h1_new(&cfg, &ops, NULL, 0, -1);
    if (!h)
        return 0;
    while (ci < cn || si < sn) {
        if (ci < cn) {
            size_t k = cn - ci < cut ? cn - ci : cut;
            feed(h, 0, c + ci, k, frame++);
            ci += k;
        }
        if (si < sn) {
            size_t k = sn - si < cut ? sn - si : cut;
            if (gaps && (frame % 7) == 0)
                sf_h1_gap(h, 1, k, frame++);
            else
                feed(h, 1, s + si, k, frame++);
            si += k;
            sf_h1_client_ack(h, sf_h1_offset(h, 1), frame, (int64_t)frame);
        }
    }
    sf_h1_eof(h, 0, frame, 0);
    sf_h1_eof(h, 1, frame, 0);
    sf_h1_finish(h);
    sf_h1_free(h);
    return 0;
}
