/* fuzz_tls.c - libFuzzer harness: the TLS record layer over both directions, and the hello parsers. */

/*
 * Input layout: byte 0 picks the cut size (1 + b0 % 64) and, when odd,
 * injects a gap; bytes 1-2 (big-endian) are the length of the client's
 * bytes, the rest is the server's.  Both are fed in alternating pieces of
 * the cut size, each in its own heap buffer of exactly its size (an
 * over-read is an ASan report).  The hello parsers also run on the whole
 * input.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/layer.h"
#include "app/tls_handshake.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_stack s;
    struct sf_tls_info info;
    struct sf_layer *l;
    const uint8_t *c, *sv;
    size_t cn, sn, cut, ci = 0, si = 0;
    uint64_t frame = 1;

    memset(&info, 0, sizeof(info));
    sf_tls_parse_client_hello(&info, data, size);
    sf_tls_parse_server_hello(&info, data, size);

    if (size < 3)
        return 0;
    cut = 1 + data[0] % 64;
    cn = (size_t)data[1] << 8 | data[2];
    if (cn > size - 3)
        cn = size - 3;
    c = data + 3;
    sv = c + cn;
    sn = size - 3 - cn;

    memset(&s, 0, sizeof(s));
    l = sf_tls_layer_new(&s);
    if (!l)
        return 0;
    s.bottom = l;
    l->slot = &s.bottom;
    while (ci < cn || si < sn) {
        s.cur_frame = frame;
        if (ci < cn) {
            size_t k = cn - ci < cut ? cn - ci : cut;
            feed(l, 0, c + ci, k, frame++);
            ci += k;
        }
        if (si < sn) {
            size_t k = sn - si < cut ? sn - si : cut;
            feed(l, 1, sv + si, k, frame++);
            si += k;
            if ((data[0] & 1) && si == k)
                sf_layer_gap(l, 1, 7);
        }
    }
    if (s.info.tls && s.info.tls->sni[sizeof(s.info.tls->sni) - 1] != '\0')
        abort();   /* the name stays a terminated string */
    sf_layer_finish(l);
    sf_layer_destroy(l);
    return 0;
}
