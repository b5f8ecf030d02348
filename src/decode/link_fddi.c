/* link_fddi.c - FDDI (LINKTYPE_FDDI 10): frame control, two 6-byte
 * addresses, then IEEE 802.2 LLC; IP travels in SNAP (RFC 1390). */
#include "decode/decode.h"

void sf_decode_link_fddi(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint8_t fc = sf_cur_u8(&c);
    sf_cur_skip(&c, 12);
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    /* Only LLC frames (frame control 0x50-0x57) carry data. */
    if ((fc & 0xf8) != 0x50) {
        p->skip = SF_SKIP_LLC;
        return;
    }
    sf_decode_llc_snap(d, c, p);
}
