/* fuzz_h2.c - libFuzzer harness: the HTTP/2 layer (frame reassembly, HPACK inflation, streams). */

/*
 * Input layout: byte 0 picks the cut size (1 + b0 % 64) and, when odd,
 * injects a gap in the server direction halfway; the rest is split at the
 * first "\n--\n" into the client's bytes (prefixed with the connection
 * preface here, so the fuzzer spends its time on frames) and the
 * server's.  Pieces are fed alternately, each in its own heap buffer of
 * exactly its size (an over-read is an ASan report).  Byte 1 odd starts
 * the layer as after Upgrade: h2c.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/h2_frame.h"
#include "app/layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(struct sf_layer *l, int dir, const uint8_t *p, size_t n, uint64_t frame)
{
    uint8_t *b = malloc(n ? n : 1);
    if (!b)
        return;
    memcpy(b, p, n);
    struct sf_span sp = { frame, (int64_t)frame, frame, (int64_t)frame, 1 };
    l->stack->cur_frame = frame;
    sf_layer_data(l, dir, b, n, &sp);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_http_config cfg;
    struct sf_http_app *app;
    struct sf_conn conn;
    struct sf_stack st;
    struct sf_layer *l;
    const uint8_t *c, *s = NULL;
    size_t cn, sn = 0, cut, ci = 0, si = 0;
    uint64_t frame = 1;
    bool gap;

    if (size < 2)
        return 0;
    cut = 1 + data[0] % 64;
    gap = data[0] & 1;
    c = data + 2;
    cn = size - 2;
    for (size_t i = 0; i + 4 <= cn; i++) {
        if (memcmp(c + i, "\n--\n", 4) == 0) {
            s = c + i + 4;
            sn = cn - i - 4;
            cn = i;
            break;
        }
    }
    sf_http_config_default(&cfg);
    cfg.keep_headers = true;
    app = sf_http_app_new(&cfg);
    if (!app)
        return 0;
    memset(&conn, 0, sizeof(conn));
    memset(&st, 0, sizeof(st));
    st.app = app;
    st.conn = &conn;
    l = (data[1] & 1) ? sf_http2_upgrade_layer_new(&st) : sf_http2_layer_new(&st);
    if (!l) {
        sf_http_app_free(app);
        return 0;
    }
    l->slot = &st.bottom;
    st.bottom = l;
    feed(l, 0, (const uint8_t *)SF_H2_PREFACE, SF_H2_PREFACE_LEN, frame++);
    while (ci < cn || si < sn) {
        if (ci < cn) {
            size_t k = cn - ci < cut ? cn - ci : cut;
            feed(l, 0, c + ci, k, frame++);
            ci += k;
        }
        if (si < sn) {
            size_t k = sn - si < cut ? sn - si : cut;
            if (gap && si >= sn / 2 && si < sn / 2 + cut)
                sf_layer_gap(l, 1, 7);
            feed(l, 1, s + si, k, frame++);
            si += k;
        }
    }
    sf_layer_eof(l, 0);
    sf_layer_eof(l, 1);
    sf_layer_finish(l);
    sf_layer_destroy(l);
    sf_http_app_drain(app);
    sf_http_app_free(app);
    return 0;
}
