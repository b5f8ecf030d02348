/* decode.c - Content-Encoding decoding (gzip, deflate with zlib; br with libbrotli; zstd with libzstd), streaming and capped. */
#include <brotli/decode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "app/http1.h"

enum coding { COD_GZIP, COD_DEFLATE, COD_BR, COD_ZSTD };

struct sf_http_decoder {
    enum coding kind;
    enum sf_http_decode status;
    bool started;             /* deflate: first bytes seen (zlib or raw chosen) */
    bool ended;               /* the compressed stream reached its end */
    bool frame_done;          /* zstd: the last frame fed is complete */
    uint64_t total;           /* decoded bytes */
    uint64_t fed;             /* encoded bytes given */
    uint64_t cap;
    z_stream z;
    bool z_init;
    bool have_first;          /* deflate: first byte kept until the second tells zlib from raw */
    uint8_t first;
    BrotliDecoderState *br;
    ZSTD_DStream *zs;
};

/* RFC 9659: a zstd content coding uses a window of at most 8 MiB, and a
 * decoder may refuse larger ones; so memory per body stays bounded. */
#define ZSTD_WINDOW_LOG_MAX 23

#define DEFAULT_CAP (64ull << 20)

struct sf_http_decoder *sf_http_decoder_new(const char *coding, size_t len, enum sf_http_decode *status)
{
    struct sf_http_decoder *d;
    enum coding kind;

    while (len && (coding[len - 1] == ' ' || coding[len - 1] == '\t'))
        len--;
    while (len && (coding[0] == ' ' || coding[0] == '\t')) {
        coding++;
        len--;
    }
    if (len == 0 || sf_http_eq(coding, len, "identity")) {
        *status = SF_HTTP_DECODE_NONE;
        return NULL;
    }
    if (sf_http_eq(coding, len, "gzip") || sf_http_eq(coding, len, "x-gzip"))
        kind = COD_GZIP;
    else if (sf_http_eq(coding, len, "deflate"))
        kind = COD_DEFLATE;
    else if (sf_http_eq(coding, len, "br"))
        kind = COD_BR;
    else if (sf_http_eq(coding, len, "zstd"))
        kind = COD_ZSTD;
    else {
        *status = SF_HTTP_DECODE_UNSUPPORTED;
        return NULL;
    }
    d = calloc(1, sizeof(*d));
    if (!d) {
        *status = SF_HTTP_DECODE_ERROR;
        return NULL;
    }
    d->kind = kind;
    d->cap = DEFAULT_CAP;
    d->status = SF_HTTP_DECODE_OK;
    if (kind == COD_BR) {
        d->br = BrotliDecoderCreateInstance(NULL, NULL, NULL);
        if (!d->br) {
            free(d);
            *status = SF_HTTP_DECODE_ERROR;
            return NULL;
        }
    } else if (kind == COD_ZSTD) {
        d->zs = ZSTD_createDStream();
        if (!d->zs || ZSTD_isError(ZSTD_DCtx_setParameter(d->zs, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX))) {
            ZSTD_freeDStream(d->zs);
            free(d);
            *status = SF_HTTP_DECODE_ERROR;
            return NULL;
        }
    } else if (kind == COD_GZIP) {
        if (inflateInit2(&d->z, 15 + 16) != Z_OK) {
            free(d);
            *status = SF_HTTP_DECODE_ERROR;
            return NULL;
        }
        d->z_init = true;
    }
    *status = SF_HTTP_DECODE_OK;
    return d;
}

void sf_http_decoder_set_cap(struct sf_http_decoder *d, uint64_t cap)
{
    if (d && cap)
        d->cap = cap;
}

uint64_t sf_http_decoder_total(const struct sf_http_decoder *d)
{
    return d ? d->total : 0;
}

/* Hands out decoded bytes, stopping at the cap. */
static bool put(struct sf_http_decoder *d, const uint8_t *p, size_t n,
                void (*out)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
    if (d->total + n > d->cap) {
        n = (size_t)(d->cap - d->total);
        d->status = SF_HTTP_DECODE_CAPPED;
    }
    d->total += n;
    if (n && out)
        out(ctx, p, n);
    return d->status == SF_HTTP_DECODE_OK;
}

