/* link_arcnet.c - ARCNET as Linux captures it (LINKTYPE_ARCNET_LINUX 129):
 * source, destination, a 2-byte offset, then the protocol id; RFC 1201
 * framing adds a split flag and a sequence number, RFC 1051 does not. */
#include "decode/decode.h"

#define ARC_IP_RFC1201 0xd4
#define ARC_IP_RFC1051 0xf0
#define ARC_ARP_RFC1201 0xd5
#define ARC_ARP_RFC1051 0xf1

void sf_decode_link_arcnet(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint8_t proto;
    sf_cur_skip(&c, 4);
    proto = sf_cur_u8(&c);
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    switch (proto) {
    case ARC_IP_RFC1201:
        /* Split flag 0xff marks an exception packet: 4 more bytes (flag,
         * padding, protocol again) precede the usual split flag. */
        if (sf_cur_left(&c) >= 1 && c.p[0] == 0xff)
            sf_cur_skip(&c, 4);
        sf_cur_skip(&c, 3);
        if (c.err) {
            p->skip = SF_SKIP_TRUNC_LINK;
            return;
        }
        sf_decode_ipv4(d, c, p);
        return;
    case ARC_IP_RFC1051:
        sf_decode_ipv4(d, c, p);
        return;
    case ARC_ARP_RFC1201:
    case ARC_ARP_RFC1051:
        p->skip = SF_SKIP_ARP;
        return;
    default:
        p->skip = SF_SKIP_ETHERTYPE;
        return;
    }
}

/* IP over InfiniBand (LINKTYPE_IPOIB 242, RFC 4391): a 44-byte pseudo-header
 * whose last 4 bytes are the ethertype and 2 reserved bytes. */
void sf_decode_link_ipoib(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint16_t type;
    sf_cur_skip(&c, 40);
    type = sf_cur_be16(&c);
    sf_cur_skip(&c, 2);
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    sf_decode_ethertype(d, type, c, p);
}
