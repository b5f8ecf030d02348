/* h2_frame.h - HTTP/2 frames (RFC 9113 section 4 and 6): the 9-byte frame header and the payload
 * views with padding and priority fields removed; pure functions over caller-owned bytes. */
#ifndef SYNFIN_APP_H2_FRAME_H
#define SYNFIN_APP_H2_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SF_H2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define SF_H2_PREFACE_LEN 24
#define SF_H2_HEAD 9
#define SF_H2_DEFAULT_MAX_FRAME 16384u

enum sf_h2_type {
    SF_H2_DATA = 0, SF_H2_HEADERS, SF_H2_PRIORITY, SF_H2_RST_STREAM, SF_H2_SETTINGS,
    SF_H2_PUSH_PROMISE, SF_H2_PING, SF_H2_GOAWAY, SF_H2_WINDOW_UPDATE, SF_H2_CONTINUATION,
    SF_H2_NTYPES
};

#define SF_H2_END_STREAM  0x01
#define SF_H2_ACK         0x01
#define SF_H2_END_HEADERS 0x04
#define SF_H2_PADDED      0x08
#define SF_H2_PRIORITY_F  0x20

struct sf_h2_frame {
    uint32_t length;          /* payload length (24 bits) */
    uint8_t type, flags;
    uint32_t stream;          /* 31 bits, reserved bit cleared */
};

/* Reads the frame header at p[0..n): false when n < 9. */
bool sf_h2_frame_head(const uint8_t *p, size_t n, struct sf_h2_frame *f);

/* The content of a whole payload p[0..f->length): for DATA, HEADERS and
 * PUSH_PROMISE without the pad length, padding and priority fields (and
 * the promised stream id, put in *promised, for PUSH_PROMISE); the payload
 * itself for the other types.  False when the padding or fields do not fit
 * (a protocol error: the frame's content is then unusable). */
bool sf_h2_frame_content(const struct sf_h2_frame *f, const uint8_t *p, const uint8_t **out, size_t *outn,
                         uint32_t *promised);

/* "DATA", "HEADERS", ... or NULL for a type RFC 9113 does not define. */
const char *sf_h2_type_name(uint8_t type);

/* 1 when p[0..n) starts with the client connection preface, 0 when it
 * cannot, -1 when n is a proper prefix of it. */
int sf_h2_preface_probe(const uint8_t *p, size_t n);

static inline uint32_t sf_h2_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
