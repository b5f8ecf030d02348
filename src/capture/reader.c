/* reader.c - streaming, zero-copy reader for pcap and pcapng capture files. */
#include "synfin/capture.h"
#include "synfin/packet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

/*
 * How it works.  Every byte the parser looks at lies in the window
 * base[pos, len).  For a caller buffer (sf_reader_open_mem) the window is the
 * whole buffer.  For a file or a pipe it is our own buffer, refilled with
 * read(2): when the next record does not fit in what is left, the leftover
 * (less than one record) moves to the front and read(2) tops the buffer up.
 * Frames point into the window, which is why they only live until the next
 * call (as libpcap's pcap_next_ex()).  The buffer starts at 1 MiB, which holds
 * any pcap record, and grows only when a pcapng block we must parse whole is
 * bigger; unknown blocks are streamed past without being held.  Memory is thus
 * bounded by SF_READER_MAX_BLOCK whatever the size of the input.
 */

#define SF_READER_BUF_INIT   (1u << 20)
/* libpcap's INITIAL_MAX_BLOCKSIZE: a larger pcapng block is a corrupt file. */
#define SF_READER_MAX_BLOCK  (16u << 20)
/* Interfaces per pcapng section; each costs a few bytes, but the ids come
 * from the file, so a hostile file must not make us allocate without end. */
#define SF_READER_MAX_IFACES 65536u

/* Decryption secrets held until the consumer takes them: a hostile file
 * must not make us hold more. */
#define SF_READER_MAX_SECRETS (16u << 20)
#define SF_DSB_TLSK          0x544c534bu   /* "TLSK": an NSS key log */

/* Sticky state after a clean end of input (next() then keeps returning 0). */
#define SF_READER_ENDED      1

#define SF_PCAP_HDR_LEN      24u
#define SF_PCAP_REC_LEN      16u

/* pcap magic numbers as read in little-endian order. */
#define SF_PCAP_MAGIC_US     0xa1b2c3d4u
#define SF_PCAP_MAGIC_NS     0xa1b23c4du
#define SF_PCAP_MAGIC_US_SW  0xd4c3b2a1u
#define SF_PCAP_MAGIC_NS_SW  0x4d3cb2a1u

/* pcapng block types (pcapng draft, section 11.1). */
#define SF_NG_SHB            0x0A0D0D0Au
#define SF_NG_IDB            0x00000001u
#define SF_NG_OPB            0x00000002u
#define SF_NG_SPB            0x00000003u
#define SF_NG_EPB            0x00000006u
#define SF_NG_DSB            0x0000000Au   /* Decryption Secrets Block */
#define SF_NG_BOM            0x1A2B3C4Du

#define SF_NG_OPT_END        0
#define SF_NG_OPT_TSRESOL    9
#define SF_NG_OPT_TSOFFSET   14

/* How an interface's raw 64-bit timestamp becomes nanoseconds. */
enum sf_ts_kind {
    SF_TS_MUL,      /* decimal resolution 10^-k, k <= 9: ts * 10^(9-k) */
    SF_TS_DIV,      /* decimal resolution 10^-k, 9 < k <= 28: ts / 10^(k-9) */
    SF_TS_ZERO,     /* decimal resolution finer than 10^-28: always 0 ns */
    SF_TS_BIN       /* binary resolution 2^-k */
};

struct sf_ng_iface {
    uint32_t linktype;
    uint32_t snaplen;      /* 0 = no limit */
    enum sf_ts_kind ts_kind;
    uint32_t ts_shift;     /* SF_TS_BIN: k */
    uint64_t ts_factor;    /* SF_TS_MUL multiplier or SF_TS_DIV divisor */
    uint64_t ts_off_ns;    /* if_tsoffset in ns, two's complement */
    uint8_t ts_digits;     /* decimal digits of if_tsresol, at most 9 (shown to the user) */
};

struct sf_reader {
    /* The window; see the comment at the top. */
    const uint8_t *base;
    size_t pos;
    size_t len;
    uint64_t base_off;     /* input offset of base[0] */

    /* File input only (fd < 0 for memory input). */
    uint8_t *buf;
    size_t cap;
    int fd;
    gzFile gz;             /* reads through zlib: gzip-compressed captures
                            * (.pcap.gz, as tshark and tcpdump read them);
                            * zlib passes other input through unchanged */
    bool own_fd;
    bool eof;

