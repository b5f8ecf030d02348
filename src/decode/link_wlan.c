/* link_wlan.c - IEEE 802.11 (LINKTYPE_IEEE802_11 105) and the same behind a
 * radiotap header (LINKTYPE_IEEE802_11_RADIOTAP 127).  Only data frames
 * carry IP: management and control frames, null data, and frames with the
 * Protected bit (encrypted: no keys here) are skipped with their reason. */
#include "decode/decode.h"

#define RADIOTAP_FLAGS_FCS 0x10

/* IEEE 802.11-2020 section 9.2.4: frame control, duration, three addresses,
 * sequence control; a fourth address when both DS bits are set; QoS
 * control for QoS subtypes; HT control when Order is set on a QoS frame. */
void sf_decode_wlan_frame(struct sf_decoder *d, struct sf_cur c, bool swap_fc, struct sf_packet *p)
{
    uint8_t fc0 = sf_cur_u8(&c);
    uint8_t fc1 = sf_cur_u8(&c);
    unsigned type, subtype;

    if (swap_fc) {
        uint8_t t = fc0;
        fc0 = fc1;
        fc1 = t;
    }
    type = (fc0 >> 2) & 3;
    subtype = fc0 >> 4;

    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    if (type != 2 || (subtype & 0x4)) {   /* not data, or a null (no payload) */
        p->skip = SF_SKIP_WLAN_NON_DATA;
        return;
    }
    sf_cur_skip(&c, 22);                   /* duration, 3 addresses, seq ctl */
    if ((fc1 & 3) == 3)
        sf_cur_skip(&c, 6);
    if (subtype & 0x8) {
        sf_cur_skip(&c, 2);
        if (fc1 & 0x80)
            sf_cur_skip(&c, 4);
    }
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    if (fc1 & 0x40) {
        p->skip = SF_SKIP_WLAN_PROTECTED;
        return;
    }
    sf_decode_llc_snap(d, c, p);
}

/* Radiotap (radiotap.org): version 0, length, present bitmaps; only the
 * Flags field matters (is an FCS at the end?).  It follows TSFT, which is
 * 8-byte aligned from the start of the header. */
static void radiotap(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    struct sf_cur h = c;
    uint8_t version = sf_cur_u8(&h);
    uint16_t len;
    uint32_t present, word;
    size_t off;
    uint8_t flags = 0;

    sf_cur_skip(&h, 1);
    len = sf_cur_le16(&h);
    present = word = sf_cur_le32(&h);
    if (h.err || version != 0 || len < 8 || sf_cur_left(&c) < len) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    off = 8;
    for (int n = 0; (word & 0x80000000u) && n < 8; n++) {
        word = sf_cur_le32(&h);
        off += 4;
    }
    if (present & 1)
        off = ((off + 7) & ~(size_t)7) + 8;
    if ((present & 2) && off < len)
        flags = c.p[off];
    sf_cur_skip(&c, len);
    if ((flags & RADIOTAP_FLAGS_FCS) && sf_cur_left(&c) >= 4)
        c.end -= 4;
    sf_decode_wlan_frame(d, c, false, p);
}

void sf_decode_link_wlan(struct sf_decoder *d, uint32_t linktype, struct sf_cur c,
                         struct sf_packet *p)
{
    if (linktype == SF_LINKTYPE_IEEE802_11_RADIOTAP)
        radiotap(d, c, p);
    else
        sf_decode_wlan_frame(d, c, false, p);
}
