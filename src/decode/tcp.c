/* tcp.c - TCP header (RFC 9293 section 3.1) and options (MSS, WS, SACK, TS). */
#include <string.h>

#include "decode/decode.h"

/* Options: kind 0 ends the list, kind 1 is one byte of padding, every other
 * kind carries a length >= 2 that covers kind and length (RFC 9293 3.2).
 * A length below 2 or past the header marks the list bad and stops the walk:
 * each iteration advances at least one byte, so the walk always ends. */
void sf_decode_tcp_options(struct sf_cur c, struct sf_tcp_opts *o)
{
    while (sf_cur_left(&c) > 0) {
        uint8_t kind = sf_cur_u8(&c), len;
        struct sf_cur body;
        bool cut;

        if (kind == 0)
            return;
        if (kind == 1)
            continue;
        len = sf_cur_u8(&c);
        if (c.err || len < 2 || (size_t)(len - 2) > sf_cur_left(&c)) {
            o->bad = true;
            return;
        }
        body = sf_cur_take(&c, (size_t)len - 2, &cut);
        switch (kind) {
        case 2:  /* MSS, RFC 9293 3.7.1 */
            if (len != 4) { o->bad = true; break; }
            o->has_mss = true;
            o->mss = sf_cur_be16(&body);
            break;
        case 3:  /* window scale, RFC 7323 2.2 */
            if (len != 3) { o->bad = true; break; }
            o->has_wscale = true;
            o->wscale = sf_cur_u8(&body);
            break;
        case 4:  /* SACK permitted, RFC 2018 */
            if (len != 2) { o->bad = true; break; }
            o->sack_perm = true;
            break;
        case 5:  /* SACK blocks */
            if ((len - 2) % 8 != 0) { o->bad = true; break; }
            while (sf_cur_left(&body) >= 8) {
                uint32_t l = sf_cur_be32(&body), r = sf_cur_be32(&body);
                if (o->sack_count < 4) {
                    o->sack[o->sack_count][0] = l;
                    o->sack[o->sack_count][1] = r;
                    o->sack_count++;
                }
            }
            break;
        case 8:  /* timestamps, RFC 7323 3.2 */
            if (len != 10) { o->bad = true; break; }
            o->has_ts = true;
            o->tsval = sf_cur_be32(&body);
            o->tsecr = sf_cur_be32(&body);
            break;
        default:
            if (o->unknown_count < 255)
                o->unknown_count++;
            break;
        }
    }
}

void sf_decode_tcp(struct sf_cur c, uint32_t seg_len, struct sf_packet *p)
{
    size_t captured = sf_cur_left(&c);
    uint8_t off;
    uint16_t fl;
    uint32_t hlen;
    bool cut;

    if (seg_len < 20) {
        /* The IP layer leaves no room for a TCP header: the lengths lie. */
        p->skip = SF_SKIP_BAD_TCP;
        return;
    }
    if (captured < 20) {
        p->skip = SF_SKIP_TRUNC_TCP;
        p->truncated = true;
        return;
    }
    p->sport = sf_cur_be16(&c);
    p->dport = sf_cur_be16(&c);
    p->seq = sf_cur_be32(&c);
    p->ack = sf_cur_be32(&c);
    off = sf_cur_u8(&c);
    fl = sf_cur_u8(&c);
    p->flags = (uint16_t)(fl | ((off & 0x01) ? SF_TH_AE : 0));
    p->win = sf_cur_be16(&c);
    sf_cur_skip(&c, 2);  /* checksum: unchecked by default, as in tshark */
    p->urp = sf_cur_be16(&c);
    hlen = (uint32_t)(off >> 4) * 4;
    p->tcp_hlen = (uint8_t)hlen;
    if (hlen < 20 || hlen > seg_len) {
        p->skip = SF_SKIP_BAD_TCP;
        return;
    }
    if (captured < hlen) {
        p->skip = SF_SKIP_TRUNC_TCP;
        p->truncated = true;
        return;
    }
    memset(&p->opt, 0, sizeof(p->opt));
    if (hlen > 20)
        sf_decode_tcp_options(sf_cur_take(&c, hlen - 20, &cut), &p->opt);
    p->payload_len = seg_len - hlen;
    p->payload = c.p;
    p->payload_caplen = (uint32_t)(sf_cur_left(&c) < p->payload_len ? sf_cur_left(&c)
                                                                   : p->payload_len);
    if (p->payload_caplen < p->payload_len)
        p->truncated = true;
    p->skip = SF_SKIP_NONE;
}
