/* link_nflog.c - Linux NFLOG (LINKTYPE_NFLOG 239): a 4-byte header (address
 * family, version, resource id), then TLVs in the capturing host's byte
 * order, 4-byte aligned; NFULA_PAYLOAD (type 9) holds the IP packet. */
#include "decode/decode.h"

#define NFULA_PAYLOAD 9

void sf_decode_link_nflog(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint8_t family = sf_cur_u8(&c);
    sf_cur_skip(&c, 3);
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    for (int n = 0; n < 64 && sf_cur_left(&c) >= 4; n++) {
        /* libpcap writes host order; the header says nothing, but a length
         * is never above 0xffff and the type below 0x100, so try both. */
        uint16_t len = sf_cur_le16(&c), type = sf_cur_le16(&c);
        size_t body, pad;
        if ((type & 0x7fff) > 0xff) {
            len = (uint16_t)(len >> 8 | len << 8);
            type = (uint16_t)(type >> 8 | type << 8);
        }
        if (len < 4) {
            p->skip = SF_SKIP_TRUNC_LINK;
            return;
        }
        body = (size_t)len - 4;
        if ((type & 0x7fff) == NFULA_PAYLOAD) {
            bool cut;
            struct sf_cur ip = sf_cur_take(&c, body, &cut);
            if (family == 10)
                sf_decode_ipv6(d, ip, p);
            else if (family == 2)
                sf_decode_ipv4(d, ip, p);
            else
                p->skip = SF_SKIP_ETHERTYPE;
            return;
        }
        pad = (4 - (len & 3)) & 3;
        if (sf_cur_left(&c) < body + pad)
            break;
        sf_cur_skip(&c, body + pad);
    }
    p->skip = SF_SKIP_TRUNC_LINK;
}
