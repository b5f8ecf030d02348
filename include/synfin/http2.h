/* http2.h - what the HTTP/2 layer learnt of one connection (docs/http.md). */
#ifndef SYNFIN_HTTP2_H
#define SYNFIN_HTTP2_H

#include <stdbool.h>
#include <stdint.h>

struct sf_h2_info {
    uint64_t frames[2];           /* frames read per direction (0 = client) */
    uint64_t by_type[10];         /* per RFC 9113 type, both directions */
    uint64_t unknown_frames;      /* types RFC 9113 does not define: skipped */
    uint64_t oversize_frames;     /* longer than the receiver's SETTINGS_MAX_FRAME_SIZE */
    uint64_t bad_frames;          /* padding or fields that do not fit */
    uint32_t streams;             /* streams that carried a request or a response */
    uint32_t resets[2];           /* RST_STREAM sent by client / server */
    bool hpack_unknown[2];        /* a gap: that direction's headers are not decoded any more */
    bool goaway[2];
    bool upgraded;                /* started by HTTP/1.1 Upgrade: h2c */
};

#endif
