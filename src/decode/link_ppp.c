/* link_ppp.c - PPP (LINKTYPE_PPP 9, RFC 1661), PPP in HDLC-like framing
 * (LINKTYPE_PPP_HDLC 50, RFC 1662) and Cisco HDLC (LINKTYPE_C_HDLC 104). */
#include "decode/decode.h"

/* Cisco HDLC: address 0x0f (unicast) or 0x8f (broadcast), control 0, then
 * an ethertype. */
static void cisco_hdlc(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint16_t type;
    sf_cur_skip(&c, 2);
    type = sf_cur_be16(&c);
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    sf_decode_ethertype(d, type, c, p);
}

void sf_decode_link_ppp(struct sf_decoder *d, uint32_t linktype, struct sf_cur c,
                        struct sf_packet *p)
{
    uint16_t proto;

    if (sf_cur_left(&c) < 2) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    /* LINKTYPE_PPP_HDLC also carries Cisco HDLC frames (libpcap's rule). */
    if (linktype == SF_LINKTYPE_C_HDLC ||
        (linktype == SF_LINKTYPE_PPP_HDLC && (c.p[0] == 0x0f || c.p[0] == 0x8f))) {
        cisco_hdlc(d, c, p);
        return;
    }
    /* Address 0xff and control 0x03 when framed (optional for DLT 9). */
    if (c.p[0] == 0xff && c.p[1] == 0x03)
        sf_cur_skip(&c, 2);
    /* A protocol field with an odd first byte is compressed to one byte
     * (RFC 1661 section 6.5). */
    if (sf_cur_left(&c) >= 1 && (c.p[0] & 1))
        proto = sf_cur_u8(&c);
    else
        proto = sf_cur_be16(&c);
    if (c.err) {
        p->skip = SF_SKIP_TRUNC_LINK;
        return;
    }
    sf_decode_ppp_proto(d, proto, c, p);
}
