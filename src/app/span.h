/* span.h - where a run of application bytes came from, in frames. */
#ifndef SYNFIN_APP_SPAN_H
#define SYNFIN_APP_SPAN_H

#include <stdint.h>

/* For TCP bytes: the segment that carried them.  For bytes a transform
 * produced (TLS plaintext): the frame that completed the record
 * (Wireshark's "reassembled in"), the frame of the record's first byte,
 * and how many frames carried the record; so every label, timing and
 * export on decrypted traffic names real frames. */
struct sf_span {
    uint64_t frame;           /* frame that carried (or completed) the last byte */
    int64_t ts_ns;            /* its time */
    uint64_t first_frame;     /* frame of the first byte */
    int64_t first_ts;         /* its time */
    uint32_t frames;          /* distinct frames that carried these bytes (>= 1) */
};

#endif