    enum sf_capture_format format;
    int state;             /* 0 reading, SF_READER_ENDED, or -1 after an error */
    uint64_t warnings;

    /* pcap */
    bool swap;             /* also used by pcapng, per section */
    bool nsec;
    uint32_t linktype;
    uint32_t snaplen;

    /* pcapng: interfaces of the current section */
    struct sf_ng_iface *ifaces;
    uint32_t n_ifaces;
    uint32_t cap_ifaces;

    /* TLS key log text of the Decryption Secrets Blocks read and not yet
     * taken (sf_reader_take_secrets). */
    uint8_t *secrets;
    size_t nsecrets;
    uint64_t secrets_total;

    char err[256];
};

/* ------------------------------------------------------------------ errors */

static void sf_reader_fail(struct sf_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the one-line error and makes every later next() return -1. */
static void sf_reader_fail(struct sf_reader *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->state = -1;
}

/* A record longer than any real link can carry means a corrupt file; saying
 * so beats allocating (libpcap's "File has N-byte packet" check). */
static void sf_reader_fail_oversize(struct sf_reader *r, uint64_t off, uint32_t caplen)
{
    sf_reader_fail(r, "record at offset %llu claims a %u-byte packet, bigger than the maximum of %u",
                   (unsigned long long)off, caplen, SF_MAX_RECORD_CAPLEN);
}

/* ----------------------------------------------------------- byte access */

static inline uint16_t sf_rd16(const struct sf_reader *r, const uint8_t *p)
{
    if (r->swap)
        return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
    return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}

static inline uint32_t sf_rd32(const struct sf_reader *r, const uint8_t *p)
{
    if (r->swap)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint32_t sf_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline size_t sf_reader_avail(const struct sf_reader *r)
{
    return r->len - r->pos;
}

static inline uint64_t sf_reader_off(const struct sf_reader *r)
{
    return r->base_off + r->pos;
}

/* ------------------------------------------------------------- buffering */

/*
 * Makes at least `need` bytes available at base + pos if the input has them.
 * Returns 0 when they are there, 1 when the input ends first (the caller
 * reports the truncation, since it knows what it was reading) and -1 after
 * an I/O or memory failure (already recorded).  `need` never exceeds
 * SF_READER_MAX_BLOCK, which bounds the buffer.
 */
static int sf_reader_fill(struct sf_reader *r, size_t need)
{
    size_t avail = sf_reader_avail(r);

    if (avail >= need)
        return 0;
    if (r->fd < 0 || r->eof)
        return 1;

    if (need > r->cap) {
        size_t ncap = r->cap * 2;
        uint8_t *nb;

        while (ncap < need)
            ncap *= 2;
        if (ncap > SF_READER_MAX_BLOCK + 64)
            ncap = SF_READER_MAX_BLOCK + 64;
        /* Only the unread tail matters; copy it to the front of the new
         * buffer rather than realloc() the already-consumed bytes too. */
        nb = malloc(ncap);
        if (!nb) {
            sf_reader_fail(r, "out of memory growing the read buffer to %zu bytes at offset %llu",
                           ncap, (unsigned long long)sf_reader_off(r));
            return -1;
        }
        if (avail)
            memcpy(nb, r->buf + r->pos, avail);
        free(r->buf);
        r->buf = nb;
        r->cap = ncap;
    } else if (r->pos) {
        memmove(r->buf, r->buf + r->pos, avail);
    }
    r->base = r->buf;
    r->base_off += r->pos;
    r->pos = 0;
    r->len = avail;

    /* Fill the whole free space, not just `need`: one syscall per ~1 MiB. */
    while (r->len < need) {
        size_t room = r->cap - r->len;
        int n = gzread(r->gz, r->buf + r->len, (unsigned)(room > (1u << 30) ? (1u << 30) : room));

        if (n < 0) {
            int zerr = 0;
            const char *msg = gzerror(r->gz, &zerr);
            if (zerr == Z_ERRNO && errno == EINTR)
                continue;
            sf_reader_fail(r, "read error at offset %llu: %s",
                           (unsigned long long)(r->base_off + r->len),
                           zerr == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (n == 0) {
            r->eof = true;
            return 1;
        }
        r->len += (size_t)n;
    }
    return 0;
}

/* Fills `need` bytes or records a truncation error naming what was read. */
static int sf_reader_need(struct sf_reader *r, size_t need, const char *what)
{
    int rc = sf_reader_fill(r, need);

    if (rc > 0)
        sf_reader_fail(r, "truncated file: %s at offset %llu needs %zu bytes, only %zu left",
                       what, (unsigned long long)sf_reader_off(r), need, sf_reader_avail(r));
    return rc ? -1 : 0;
}

/* Consumes n bytes without holding them all in the buffer at once. */
static int sf_reader_skip(struct sf_reader *r, uint64_t n, const char *what, uint64_t start)
{
    while (n) {
        size_t avail = sf_reader_avail(r);
        size_t take = avail < n ? avail : (size_t)n;

        r->pos += take;
        n -= take;
        if (!n)
            break;
        if (sf_reader_fill(r, 1)) {
            if (r->state == 0)
                sf_reader_fail(r, "truncated file: %s at offset %llu runs %llu bytes past the end",
                               what, (unsigned long long)start, (unsigned long long)n);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ pcap */

/* Parses the 24-byte pcap file header (magic already identified). */
static int sf_pcap_open(struct sf_reader *r, uint32_t magic)
{
    const uint8_t *p;
    uint16_t major;

    if (sf_reader_need(r, SF_PCAP_HDR_LEN, "pcap file header"))
        return -1;
    p = r->base + r->pos;
    r->swap = magic == SF_PCAP_MAGIC_US_SW || magic == SF_PCAP_MAGIC_NS_SW;
    r->nsec = magic == SF_PCAP_MAGIC_NS || magic == SF_PCAP_MAGIC_NS_SW;
    major = sf_rd16(r, p + 4);
    /* libpcap reads major 2 only (any minor); 1 is an archaic format. */
    if (major != 2) {
        sf_reader_fail(r, "pcap: major version %u unsupported", major);
        return -1;
    }
    r->snaplen = sf_rd32(r, p + 16);
    /* The top bits carry FCS-length flags; libpcap's LT_LINKTYPE() keeps
     * the low 16 bits as the link type. */
    r->linktype = sf_rd32(r, p + 20) & 0xFFFFu;
    r->pos += SF_PCAP_HDR_LEN;
    r->format = SF_FORMAT_PCAP;
    return 0;
}

/* The hot path for pcap: two length checks, four loads, no call when the
 * record is already buffered. */
static int sf_pcap_next(struct sf_reader *r, struct sf_frame *f)
{
    const uint8_t *p;
    uint32_t caplen, sub;
    uint64_t off;

    if (sf_reader_avail(r) < SF_PCAP_REC_LEN) {
        int rc = sf_reader_fill(r, SF_PCAP_REC_LEN);

        if (rc < 0)
            return -1;
        if (rc > 0) {
            if (sf_reader_avail(r) == 0) {
                r->state = SF_READER_ENDED;
                return 0;
            }
            sf_reader_need(r, SF_PCAP_REC_LEN, "record header");
            return -1;
        }
    }
    p = r->base + r->pos;
    off = sf_reader_off(r);
    caplen = sf_rd32(r, p + 8);
    if (caplen > SF_MAX_RECORD_CAPLEN) {
        sf_reader_fail_oversize(r, off, caplen);
        return -1;
    }
    if (sf_reader_avail(r) < SF_PCAP_REC_LEN + caplen) {
        if (sf_reader_need(r, SF_PCAP_REC_LEN + caplen, "record"))
            return -1;
        p = r->base + r->pos;
    }
    sub = sf_rd32(r, p + 4);
    f->ts_ns = (int64_t)((uint64_t)sf_rd32(r, p) * 1000000000u +
                         (r->nsec ? (uint64_t)sub : (uint64_t)sub * 1000u));
    f->ts_digits = r->nsec ? 9 : 6;
    f->caplen = caplen;
    f->wirelen = sf_rd32(r, p + 12);
    f->data = p + SF_PCAP_REC_LEN;
    f->linktype = r->linktype;
    f->iface = 0;
    f->offset = off;
    f->input = 0;
    if (r->snaplen && caplen > r->snaplen)
        r->warnings++;
    r->pos += SF_PCAP_REC_LEN + caplen;
    return 1;
}

/* ---------------------------------------------------------------- pcapng */

/*
 * Walks an option list [p, p + n) and picks out if_tsresol / if_tsoffset
 * when `ifc` is given.  Each option is code(2) length(2) value padded to 4
 * (pcapng draft section 3.5).  A value that runs past the block is a corrupt
 * file; anything after opt_endofopt is ignored, as libpcap does.
 */
static int sf_ng_options(struct sf_reader *r, const uint8_t *p, size_t n, uint64_t blk_off,
                         const char *blk, struct sf_ng_iface *ifc)
{
    while (n >= 4) {
        uint16_t code = sf_rd16(r, p);
        uint16_t olen = sf_rd16(r, p + 2);
        size_t padded = ((size_t)olen + 3u) & ~(size_t)3u;

        if (code == SF_NG_OPT_END)
            return 0;
        if (padded > n - 4) {
            sf_reader_fail(r, "%s at offset %llu: option %u of length %u runs past the end of the block",
                           blk, (unsigned long long)blk_off, code, olen);
            return -1;
        }
        if (ifc && code == SF_NG_OPT_TSRESOL) {
            if (olen == 1) {
                uint8_t v = p[4];
                uint32_t k = v & 0x7Fu;

                /* Digits worth showing: 10^-k, or 2^-k ~ 10^-(0.302 k), at most ns. */
                uint32_t digits = (v & 0x80u) ? (k * 302u + 999u) / 1000u : k;
                ifc->ts_digits = (uint8_t)(digits > 9 ? 9 : digits);
                if (v & 0x80u) {
                    ifc->ts_kind = SF_TS_BIN;
                    ifc->ts_shift = k;
                } else if (k <= 9) {
                    uint64_t m = 1;

                    for (uint32_t i = k; i < 9; i++)
                        m *= 10;
                    ifc->ts_kind = SF_TS_MUL;
                    ifc->ts_factor = m;
                } else if (k <= 28) {
                    uint64_t d = 1;

                    for (uint32_t i = 9; i < k; i++)
                        d *= 10;
                    ifc->ts_kind = SF_TS_DIV;
                    ifc->ts_factor = d;
                } else {
                    ifc->ts_kind = SF_TS_ZERO;
                }
            } else {
                r->warnings++;
            }
        } else if (ifc && code == SF_NG_OPT_TSOFFSET) {
            if (olen == 8) {
                uint64_t hi = sf_rd32(r, r->swap ? p + 4 : p + 8);
                uint64_t lo = sf_rd32(r, r->swap ? p + 8 : p + 4);

                /* Unsigned arithmetic: a hostile offset may wrap, never UB. */
                ifc->ts_off_ns = (hi << 32 | lo) * 1000000000u;
            } else {
                r->warnings++;
            }
        }
        p += 4 + padded;
        n -= 4 + padded;
    }
    return 0;
}

/* Converts a raw pcapng timestamp of interface `ifc` to ns since the epoch. */
static int64_t sf_ng_ts(const struct sf_ng_iface *ifc, uint64_t ts)
{
    uint64_t ns;

    switch (ifc->ts_kind) {
    case SF_TS_MUL:
        ns = ts * ifc->ts_factor;
        break;
    case SF_TS_DIV:
        ns = ts / ifc->ts_factor;
        break;
    case SF_TS_ZERO:
        ns = 0;
        break;
    default: {
        uint32_t k = ifc->ts_shift;

        /* ts / 2^k seconds, split in whole seconds and a fraction so that
         * the product with 10^9 (< 2^30) never overflows 64 bits. */
        if (k == 0) {
            ns = ts * 1000000000u;
        } else if (k < 64) {
            uint64_t frac = ts & ((UINT64_C(1) << k) - 1);

            ns = (ts >> k) * 1000000000u;
            if (k <= 34)
                ns += (frac * 1000000000u) >> k;
            else
                ns += ((frac >> (k - 34)) * 1000000000u) >> 34;
        } else if (k < 98) {
            ns = ((ts >> 34) * 1000000000u) >> (k - 34);
        } else {
            ns = 0;
        }
        break;
    }
    }
    return (int64_t)(ns + ifc->ts_off_ns);
}

/*
 * Reads a Section Header Block at pos (its type already seen).  The byte
 * order magic decides how this section's lengths are read; interface ids
 * start again from 0 in every section.
 */
static int sf_ng_shb(struct sf_reader *r)
{
    uint64_t off = sf_reader_off(r);
    const uint8_t *p;
    uint32_t bom, total, major, minor;

    if (sf_reader_need(r, 12, "section header block"))
        return -1;
    p = r->base + r->pos;
    bom = sf_le32(p + 8);
    if (bom == SF_NG_BOM) {
        r->swap = false;
    } else if (bom == 0x4D3C2B1Au) {
        r->swap = true;
    } else {
        sf_reader_fail(r, "section header block at offset %llu has a bad byte-order magic 0x%08x",
                       (unsigned long long)off, bom);
        return -1;
    }
    total = sf_rd32(r, p + 4);
    if (total < 28 || total % 4 || total > SF_READER_MAX_BLOCK) {
        sf_reader_fail(r, "section header block at offset %llu has a bad length %u",
                       (unsigned long long)off, total);
        return -1;
    }
    if (sf_reader_need(r, total, "section header block"))
        return -1;
    p = r->base + r->pos;
    major = sf_rd16(r, p + 12);
    minor = sf_rd16(r, p + 14);
    /* libpcap accepts 1.0 and the 1.2 some old writers produced. */
    if (major != 1 || (minor != 0 && minor != 2)) {
        sf_reader_fail(r, "pcapng: section at offset %llu has unsupported version %u.%u",
                       (unsigned long long)off, major, minor);
        return -1;
    }
    /* The section length (p + 16) may be -1 and is only a skip hint: ignored.
     * Options are checked before the trailer so that an option running past
     * the block is reported as such (as libpcap does), not as a bad trailer. */
    if (sf_ng_options(r, p + 24, total - 28, off, "section header block", NULL))
        return -1;
    if (sf_rd32(r, p + total - 4) != total) {
        sf_reader_fail(r, "section header block at offset %llu: trailing length %u does not match %u",
                       (unsigned long long)off, sf_rd32(r, p + total - 4), total);
        return -1;
    }
    r->n_ifaces = 0;
    r->pos += total;
    return 0;
}

/* Interface Description Block: body is linktype(2) reserved(2) snaplen(4) options. */
static int sf_ng_idb(struct sf_reader *r, const uint8_t *body, uint32_t blen, uint64_t off)
{
    struct sf_ng_iface ifc;

    if (blen < 8) {
        sf_reader_fail(r, "interface description block at offset %llu is too short (%u bytes)",
                       (unsigned long long)off, blen + 12);
        return -1;
    }
    if (r->n_ifaces >= SF_READER_MAX_IFACES) {
        sf_reader_fail(r, "interface description block at offset %llu: more than %u interfaces",
                       (unsigned long long)off, SF_READER_MAX_IFACES);
        return -1;
    }
    memset(&ifc, 0, sizeof ifc);
    ifc.linktype = sf_rd16(r, body);
    ifc.snaplen = sf_rd32(r, body + 4);
    ifc.ts_kind = SF_TS_MUL;         /* default if_tsresol is 6: microseconds */
    ifc.ts_digits = 6;
    ifc.ts_factor = 1000;
    if (sf_ng_options(r, body + 8, blen - 8, off, "interface description block", &ifc))
        return -1;
    if (r->n_ifaces == r->cap_ifaces) {
        uint32_t ncap = r->cap_ifaces ? r->cap_ifaces * 2 : 8;
        struct sf_ng_iface *ni = realloc(r->ifaces, (size_t)ncap * sizeof *ni);

        if (!ni) {
            sf_reader_fail(r, "out of memory for interface at offset %llu",
                           (unsigned long long)off);
            return -1;
        }
        r->ifaces = ni;
        r->cap_ifaces = ncap;
    }
    r->ifaces[r->n_ifaces++] = ifc;
    return 0;
}

/* A packet block whose interface has no IDB: a frame with no link type. */
static int sf_ng_orphan(struct sf_reader *r, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
                        int64_t ts_ns, uint64_t off, struct sf_frame *f)
{
    (void)r;
    if (caplen > SF_MAX_RECORD_CAPLEN)
        caplen = SF_MAX_RECORD_CAPLEN;
    f->data = data;
    f->caplen = caplen;
    f->wirelen = wirelen;
    f->ts_ns = ts_ns;
    f->ts_digits = 6;             /* pcapng default if_tsresol */
    f->linktype = SF_LINKTYPE_NO_IFACE;
    f->iface = UINT32_MAX;
    f->offset = off;
    f->input = 0;
    return 1;
}

/*
 * Returns 1 with *f filled, 0 when the block was consumed without a frame,
 * -1 on error.  body/blen exclude the 8-byte header and 4-byte trailer.
 */
static int sf_ng_packet(struct sf_reader *r, uint32_t type, const uint8_t *body, uint32_t blen,
                        uint64_t off, struct sf_frame *f)
{
    const struct sf_ng_iface *ifc;
    const char *blk = type == SF_NG_EPB ? "enhanced packet block" : "obsolete packet block";
    uint32_t id, caplen, padded;
    uint64_t ts;

    if (type == SF_NG_SPB) {
        uint32_t orig, room;

        if (blen < 4) {
            sf_reader_fail(r, "simple packet block at offset %llu is too short (%u bytes)",
                           (unsigned long long)off, blen + 12);
            return -1;
        }
        if (r->n_ifaces == 0) {
            /* No interface 0 to attribute it to: still a frame of the file, so it is
             * returned (and counted) with no link type; the decoder skips it. */
            r->warnings++;
            orig = sf_rd32(r, body);
            return sf_ng_orphan(r, body + 4, orig < blen - 4 ? orig : blen - 4, orig, 0, off, f);
        }
        ifc = &r->ifaces[0];
        orig = sf_rd32(r, body);
        room = blen - 4;
        caplen = orig < room ? orig : room;
        if (ifc->snaplen && caplen > ifc->snaplen)
            caplen = ifc->snaplen;
        if (caplen > SF_MAX_RECORD_CAPLEN) {
            sf_reader_fail_oversize(r, off, caplen);
            return -1;
        }
        f->data = body + 4;
        f->caplen = caplen;
        f->wirelen = orig;
        f->ts_ns = 0;
        f->ts_digits = ifc->ts_digits;
        f->linktype = ifc->linktype;
        f->iface = 0;
        f->offset = off;
        f->input = 0;
        return 1;
    }

    /* EPB: iface(4) ts_hi(4) ts_lo(4) caplen(4) len(4) data options.
     * OPB: iface(2) drops(2) ts_hi(4) ts_lo(4) caplen(4) len(4) data options. */
    if (blen < 20) {
        sf_reader_fail(r, "%s at offset %llu is too short (%u bytes)", blk,
                       (unsigned long long)off, blen + 12);
        return -1;
    }
    id = type == SF_NG_EPB ? sf_rd32(r, body) : sf_rd16(r, body);
    caplen = sf_rd32(r, body + 12);
    if (caplen > SF_MAX_RECORD_CAPLEN) {
        sf_reader_fail_oversize(r, off, caplen);
        return -1;
    }
    padded = (caplen + 3u) & ~3u;
    if (padded > blen - 20) {
        sf_reader_fail(r, "%s at offset %llu: captured length %u runs past the end of the block",
                       blk, (unsigned long long)off, caplen);
        return -1;
    }
    if (blen - 20 > padded &&
        sf_ng_options(r, body + 20 + padded, blen - 20 - padded, off, blk, NULL))
        return -1;
    if (id >= r->n_ifaces) {
        /* Unknown interface: a frame all the same (counted, skipped as no-interface).
         * Without an IDB there is no if_tsresol, so pcapng's default, microseconds. */
        r->warnings++;
        ts = (uint64_t)sf_rd32(r, body + 4) << 32 | sf_rd32(r, body + 8);
        return sf_ng_orphan(r, body + 20, caplen, sf_rd32(r, body + 16), (int64_t)(ts * 1000u), off, f);
    }
    ifc = &r->ifaces[id];
    ts = (uint64_t)sf_rd32(r, body + 4) << 32 | sf_rd32(r, body + 8);
    /* Inline the common case (us or ns); the rest go through sf_ng_ts(). */
    if (ifc->ts_kind == SF_TS_MUL)
        f->ts_ns = (int64_t)(ts * ifc->ts_factor + ifc->ts_off_ns);
    else
        f->ts_ns = sf_ng_ts(ifc, ts);
    f->ts_digits = ifc->ts_digits;
    f->data = body + 20;
    f->caplen = caplen;
    f->wirelen = sf_rd32(r, body + 16);
    f->linktype = ifc->linktype;
    f->iface = id;
    f->offset = off;
    f->input = 0;
    if (ifc->snaplen && caplen > ifc->snaplen)
        r->warnings++;
    return 1;
}

/* A Decryption Secrets Block (pcapng draft 4.7): secrets type, length,
 * the secrets.  A TLS key log is kept for the consumer; other types (WireGuard,
 * ZigBee, ...) and a broken length are skipped with a warning only if
 * malformed, since the packets stay readable either way. */
static void sf_ng_dsb(struct sf_reader *r, const uint8_t *body, uint32_t blen)
{
    uint32_t type, len;
    uint8_t *g;
    if (blen < 8) {
        r->warnings++;
        return;
    }
    type = sf_rd32(r, body);
    len = sf_rd32(r, body + 4);
    if (len > blen - 8) {
        r->warnings++;
        return;
    }
    if (type != SF_DSB_TLSK || len == 0)
        return;
    if (r->secrets_total + len + 1 > SF_READER_MAX_SECRETS) {
        r->warnings++;
        return;
    }
    g = realloc(r->secrets, r->nsecrets + len + 1);
    if (!g) {
        r->warnings++;
        return;
    }
    r->secrets = g;
    memcpy(g + r->nsecrets, body + 8, len);
    r->nsecrets += len;
    /* Each block ends its last line, so two blocks never join one. */
    g[r->nsecrets++] = '\n';
    r->secrets_total += len + 1;
}

static int sf_ng_next(struct sf_reader *r, struct sf_frame *f)
{
    for (;;) {
        const uint8_t *p;
        uint64_t off;
        uint32_t type, total;
        int rc;

        if (sf_reader_avail(r) < 8) {
            rc = sf_reader_fill(r, 8);
            if (rc < 0)
                return -1;
            if (rc > 0) {
                if (sf_reader_avail(r) == 0) {
                    r->state = SF_READER_ENDED;
                    return 0;
                }
                sf_reader_need(r, 8, "block header");
                return -1;
            }
        }
        p = r->base + r->pos;
        off = sf_reader_off(r);
        type = sf_rd32(r, p);
        if (type == SF_NG_SHB) {
            if (sf_ng_shb(r))
                return -1;
            continue;
        }
        total = sf_rd32(r, p + 4);
        if (total < 12 || total % 4 || total > SF_READER_MAX_BLOCK) {
            sf_reader_fail(r, "block at offset %llu (type 0x%08x) has a bad length %u",
                           (unsigned long long)off, type, total);
            return -1;
        }
        if (type != SF_NG_EPB && type != SF_NG_IDB && type != SF_NG_SPB && type != SF_NG_OPB &&
            total > sf_reader_avail(r) && total > r->cap) {
            /* A large block we would only skip: stream past it instead of
             * growing the buffer, then check the trailing length. */
            if (sf_reader_skip(r, total - 4u, "block", off))
                return -1;
            if (sf_reader_need(r, 4, "block trailer"))
                return -1;
            if (sf_rd32(r, r->base + r->pos) != total) {
                sf_reader_fail(r, "block at offset %llu: trailing length %u does not match %u",
                               (unsigned long long)off, sf_rd32(r, r->base + r->pos), total);
                return -1;
            }
            r->pos += 4;
            continue;
        }
        if (sf_reader_avail(r) < total) {
            if (sf_reader_need(r, total, "block"))
                return -1;
            p = r->base + r->pos;
        }
        if (sf_rd32(r, p + total - 4) != total) {
            sf_reader_fail(r, "block at offset %llu: trailing length %u does not match %u",
                           (unsigned long long)off, sf_rd32(r, p + total - 4), total);
            return -1;
        }
        r->pos += total;
        switch (type) {
        case SF_NG_EPB:
        case SF_NG_OPB:
        case SF_NG_SPB:
            rc = sf_ng_packet(r, type, p + 8, total - 12, off, f);
            if (rc)
                return rc;
            break;
        case SF_NG_IDB:
            if (sf_ng_idb(r, p + 8, total - 12, off))
                return -1;
            break;
        case SF_NG_DSB:
            sf_ng_dsb(r, p + 8, total - 12);
            break;
        default:
            break;  /* statistics, name resolution, custom...: not needed */
        }
    }
}

/* ------------------------------------------------------------------- API */

/* Identifies the format from the first 4 bytes and reads the file header. */
static int sf_reader_start(struct sf_reader *r)
{
    uint32_t magic;
    int rc = sf_reader_fill(r, 4);

    if (rc < 0)
        return -1;
    if (rc > 0) {
        if (sf_reader_avail(r) == 0)
            sf_reader_fail(r, "empty file: no capture header");
        else
            sf_reader_need(r, 4, "file header");
        return -1;
    }
    magic = sf_le32(r->base + r->pos);
    switch (magic) {
    case SF_PCAP_MAGIC_US:
    case SF_PCAP_MAGIC_NS:
    case SF_PCAP_MAGIC_US_SW:
    case SF_PCAP_MAGIC_NS_SW:
        return sf_pcap_open(r, magic);
    case SF_NG_SHB:
        r->format = SF_FORMAT_PCAPNG;
        return sf_ng_shb(r);
    default:
        sf_reader_fail(r, "not a pcap or pcapng file: unknown magic 0x%08x at offset 0", magic);
        return -1;
    }
}

static struct sf_reader *sf_reader_finish_open(struct sf_reader *r, char *err, size_t errlen)
{
    if (sf_reader_start(r) == 0)
        return r;
    if (err && errlen)
        snprintf(err, errlen, "%s", r->err);
    sf_reader_close(r);
    return NULL;
}

struct sf_reader *sf_reader_open_path(const char *path, char *err, size_t errlen)
{
    struct sf_reader *r = calloc(1, sizeof *r);

    if (!r) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            if (err && errlen)
                snprintf(err, errlen, "%s", strerror(errno));   /* the caller names the file */
            free(r);
            return NULL;
        }
        r->own_fd = true;
#ifdef POSIX_FADV_SEQUENTIAL
        (void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    r->cap = SF_READER_BUF_INIT;
    r->buf = malloc(r->cap);
    {
        /* zlib owns (and closes) a duplicate, so stdin stays open. */
        int zfd = dup(r->fd);
        r->gz = zfd >= 0 ? gzdopen(zfd, "rb") : NULL;
        if (!r->gz && zfd >= 0)
            close(zfd);
        if (r->gz)
            (void)gzbuffer(r->gz, 256u * 1024u);
    }
    if (!r->buf || !r->gz) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        sf_reader_close(r);
        return NULL;
    }
    r->base = r->buf;
    return sf_reader_finish_open(r, err, errlen);
}

struct sf_reader *sf_reader_open_mem(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
    struct sf_reader *r = calloc(1, sizeof *r);
    static const uint8_t empty[1];

    if (!r) {
        if (err && errlen)
            snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->fd = -1;
    r->eof = true;
    /* A NULL, zero-length buffer is a valid (empty) input. */
    r->base = buf ? buf : empty;
    r->len = buf ? len : 0;
    return sf_reader_finish_open(r, err, errlen);
}

int sf_reader_next(struct sf_reader *r, struct sf_frame *f)
{
    if (r->state)
        return r->state < 0 ? -1 : 0;
    if (r->format == SF_FORMAT_PCAP)
        return sf_pcap_next(r, f);
    return sf_ng_next(r, f);
}

const char *sf_reader_error(const struct sf_reader *r)
{
    return r->err;
}

uint64_t sf_reader_warnings(const struct sf_reader *r)
{
    return r->warnings;
}

enum sf_capture_format sf_reader_format(const struct sf_reader *r)
{
    return r->format;
}

void sf_reader_close(struct sf_reader *r)
{
    if (!r)
        return;
    if (r->gz)
        gzclose(r->gz);
    if (r->own_fd)
        close(r->fd);
    free(r->buf);
    free(r->ifaces);
    free(r->secrets);
    free(r);
}

size_t sf_reader_take_secrets(struct sf_reader *r, uint8_t **out)
{
    size_t n = r->nsecrets;
    *out = r->secrets;
    r->secrets = NULL;
    r->nsecrets = 0;
    return n;
}
