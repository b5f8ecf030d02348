/* link.c - link layers: Ethernet (802.1Q, QinQ), Linux SLL/SLL2, NULL/LOOP, raw IP;
 * the dispatch to link_*.c for the others. */
#include "decode/decode.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_RARP 0x8035
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_PPPOE_SESSION 0x8864
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PBB 0x88e7
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define PPP_MPLS 0x0281

static void decode_raw_ip(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);

void sf_decode_ppp_proto(struct sf_decoder *d, uint16_t proto, struct sf_cur c, struct sf_packet *p)
{
    if (proto == PPP_IPV4)
        sf_decode_ipv4(d, c, p);
    else if (proto == PPP_IPV6)
        sf_decode_ipv6(d, c, p);
    else if (proto == PPP_MPLS)
        sf_decode_ethertype(d, ETHERTYPE_MPLS, c, p);
    else
        p->skip = SF_SKIP_ETHERTYPE;
}

void sf_decode_ethertype(struct sf_decoder *d, uint16_t type, struct sf_cur c,
                         struct sf_packet *p)
{
    switch (type) {
    case ETHERTYPE_IPV4:
        sf_decode_ipv4(d, c, p);
        return;
    case ETHERTYPE_IPV6:
        sf_decode_ipv6(d, c, p);
        return;
    case ETHERTYPE_PPPOE_SESSION: {
        /* RFC 2516: version/type, code, session id, length, then PPP's protocol. */
        uint16_t proto;
        sf_cur_skip(&c, 6);
        /* The protocol field may be compressed to one byte (RFC 1661 6.5). */
        if (sf_cur_left(&c) >= 1 && (c.p[0] & 1))
            proto = sf_cur_u8(&c);
        else
            proto = sf_cur_be16(&c);
        if (c.err) {
            p->skip = SF_SKIP_TRUNC_LINK;
            return;
        }
        sf_decode_ppp_proto(d, proto, c, p);
        return;
    }
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MC:
        /* RFC 3032 label stack: the bottom-of-stack bit ends it; the payload
         * type is not written down, the IP version nibble tells. */
        for (int depth = 0; depth < SF_MAX_LAYERS; depth++) {
            uint32_t label = sf_cur_be32(&c);
            if (c.err) {
                p->skip = SF_SKIP_TRUNC_LINK;
                return;
            }
            if (label & 0x100) {
                decode_raw_ip(d, c, p);
                return;
            }
        }
        p->skip = SF_SKIP_ETHERTYPE;
        return;
    case ETHERTYPE_PBB:
        /* IEEE 802.1ah backbone: a 4-byte I-TAG, then the customer frame. */
        sf_cur_skip(&c, 4);
        if (c.err) {
            p->skip = SF_SKIP_TRUNC_LINK;
            return;
        }
        sf_decode_ethernet(d, c, p);
        return;
    case ETHERTYPE_ARP:
    case ETHERTYPE_RARP:
        p->skip = SF_SKIP_ARP;
        return;
    default:
        /* Values below 1536 are an 802.3 length: LLC follows, and IP in it
         * only with SNAP (RFC 1042). */
        if (type < 1536) {
            sf_decode_llc_snap(d, c, p);
            return;
        }
        p->skip = SF_SKIP_ETHERTYPE;
        return;
    }
}

/* IEEE 802.2 LLC with SNAP (AA AA 03, OUI, ethertype; RFC 1042), as FDDI
 * and 802.11 carry IP.  Other SAPs are not IP. */
void sf_decode_llc_snap(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint8_t dsap = sf_cur_u8(&c), ssap = sf_cur_u8(&c), ctl = sf_cur_u8(&c);
    uint16_t type;
    if (c.err || dsap != 0xaa || ssap != 0xaa || ctl != 0x03) {
        p->skip = SF_SKIP_LLC;
        return;
    }
    sf_cur_skip(&c, 3);
    type = sf_cur_be16(&c);
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    sf_decode_ethertype(d, type, c, p);
}