static void feed_zlib(struct sf_http_decoder *d, const uint8_t *in, size_t n,
                      void (*out)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
    uint8_t buf[16384];

    if (!d->z_init) {
        /* "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2), yet
         * some servers send raw deflate: the first two bytes tell (a zlib
         * header is CM=8 and a multiple of 31). */
        uint8_t b0, b1;
        int wbits;
        if (!d->have_first && n == 1) {
            d->first = in[0];
            d->have_first = true;
            return;
        }
        b0 = d->have_first ? d->first : in[0];
        b1 = d->have_first ? in[0] : in[1];
        wbits = (b0 & 0x0f) == 8 && ((b0 << 8) | b1) % 31 == 0 ? 15 : -15;
        if (inflateInit2(&d->z, wbits) != Z_OK) {
            d->status = SF_HTTP_DECODE_ERROR;
            return;
        }
        d->z_init = true;
        if (d->have_first) {
            d->have_first = false;
            feed_zlib(d, &d->first, 1, out, ctx);
        }
    }
    d->z.next_in = (Bytef *)(uintptr_t)in;
    d->z.avail_in = (uInt)n;
    while (d->status == SF_HTTP_DECODE_OK && (d->z.avail_in > 0 || d->z.avail_out == 0)) {
        int zr;
        if (d->ended) {
            /* Bytes after the end of the compressed stream are ignored. */
            break;
        }
        d->z.next_out = buf;
        d->z.avail_out = sizeof(buf);
        zr = inflate(&d->z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
            d->status = SF_HTTP_DECODE_ERROR;
            break;
        }
        if (!put(d, buf, sizeof(buf) - d->z.avail_out, out, ctx))
            break;
        if (zr == Z_STREAM_END) {
            d->ended = true;
            break;
        }
        if (zr == Z_BUF_ERROR)
            break;
    }
}

static void feed_br(struct sf_http_decoder *d, const uint8_t *in, size_t n,
                    void (*out)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
    uint8_t buf[16384];
    size_t avail_in = n;
    const uint8_t *next_in = in;

    while (d->status == SF_HTTP_DECODE_OK && !d->ended) {
        size_t avail_out = sizeof(buf);
        uint8_t *next_out = buf;
        BrotliDecoderResult r = BrotliDecoderDecompressStream(d->br, &avail_in, &next_in, &avail_out,
                                                              &next_out, NULL);
        if (r == BROTLI_DECODER_RESULT_ERROR) {
            d->status = SF_HTTP_DECODE_ERROR;
            break;
        }
        if (!put(d, buf, sizeof(buf) - avail_out, out, ctx))
            break;
        if (r == BROTLI_DECODER_RESULT_SUCCESS) {
            d->ended = true;
            break;
        }
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT)
            break;
    }
}

/* A zstd body may hold several frames one after the other: it has ended
 * well when the last frame is complete (ZSTD_decompressStream said 0). */
static void feed_zstd(struct sf_http_decoder *d, const uint8_t *in, size_t n,
                      void (*out)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
    uint8_t buf[16384];
    ZSTD_inBuffer ib = { in, n, 0 };
    while (d->status == SF_HTTP_DECODE_OK) {
        ZSTD_outBuffer ob = { buf, sizeof(buf), 0 };
        size_t r = ZSTD_decompressStream(d->zs, &ob, &ib);
        if (ZSTD_isError(r)) {
            d->status = SF_HTTP_DECODE_ERROR;
            break;
        }
        if (!put(d, buf, ob.pos, out, ctx))
            break;
        d->frame_done = r == 0;
        if (ib.pos == ib.size && ob.pos < ob.size)
            break;
    }
}

enum sf_http_decode sf_http_decoder_feed(struct sf_http_decoder *d, const uint8_t *in, size_t n,
                                         void (*out)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
    if (!d)
        return SF_HTTP_DECODE_NONE;
    if (d->status != SF_HTTP_DECODE_OK || n == 0 || d->ended)
        return d->status;
    d->fed += n;
    if (d->kind == COD_ZSTD)
        feed_zstd(d, in, n, out, ctx);
    else if (d->kind == COD_BR)
        feed_br(d, in, n, out, ctx);
    else
        feed_zlib(d, in, n, out, ctx);
    return d->status;
}

enum sf_http_decode sf_http_decoder_end(struct sf_http_decoder *d)
{
    if (!d)
        return SF_HTTP_DECODE_NONE;
    if (d->status == SF_HTTP_DECODE_OK && d->fed == 0)
        return d->status;   /* empty body: nothing to decode */
    if (d->status == SF_HTTP_DECODE_OK && !(d->kind == COD_ZSTD ? d->frame_done : d->ended))
        d->status = SF_HTTP_DECODE_ERROR;
    return d->status;
}

void sf_http_decoder_free(struct sf_http_decoder *d)
{
    if (!d)
        return;
    if (d->z_init)
        inflateEnd(&d->z);
    if (d->br)
        BrotliDecoderDestroyInstance(d->br);
    ZSTD_freeDStream(d->zs);
    free(d);
}
