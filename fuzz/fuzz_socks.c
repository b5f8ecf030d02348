/* fuzz_socks.c - libFuzzer harness: the SOCKS4/4a/5 layer over both directions, with the
 * detection and HTTP/1.x layers its tunnel opens above it. */

/*
 * Input layout (as fuzz_tls.c): byte 0 picks the cut size (1 + b0 % 64)
 * and, when odd, injects a gap; bytes 1-2 (big-endian) are the length of
 * the client's bytes, the rest is the server's.  Both are fed in
 * alternating pieces of the cut size, each in its own heap buffer of
 * exactly its size (an over-read is an ASan report).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/socks.h"
#include "app/layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(struct sf_layer *l, int dir, const uint8_t *p, size_t n, uint64_t frame)
{
    uint8_t *b = malloc(n ? n : 1);
    struct sf_span sp = { frame, (int64_t)frame, frame, (int64_t)frame, 1 };
    if (!b)
        return;
    memcpy(b, p, n);
    sf_layer_data(l, dir, b, n, &sp);
    free(b);
}

static void terminated(const char *s, size_t cap)
{
    if (memchr(s, '\0', cap) == NULL)
        abort();   /* every text field stays a terminated string */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_stack s;
    struct sf_conn conn;
    struct sf_http_app *app;
    struct sf_layer *l;
    const uint8_t *c, *sv;
    size_t cn, sn, cut, ci = 0, si = 0;
    uint64_t frame = 1;

    if (size < 3)
        return 0;
    cut = 1 + data[0] % 64;
    cn = (size_t)data[1] << 8 | data[2];
    if (cn > size - 3)
        cn = size - 3;
    c = data + 3;
    sv = c + cn;
    sn = size - 3 - cn;
    (void)sf_socks_probe(0, c, cn);

    app = sf_http_app_new(NULL);
    if (!app)
        return 0;
    memset(&conn, 0, sizeof(conn));
    memset(&s, 0, sizeof(s));
    s.app = app;
    s.conn = &conn;
    l = sf_socks_layer_new(&s);
    if (!l) {
        sf_http_app_free(app);
        return 0;
    }
    s.bottom = l;
    l->slot = &s.bottom;
    while (ci < cn || si < sn) {
        s.cur_frame = frame;
        if (ci < cn) {
            size_t k = cn - ci < cut ? cn - ci : cut;
            feed(s.bottom, 0, c + ci, k, frame++);
            ci += k;
        }
        if (si < sn) {
            size_t k = sn - si < cut ? sn - si : cut;
            feed(s.bottom, 1, sv + si, k, frame++);
            si += k;
            if ((data[0] & 1) && si == k)
                sf_layer_gap(s.bottom, 1, 7);
        }
        sf_layer_acked(s.bottom, 1, si);
    }
    if (s.info.socks) {
        terminated(s.info.socks->host, sizeof(s.info.socks->host));
        terminated(s.info.socks->addr, sizeof(s.info.socks->addr));
        terminated(s.info.socks->user, sizeof(s.info.socks->user));
    }
    sf_layer_eof(s.bottom, 0);
    sf_layer_eof(s.bottom, 1);
    sf_layer_finish(s.bottom);
    sf_layer_destroy(s.bottom);
    sf_http_app_drain(app);
    sf_http_app_free(app);
    return 0;
}