/* IEEE 802.3 + 802.1Q/802.1ad: walk up to SF_MAX_LAYERS tags, keep two. */
void sf_decode_ethernet(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint16_t type;
    int depth = 0;

    /* Ethernet nests in PBB, VXLAN, GRE...: bound the recursion. */
    if (++p->eth_depth > SF_MAX_TUNNELS + 2) {
        p->skip = SF_SKIP_TUNNEL_DEPTH;
        return;
    }
    sf_cur_skip(&c, 12);  /* destination, source */
    type = sf_cur_be16(&c);
    while (!c.err && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
                      type == ETHERTYPE_QINQ_OLD)) {
        uint16_t tci = sf_cur_be16(&c);
        if (p->vlan_count < 2)
            p->vlan[p->vlan_count++] = tci & 0x0fff;
        type = sf_cur_be16(&c);
        if (++depth > SF_MAX_LAYERS) {
            p->skip = SF_SKIP_ETHERTYPE;
            return;
        }
    }
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    sf_decode_ethertype(d, type, c, p);
}

/* The IP version nibble decides, for link types that carry bare IP. */
static void decode_raw_ip(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    if (sf_cur_left(&c) < 1) {
        p->skip = SF_SKIP_TRUNC_IP;
        return;
    }
    switch (c.p[0] >> 4) {
    case 4: sf_decode_ipv4(d, c, p); return;
    case 6: sf_decode_ipv6(d, c, p); return;
    default: p->skip = SF_SKIP_BAD_IP; return;
    }
}

/* BSD loopback: a 4-byte address family, in the capturing host's byte order
 * for NULL and network order for LOOP; AF_INET6 differs per OS. */
static void decode_null(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint32_t be, le, fam;

    if (sf_cur_left(&c) < 4) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    be = sf_load_be32(c.p);
    le = (uint32_t)c.p[3] << 24 | (uint32_t)c.p[2] << 16 | (uint32_t)c.p[1] << 8 | c.p[0];
    fam = be < 256 ? be : le;
    sf_cur_skip(&c, 4);
    switch (fam) {
    case 2:
        sf_decode_ipv4(d, c, p);
        return;
    case 10: case 24: case 28: case 30:  /* Linux, BSD, FreeBSD, Darwin */
        sf_decode_ipv6(d, c, p);
        return;
    default:
        p->skip = SF_SKIP_ETHERTYPE;
        return;
    }
}

void sf_decode_link(struct sf_decoder *d, uint32_t linktype, struct sf_cur c, struct sf_packet *p)
{
    switch (linktype) {
    case SF_LINKTYPE_ETHERNET:
        sf_decode_ethernet(d, c, p);
        return;
    case SF_LINKTYPE_NULL:
    case SF_LINKTYPE_LOOP:
        decode_null(d, c, p);
        return;
    case SF_LINKTYPE_RAW:
    case SF_DLT_RAW_12:
    case SF_DLT_RAW_14:
        decode_raw_ip(d, c, p);
        return;
    case SF_LINKTYPE_IPV4:
        sf_decode_ipv4(d, c, p);
        return;
    case SF_LINKTYPE_IPV6:
        sf_decode_ipv6(d, c, p);
        return;
    case SF_LINKTYPE_LINUX_SLL: {
        /* packet type, ARPHRD, address length, 8-byte address, protocol */
        uint16_t proto;
        sf_cur_skip(&c, 14);
        proto = sf_cur_be16(&c);
        if (c.err) {
            p->skip = SF_SKIP_TRUNC_LINK;
            return;
        }
        sf_decode_ethertype(d, proto, c, p);
        return;
    }
    case SF_LINKTYPE_LINUX_SLL2: {
        /* protocol, reserved, ifindex, ARPHRD, packet type, address length, address */
        uint16_t proto = sf_cur_be16(&c);
        sf_cur_skip(&c, 18);
        if (c.err) {
            p->skip = SF_SKIP_TRUNC_LINK;
            return;
        }
        sf_decode_ethertype(d, proto, c, p);
        return;
    }
    case SF_LINKTYPE_PPP:
    case SF_LINKTYPE_PPP_HDLC:
    case SF_LINKTYPE_C_HDLC:
        sf_decode_link_ppp(d, linktype, c, p);
        return;
    case SF_LINKTYPE_FDDI:
        sf_decode_link_fddi(d, c, p);
        return;
    case SF_LINKTYPE_IEEE802_11:
    case SF_LINKTYPE_IEEE802_11_RADIOTAP:
        sf_decode_link_wlan(d, linktype, c, p);
        return;
    case SF_LINKTYPE_NFLOG:
        sf_decode_link_nflog(d, c, p);
        return;
    case SF_LINKTYPE_ARCNET_LINUX:
        sf_decode_link_arcnet(d, c, p);
        return;
    case SF_LINKTYPE_IPOIB:
        sf_decode_link_ipoib(d, c, p);
        return;
    default:
        p->skip = SF_SKIP_LINKTYPE;
        return;
    }
}
