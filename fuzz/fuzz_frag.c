/* fuzz_frag.c - libFuzzer harness: a scripted fragment sequence into sf_frag_add. */

/*
 * Input layout (all big-endian):
 *   header (3 bytes): max_datagrams = 1 + b0 % 16, max_bytes = (b1 + 1) * 512,
 *                     timeout = 1 + b2 % 8 seconds.  Small caps so eviction
 *                     and timeouts happen often.
 *   then records until the input runs out:
 *     sel   (1): bits 0-2 id, bit 3 IPv6, bit 4 protocol, bit 5 offset *= 8
 *     off   (2): fragment offset in bytes (or 8-byte units, see sel)
 *     flags (1): bit 0 MF, bit 1 pattern payload, bits 2-7 time step (0.25 s)
 *     len   (2): payload length; without the pattern bit the bytes follow
 *                (clipped to what is left of the input)
 * A pattern payload has byte value f(absolute offset), so two fragments
 * that overlap carry identical bytes: plain overlaps and conflicting ones
 * are both easy for the fuzzer to reach.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/frag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t pattern_byte(uint32_t pos)
{
    return (uint8_t)((pos * 131u) ^ (pos >> 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *scratch;                    /* pattern payload staging */
    struct sf_frag_config cfg;
    struct sf_frag_table *t;
    const struct sf_frag_stats *st;
    size_t pos = 3;
    int64_t now = 0;
    uint64_t frame = 0;

    if (size < 3)
        return 0;
    cfg.max_datagrams = 1u + data[0] % 16u;
    cfg.max_bytes = ((size_t)data[1] + 1) * 512;
    cfg.timeout_ns = (int64_t)(1 + data[2] % 8) * 1000000000LL;
    t = sf_frag_new(&cfg);
    scratch = malloc(65536);
    if (t == NULL || scratch == NULL) {
        sf_frag_free(t);
        free(scratch);
        return 0;
    }

    while (size - pos >= 6) {
        struct sf_frag_key key;
        struct sf_frag_done done;
        enum sf_frag_result r;
        uint8_t sel = data[pos], flags = data[pos + 3];
        uint32_t off = (uint32_t)data[pos + 1] << 8 | data[pos + 2];
        uint32_t len = (uint32_t)data[pos + 4] << 8 | data[pos + 5];
        const uint8_t *payload;
        uint32_t i;
        volatile uint8_t sink = 0;

        pos += 6;
        memset(&key, 0, sizeof(key));
        key.ip_version = (sel & 0x08) ? 6 : 4;
        key.proto = (sel & 0x10) ? 17 : 6;
        key.src[0] = 192;
        key.dst[0] = 10;
        key.id = sel & 0x07;
        if (sel & 0x20)
            off *= 8;
        if (flags & 0x02) {
            /* A 6-byte record could ask for 64 KiB of pattern: most runs spent
             * their time filling it (~2,000 exec/s).  Large pieces stay
             * reachable with sel bit 0x40; the rest are at most 2 KiB. */
            if (!(sel & 0x40))
                len &= 0x7ff;
            for (i = 0; i < len; i++)
                scratch[i] = pattern_byte(off + i);
            payload = scratch;
        } else {
            if (len > size - pos)
                len = (uint32_t)(size - pos);
            payload = data + pos;
            pos += len;
        }
        now += (int64_t)(flags >> 2) * 250000000LL;

        r = sf_frag_add(t, &key, off, flags & 0x01, payload, len, now, frame++, &done);
        switch (r) {
        case SF_FRAG_DONE:
            if (done.len > 65535 || (done.len > 0 && done.data == NULL))
                abort();
            /* Touch every byte: ASan flags a short or freed buffer. */
            for (i = 0; i < done.len; i++)
                sink ^= done.data[i];
            if (done.fragment_count == 0)
                abort();
            break;
        case SF_FRAG_DROPPED:
            if (done.reason == NULL)
                abort();
            break;
        case SF_FRAG_HELD:
            break;
        default:
            abort();
        }
        if (sf_frag_pending(t) > cfg.max_datagrams)
            abort();
        (void)sink;
    }

    st = sf_frag_stats(t);
    if (st->completed + st->invalid > st->fragments)
        abort();
    sf_frag_free(t);
    free(scratch);
    return 0;
}
