/* socks.h - a SOCKS4/4a/5 handshake read at the start of a connection (src/app/socks.c). */
#ifndef SYNFIN_SOCKS_H
#define SYNFIN_SOCKS_H

#include <stdbool.h>
#include <stdint.h>

/* What the SOCKS layer read of one connection's handshake (RFC 1928, RFC
 * 1929, and the SOCKS4/4a protocol notes).  After a successful reply the
 * connection's later bytes are the tunnel's and start a new detection
 * (HTTP, TLS ...), as after a CONNECT's 2xx. */
struct sf_socks_info {
    uint8_t version;          /* 4 or 5 */
    bool v4a;                 /* SOCKS4a: the target is named by host */
    uint8_t command;          /* 1 CONNECT, 2 BIND, 3 UDP ASSOCIATE (5 only); 0 = not read */
    int16_t method;           /* SOCKS5 method the server chose (0 none, 2 user/password,
                               * 255 none acceptable); -1 = not read */
    int8_t auth_status;       /* RFC 1929 status (0 = success), -1 = no sub-negotiation */
    char user[64];            /* SOCKS4 user id or RFC 1929 user name, as sent (printable) */
    char host[256];           /* target name (4a, or SOCKS5 domain) */
    char addr[46];            /* target address (IPv4/IPv6 text), "" when named */
    uint16_t port;            /* target port */
    int16_t reply;            /* reply code (SOCKS4 90..93, SOCKS5 0..8), -1 = none */
    uint64_t request_frame;   /* frame that completed the request (0 = none) */
    uint64_t reply_frame;     /* frame that completed the reply (0 = none) */
    bool established;         /* the reply granted the request: the tunnel follows */
    const char *anomaly;      /* first malformed message, NULL when none */
};

/* "connect", "bind", "udp_associate" ("unknown" otherwise). */
const char *sf_socks_command_name(uint8_t command);
/* The reply code's meaning: "granted", "rejected", ... (RFC 1928 section 6,
 * SOCKS4's 90..93). */
const char *sf_socks_reply_name(uint8_t version, int reply);

#endif
