/* fuzz_decode.c - libFuzzer harness: one frame through the link/IP/TCP decoders.
 * The first input byte picks the link type; fragments accumulate across the
 * frames of one input (the rest is split at every 0xFE 0xED pair). */
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The new link types (9, 10, 50, 104, 105, 127, 239) reach the tunnel
 * decoders too (GRE, VXLAN, GTP-U... through IP and UDP). */
static const uint32_t linktypes[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276,
                                      9, 10, 50, 104, 105, 127, 239, 129, 242 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_decoder *d;
    struct sf_packet p;
    uint32_t lt;
    size_t at = 1;
    uint64_t frame = 0;
    volatile uint8_t sink = 0;

    if (size < 1)
        return 0;
    lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
    /* A fuzz-sized fragment table: the default one (4,096 datagrams, 8,192
     * slots) costs more to set up under ASan than decoding a frame, which held
     * this harness near 1,100 exec/s.  16 datagrams still reach eviction. */
    {
        struct sf_frag_config fc;
        memset(&fc, 0, sizeof(fc));
        fc.max_datagrams = 16;
        d = sf_decoder_new(&fc);
    }
    if (!d)
        return 0;
    while (at <= size) {
        size_t end = at;
        struct sf_frame f;
        uint8_t *copy;
        while (end + 1 < size && !(data[end] == 0xFE && data[end + 1] == 0xED))
            end++;
        if (end + 1 >= size)
            end = size;
        /* An exact-size copy: ASan flags any read past the frame. */
        copy = malloc(end - at + 1);
        if (!copy)
            break;
        memcpy(copy, data + at, end - at);
        memset(&f, 0, sizeof(f));
        f.data = copy;
        f.caplen = f.wirelen = (uint32_t)(end - at);
        f.linktype = lt;
        f.ts_ns = (int64_t)frame * 1000;
        sf_decode(d, &f, ++frame, &p);
        if (p.skip == SF_SKIP_NONE) {
            if (p.payload_caplen > p.payload_len)
                __builtin_trap();
            for (uint32_t i = 0; i < p.payload_caplen; i++)
                sink ^= p.payload[i];
        }
        free(copy);
        at = end + 2;
    }
    (void)sink;
    sf_decoder_free(d);
    return 0;
}
