/* h2_frame.c - HTTP/2 frame header and payload views (RFC 9113 sections 4.1 and 6). */
#include <string.h>

#include "app/h2_frame.h"
#include "synfin/http2.h"

bool sf_h2_frame_head(const uint8_t *p, size_t n, struct sf_h2_frame *f)
{
    if (n < SF_H2_HEAD)
        return false;
    f->length = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    f->type = p[3];
    f->flags = p[4];
    f->stream = sf_h2_u32(p + 5) & 0x7fffffffu;
    return true;
}

bool sf_h2_frame_content(const struct sf_h2_frame *f, const uint8_t *p, const uint8_t **out, size_t *outn,
                         uint32_t *promised)
{
    size_t n = f->length, off = 0, pad = 0;
    *out = p;
    *outn = n;
    if (promised)
        *promised = 0;
    if (f->type != SF_H2_DATA && f->type != SF_H2_HEADERS && f->type != SF_H2_PUSH_PROMISE)
        return true;
    if (f->flags & SF_H2_PADDED) {
        if (n < 1)
            return false;
        pad = p[0];
        off = 1;
    }
    if (f->type == SF_H2_HEADERS && (f->flags & SF_H2_PRIORITY_F))
        off += 5;   /* stream dependency (4) + weight (1) */
    if (f->type == SF_H2_PUSH_PROMISE) {
        if (n < off + 4)
            return false;
        if (promised)
            *promised = sf_h2_u32(p + off) & 0x7fffffffu;
        off += 4;
    }
    /* RFC 9113 6.1: padding as long as the payload or longer is an error. */
    if (off > n || pad > n - off)
        return false;
    *out = p + off;
    *outn = n - off - pad;
    return true;
}

const char *sf_h2_type_name(uint8_t type)
{
    static const char *const names[SF_H2_NTYPES] = {
        "DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
        "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION",
    };
    return type < SF_H2_NTYPES ? names[type] : NULL;
}

const char *sf_h2_error_name(uint32_t code)
{
    static const char *const names[] = {
        "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
        "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
        "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
    };
    return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

const char *sf_h2_setting_name(uint16_t id)
{
    switch (id) {
    case 0x1: return "HEADER_TABLE_SIZE";
    case 0x2: return "ENABLE_PUSH";
    case 0x3: return "MAX_CONCURRENT_STREAMS";
    case 0x4: return "INITIAL_WINDOW_SIZE";
    case 0x5: return "MAX_FRAME_SIZE";
    case 0x6: return "MAX_HEADER_LIST_SIZE";
    case 0x8: return "ENABLE_CONNECT_PROTOCOL";   /* RFC 8441 */
    case 0x9: return "NO_RFC7540_PRIORITIES";     /* RFC 9218 */
    default: return NULL;
    }
}

int sf_h2_preface_probe(const uint8_t *p, size_t n)
{
    size_t k = n < SF_H2_PREFACE_LEN ? n : SF_H2_PREFACE_LEN;
    if (n == 0)
        return -1;   /* p may be NULL (a stream that starts with a gap) */
    if (memcmp(p, SF_H2_PREFACE, k) != 0)
        return 0;
    return n >= SF_H2_PREFACE_LEN ? 1 : -1;
}
