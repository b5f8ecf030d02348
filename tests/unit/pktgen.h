/* pktgen.h - builds test frames byte by byte (Ethernet/IPv4/IPv6/TCP) for the unit tests. */
#ifndef SYNFIN_TEST_PKTGEN_H
#define SYNFIN_TEST_PKTGEN_H

#include <stdint.h>
#include <string.h>

struct pg {
    uint8_t b[2048];
    size_t n;
};

static inline void pg_u8(struct pg *g, uint8_t v) { g->b[g->n++] = v; }
static inline void pg_be16(struct pg *g, uint16_t v) { pg_u8(g, (uint8_t)(v >> 8)); pg_u8(g, (uint8_t)v); }
static inline void pg_be32(struct pg *g, uint32_t v) { pg_be16(g, (uint16_t)(v >> 16)); pg_be16(g, (uint16_t)v); }
static inline void pg_bytes(struct pg *g, const void *p, size_t n) { memcpy(g->b + g->n, p, n); g->n += n; }

/* Ethernet header: zero MACs, the given ethertype. */
static inline void pg_eth(struct pg *g, uint16_t type)
{
    static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
    pg_bytes(g, macs, 12);
    pg_be16(g, type);
}

/* IPv4 header (20 bytes, no options) for a payload of plen bytes. */
static inline void pg_ipv4(struct pg *g, uint32_t src, uint32_t dst, uint8_t proto, uint16_t plen,
                           uint16_t id, uint16_t frag)
{
    pg_u8(g, 0x45);
    pg_u8(g, 0);
    pg_be16(g, (uint16_t)(20 + plen));
    pg_be16(g, id);
    pg_be16(g, frag);
    pg_u8(g, 64);
    pg_u8(g, proto);
    pg_be16(g, 0);
    pg_be32(g, src);
    pg_be32(g, dst);
}

static inline void pg_ipv6(struct pg *g, uint8_t last_src, uint8_t last_dst, uint8_t next, uint16_t plen)
{
    uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8 };
    pg_be32(g, 0x60000000);
    pg_be16(g, plen);
    pg_u8(g, next);
    pg_u8(g, 64);
    a[15] = last_src;
    pg_bytes(g, a, 16);
    a[15] = last_dst;
    pg_bytes(g, a, 16);
}

/* TCP header with optional raw options (padded by the caller to 4 bytes). */
static inline void pg_tcp(struct pg *g, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                          uint8_t flags, uint16_t win, const uint8_t *opts, size_t optlen)
{
    pg_be16(g, sport);
    pg_be16(g, dport);
    pg_be32(g, seq);
    pg_be32(g, ack);
    pg_u8(g, (uint8_t)(((20 + optlen) / 4) << 4));
    pg_u8(g, flags);
    pg_be16(g, win);
    pg_be16(g, 0);
    pg_be16(g, 0);
    if (optlen)
        pg_bytes(g, opts, optlen);
}

/* A whole Ethernet/IPv4/TCP frame between 192.0.2.1:cport (the client)
 * and 192.0.2.2:80, carrying len bytes of 'x'. */
static inline void pg_segment(struct pg *g, int from_client, uint16_t cport, uint32_t seq,
                              uint32_t ack, uint8_t flags, uint32_t len, uint16_t win)
{
    const uint32_t client = 0xc0000201u, server = 0xc0000202u;
    memset(g, 0, sizeof(*g));
    pg_eth(g, 0x0800);
    pg_ipv4(g, from_client ? client : server, from_client ? server : client, 6,
            (uint16_t)(20 + len), 1, 0);
    if (from_client)
        pg_tcp(g, cport, 80, seq, ack, flags, win, NULL, 0);
    else
        pg_tcp(g, 80, cport, seq, ack, flags, win, NULL, 0);
    memset(g->b + g->n, 'x', len);
    g->n += len;
}

#endif
