/* live.h - live capture from a network interface (libpcap), one frame at a time. */
#ifndef SYNFIN_LIVE_H
#define SYNFIN_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/capture.h"

struct sf_live;

struct sf_live_config {
    const char *iface;        /* "eth0", "lo", "any" */
    const char *filter;       /* BPF expression compiled on the live handle; NULL = every frame */
    int snaplen;              /* 0 = SF_MAX_RECORD_CAPLEN (262144) */
    int buffer_bytes;         /* kernel ring size; 0 = libpcap's default (2 MiB on Linux) */
    int timeout_ms;           /* longest wait in sf_live_next before it returns 0; 0 = 250 */
};

/* Why sf_live_open failed, so the caller can word the message. */
enum sf_live_fail {
    SF_LIVE_FAIL_OTHER = 1,
    SF_LIVE_FAIL_PERM,        /* no CAP_NET_RAW (or not root) */
    SF_LIVE_FAIL_NODEV,       /* no such interface */
    SF_LIVE_FAIL_FILTER       /* the BPF expression does not compile for this link type */
};

/* Kernel counters from pcap_stats(); valid is false when the platform has none. */
struct sf_live_stats {
    bool valid;
    uint64_t received;        /* ps_recv: packets the kernel filter accepted */
    uint64_t dropped;         /* ps_drop: dropped because the buffer was full */
    uint64_t ifdropped;       /* ps_ifdrop: dropped by the interface/driver */
};

/* Opens and activates a capture in immediate mode with nanosecond
 * timestamps and installs the filter.  On failure returns NULL, sets *why
 * and writes a one-line reason (without the interface name) into err. */
struct sf_live *sf_live_open(const struct sf_live_config *cfg, enum sf_live_fail *why, char *err,
                             size_t errlen);

/* Also saves every captured frame to path (pcap, nanosecond timestamps).
 * 0, or -1 with a reason in err. */
int sf_live_dump_open(struct sf_live *l, const char *path, char *err, size_t errlen);

/* Waits for the next frame: 1 = *f filled (valid until the next call);
 * 0 = nothing within the timeout (time to tick); -1 = stopped by
 * sf_live_break; -2 = capture error (sf_live_error says why). */
int sf_live_next(struct sf_live *l, struct sf_frame *f);

/* Makes the pending or next sf_live_next return -1.  Safe to call from a
 * signal handler (pcap_breakloop). */
void sf_live_break(struct sf_live *l);

/* Kernel counters so far.  Returns 0, or -1 when unavailable. */
int sf_live_stats(struct sf_live *l, struct sf_live_stats *st);

/* Writes buffered -w frames out, so the file is readable while capturing. */
void sf_live_flush(struct sf_live *l);

const char *sf_live_error(const struct sf_live *l);
uint32_t sf_live_linktype(const struct sf_live *l);

/* Closes the dump file (if any) and the capture.  NULL is accepted. */
void sf_live_close(struct sf_live *l);

#endif
