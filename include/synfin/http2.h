/* http2.h - what the HTTP/2 layer learnt of one connection (docs/http.md). */
#ifndef SYNFIN_HTTP2_H
#define SYNFIN_HTTP2_H

#include <stdbool.h>
#include <stdint.h>

#define SF_H2_MAX_SETTINGS 16
#define SF_H2_MAX_PINGS 8
#define SF_H2_MAX_STALLS 16

/* The first SETTINGS frame of one side: its parameters in order (RFC 9113
 * section 6.5.2), and the peer's ACK. */
struct sf_h2_settings {
    uint64_t frame;               /* 0 = no SETTINGS from this side */
    int64_t ts;
    uint64_t ack_frame;           /* the peer's first SETTINGS ACK after it (0 = none) */
    int64_t ack_ts;
    uint16_t id[SF_H2_MAX_SETTINGS];
    uint32_t value[SF_H2_MAX_SETTINGS];
    uint8_t n;
};

/* A PING and its ACK: the round trip seen from the capture point. */
struct sf_h2_ping {
    uint8_t by;                   /* 0 client, 1 server */
    uint64_t frame, ack_frame;    /* ack_frame 0: never answered */
    int64_t rtt_ns;               /* -1 without an ACK */
};

struct sf_h2_goaway {
    uint64_t frame;               /* 0 = none sent by this side */
    uint32_t last_stream;
    uint32_t error;
    char debug[64];               /* debug data, printable */
};

/* A sender that had data but no flow-control window (RFC 9113 section
 * 5.2): from the DATA frame that used the window up (without END_STREAM)
 * to the peer's WINDOW_UPDATE that opened it, confirmed by the sender's
 * next DATA. */
struct sf_h2_stall {
    uint32_t stream;              /* 0: the connection's window */
    uint8_t dir;                  /* the sender: 0 client, 1 server */
    uint64_t blocked_frame, update_frame, resume_frame;
    int64_t wait_ns;              /* blocked -> WINDOW_UPDATE */
};

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
    struct sf_h2_settings settings[2];
    uint32_t settings_frames[2];  /* SETTINGS (not ACK) per side */
    struct sf_h2_ping pings[SF_H2_MAX_PINGS];
    uint32_t npings;              /* PINGs sent (non-ACK), all of them */
    struct sf_h2_goaway goaways[2];   /* the last GOAWAY of each side */
    uint64_t window_updates[2];   /* WINDOW_UPDATE frames sent per side */
    struct sf_h2_stall stalls[SF_H2_MAX_STALLS];
    uint32_t nstalls;             /* all of them (the first SF_H2_MAX_STALLS kept) */
};

/* RFC 9113 section 7 name of an error code ("NO_ERROR" ...), NULL when undefined. */
const char *sf_h2_error_name(uint32_t code);
/* RFC 9113 section 6.5.2 name of a setting ("HEADER_TABLE_SIZE" ...), NULL when unknown. */
const char *sf_h2_setting_name(uint16_t id);

#endif
