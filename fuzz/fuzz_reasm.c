/* fuzz_reasm.c - libFuzzer harness: a scripted segment sequence into sf_reasm, checked against a model. */

/*
 * Input layout:
 *   header (2 bytes): dir_bytes cap = (b0 + 1) * 64, dir segments = 1 + b1 % 32.
 *   then records of 6 bytes until the input runs out:
 *     sel  (1): bit 0 direction, bit 1 SYN, bit 2 FIN, bit 3 ACK, bit 4 RST,
 *               bit 5 truncated (caplen = len / 2), bit 6 other bytes (conflict)
 *     off  (2): stream offset of the first byte (big-endian), from the ISN
 *     len  (1): payload length
 *     ack  (2): ACK value as an offset into the peer's stream
 * The ISN is near 2^32 so sequence wraparound is always exercised.  The
 * payload is a pattern of the stream offset, so the harness can check that
 * every delivered byte is at its place (or the "other" pattern), and that
 * delivered + gaps never exceeds what the stream can hold.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reasm/reasm.h"
#include "synfin/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ISN 0xffffff00u

struct model {
    uint64_t pos[2];        /* delivered + gap bytes so far */
    uint32_t base[2];       /* stream offset where the direction started (no SYN: first segment) */
    int eofs[2];
};

static uint8_t pat(uint32_t off, int other)
{
    return (uint8_t)(other ? (off * 7u + 3u) : (off * 131u) ^ (off >> 8));
}

static void m_data(void *ctx, int dir, const uint8_t *p, size_t n, const struct sf_reasm_src *src)
{
    struct model *m = ctx;
    (void)src;
    for (size_t i = 0; i < n; i++) {
        uint32_t off = (uint32_t)(m->base[dir] + m->pos[dir] + i);
        if (p[i] != pat(off, 0) && p[i] != pat(off, 1))
            abort();   /* a byte out of its place */
    }
    m->pos[dir] += n;
}

static void m_gap(void *ctx, int dir, uint64_t n, enum sf_reasm_gap_why why, const struct sf_reasm_src *src)
{
    struct model *m = ctx;
    (void)why;
    (void)src;
    if (n == 0)
        abort();
    m->pos[dir] += n;
}

static void m_eof(void *ctx, int dir, const struct sf_reasm_src *src)
{
    struct model *m = ctx;
    (void)src;
    m->eofs[dir]++;
    if (m->eofs[dir] > 1)
        abort();   /* eof once per direction */
}

static const struct sf_reasm_ops ops = { m_data, m_gap, NULL, m_eof };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_reasm r;
    struct sf_reasm_mem mem = { 0, 0, 4096 };
    struct sf_reasm_limits lim;
    struct model m;
    uint8_t buf[256];
    size_t at = 2;

    if (size < 2)
        return 0;
    lim.dir_bytes = ((size_t)data[0] + 1) * 64;
    lim.dir_segments = 1u + data[1] % 32u;
    memset(&m, 0, sizeof(m));
    sf_reasm_init(&r, &mem, &lim, &ops, &m);
    while (at + 6 <= size) {
        struct sf_reasm_in in;
        uint8_t sel = data[at];
        uint32_t off = ((uint32_t)data[at + 1] << 8) | data[at + 2];
        uint32_t len = data[at + 3];
        uint32_t ackoff = ((uint32_t)data[at + 4] << 8) | data[at + 5];
        at += 6;
        memset(&in, 0, sizeof(in));
        in.dir = sel & 1;
        in.flags = (uint16_t)(((sel & 2) ? SF_TH_SYN : 0) | ((sel & 4) ? SF_TH_FIN : 0) |
                              ((sel & 8) ? SF_TH_ACK : 0) | ((sel & 16) ? SF_TH_RST : 0));
        /* A SYN carries the ISN; data offsets count from ISN + 1. */
        in.seq = (sel & 2) ? ISN : ISN + 1 + off;
        in.ack = ISN + 1 + ackoff;
        for (uint32_t i = 0; i < len; i++)
            buf[i] = pat(((sel & 2) ? 0 : off) + i, (sel & 64) != 0);
        in.payload = buf;
        in.len = len;
        in.caplen = (sel & 32) ? len / 2 : len;
        in.src.frame = at;
        if (!r.half[in.dir].started)
            m.base[in.dir] = (sel & 2) ? 0 : off;
        sf_reasm_segment(&r, &in);
        if (mem.used > mem.limit)
            abort();
        for (int d = 0; d < 2; d++)
            if (r.half[d].held_bytes > lim.dir_bytes || r.half[d].held_count > lim.dir_segments)
                abort();
    }
    sf_reasm_finish(&r, NULL);
    for (int d = 0; d < 2; d++)
        if (r.half[d].held)
            abort();
    sf_reasm_free(&r);
    if (mem.used != 0)
        abort();
    return 0;
}
