/* ip.c - IPv4 (RFC 791) and IPv6 (RFC 8200) headers, extension chains and fragments. */
#include <string.h>

#include "decode/decode.h"

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ICMP_    1
#define IPPROTO_TCP_     6
#define IPPROTO_UDP_     17
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_      51
#define IPPROTO_ICMPV6_  58
#define IPPROTO_NONE_    59
#define IPPROTO_DSTOPTS_ 60
#define IPPROTO_MH_      135

struct sf_frag_table *sf__decoder_frag_mut(struct sf_decoder *d);

/* Hands the transport bytes to the right decoder.  seg_len is what the IP
 * layer declares; the cursor may hold less (snaplen). */
static void decode_transport(struct sf_decoder *d, uint8_t proto, struct sf_cur c,
                             uint32_t seg_len, struct sf_packet *p)
{
    p->ip_proto = proto;
    switch (proto) {
    case IPPROTO_TCP_:
        sf_decode_tcp(c, seg_len, p);
        return;
    case IPPROTO_UDP_:
        sf_decode_udp(d, c, seg_len, p);
        return;
    case 4:    /* IPv4 in IP (RFC 2003) */
    case 41:   /* IPv6 in IP (RFC 4213, RFC 2473) */
    case 47:   /* GRE */
    case 137:  /* MPLS in IP (RFC 4023) */
        sf_decode_ip_tunnel(d, proto, c, p);
        return;
    case IPPROTO_ICMP_:
        p->skip = SF_SKIP_ICMP;
        return;
    case IPPROTO_ICMPV6_:
        p->skip = SF_SKIP_ICMPV6;
        return;
    default:
        p->skip = SF_SKIP_IP_PROTO;
        return;
    }
}

static void ipv6_chain(struct sf_decoder *d, uint8_t next, struct sf_cur body, uint32_t plen,
                       int depth, struct sf_packet *p);

/* Feeds one fragment; when it completes its datagram, decodes the
 * transport from the reassembled bytes. */
static void decode_fragment(struct sf_decoder *d, const struct sf_frag_key *key,
                            uint32_t offset, bool more, struct sf_cur payload,
                            uint32_t declared, int depth, struct sf_packet *p)
{
    struct sf_frag_done done;
    enum sf_frag_result r;

    if (sf_cur_left(&payload) < declared) {
        /* A fragment cut by snaplen cannot be reassembled faithfully. */
        p->truncated = true;
        p->skip = SF_SKIP_FRAG_DROPPED;
        return;
    }
    memset(&done, 0, sizeof(done));
    r = sf_frag_add(sf__decoder_frag_mut(d), key, offset, more, payload.p, declared,
                    p->ts_ns, p->frame, &done);
    if (r == SF_FRAG_HELD) {
        p->skip = SF_SKIP_IP_FRAGMENT;
        return;
    }
    if (r != SF_FRAG_DONE) {
        p->skip = SF_SKIP_FRAG_DROPPED;
        return;
    }
    p->ip_reassembled = done.fragment_count > 1;
    p->ip_frag_count = done.fragment_count;
    p->ip_first_frag_frame = done.first_frame;
    if (key->ip_version == 6) {
        /* Headers after the fragment header travel inside the datagram. */
        ipv6_chain(d, key->proto, sf_cur_make(done.data, done.len), done.len, depth, p);
        return;
    }
    decode_transport(d, key->proto, sf_cur_make(done.data, done.len), done.len, p);
}

/* Bytes from the cursor to the end of the frame as it was on the wire:
 * what is left in the capture plus what the snaplen cut off the end (the
 * length tshark's tvb "reports"). */
static uint32_t frame_left(const struct sf_cur *c, const struct sf_packet *p)
{
    uint64_t n = sf_cur_left(c);
    if (p->wirelen > p->caplen)
        n += p->wirelen - p->caplen;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* A loose or strict source route still being followed (RFC 791 3.1:
 * pointer <= length) names the datagram's final destination as its last
 * address; tshark 4.0 shows that address as ip.dst ("Via" the header's)
 * and keys the conversation on it, so the connection is keyed on it too. */
static void ipv4_source_route(struct sf_cur opts, struct sf_packet *p)
{
    while (sf_cur_left(&opts) > 0) {
        uint8_t type = sf_cur_u8(&opts), len, ptr;
        if (type == 0)
            return;                /* end of the option list */
        if (type == 1)
            continue;              /* no-operation */
        len = sf_cur_u8(&opts);
        if (opts.err || len < 2 || (size_t)len - 2 > sf_cur_left(&opts))
            return;                /* malformed: the header's address stays */
        if ((type == 131 || type == 137) && len >= 7 && (len - 3) % 4 == 0) {
            const uint8_t *route = opts.p + 1;   /* after the pointer byte */
            ptr = opts.p[0];
            if (ptr >= 4 && ptr <= len)
                memcpy(p->dst.a, route + (len - 3) - 4, 4);
        }
        sf_cur_skip(&opts, (size_t)len - 2);
    }
}

void sf_decode_ipv4(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    size_t captured = sf_cur_left(&c);
    uint8_t vihl, proto;
    uint16_t total, frag;
    uint32_t hlen, payload_len, total32, reported = frame_left(&c, p);
    struct sf_cur body;
    bool cut;

    p->ip_version = 4;
    if (captured < 20) {
        p->skip = SF_SKIP_TRUNC_IP;
        return;
    }
    vihl = sf_cur_u8(&c);
    if (vihl >> 4 != 4) {
        p->skip = SF_SKIP_BAD_IP;
        return;
    }
    hlen = (uint32_t)(vihl & 0x0f) * 4;
    sf_cur_skip(&c, 1);            /* DSCP/ECN */
    total = sf_cur_be16(&c);
    p->ip_id = sf_cur_be16(&c);
    frag = sf_cur_be16(&c);
    p->ttl = sf_cur_u8(&c);
    proto = sf_cur_u8(&c);
    sf_cur_skip(&c, 2);            /* checksum: not checked, as tshark by default */
    p->src.family = p->dst.family = 4;
    sf_cur_copy(&c, p->src.a, 4);
    sf_cur_copy(&c, p->dst.a, 4);
    if (hlen < 20) {
        p->skip = SF_SKIP_BAD_IP;
        return;
    }
    /* Total length 0 is what TSO (and BIG TCP beyond 64 KiB) leaves in
     * captures taken on the sender: the datagram is the rest of the frame.
     * A total length past the frame is bogus (tshark's "IPv4 total length
     * exceeds packet length"): the segment is what the frame holds, as
     * tshark reports it.  Both use the frame's length on the wire, so a
     * snaplen cut still reads as truncation. */
    if (total == 0) {
        total32 = reported;
    } else {
        total32 = total;
        if (total32 > reported) {
            total32 = reported;
            p->ip_len_bad = true;
        }
    }
    if (total32 < hlen) {
        p->skip = SF_SKIP_BAD_IP;
        return;
    }
    if (captured < hlen) {
        p->skip = SF_SKIP_TRUNC_IP;
        return;
    }
    {
        /* Options (RFC 791 3.1): only a source route matters here. */
        bool short_opts = false;
        struct sf_cur opts = sf_cur_take(&c, hlen - 20, &short_opts);
        ipv4_source_route(opts, p);
    }
    payload_len = total32 - hlen;
    if (captured < total32)
        p->truncated = true;
    body = sf_cur_take(&c, payload_len, &cut);
    if ((frag & 0x2000) || (frag & 0x1fff)) {
        struct sf_frag_key key;
        memset(&key, 0, sizeof(key));
        key.ip_version = 4;
        key.proto = proto;
        memcpy(key.src, p->src.a, 4);
        memcpy(key.dst, p->dst.a, 4);
        key.id = p->ip_id;
        p->ip_proto = proto;
        decode_fragment(d, &key, (uint32_t)(frag & 0x1fff) * 8, (frag & 0x2000) != 0,
                        body, payload_len, 0, p);
        return;
    }
    decode_transport(d, proto, body, payload_len, p);
}

/* Walks the IPv6 extension header chain (RFC 8200 section 4) up to the
 * transport.  `depth` counts headers across fragment reassembly too, so a
 * datagram that nests fragment headers cannot recurse without bound. */
static void ipv6_chain(struct sf_decoder *d, uint8_t next, struct sf_cur body, uint32_t plen,
                       int depth, struct sf_packet *p)
{
    for (; depth < SF_MAX_LAYERS; depth++) {
        uint8_t hdr_next, hdr_len8;
        uint32_t ext_len;
        switch (next) {
        case IPPROTO_FRAGMENT_: {
            uint16_t offm;
            struct sf_frag_key key;
            hdr_next = sf_cur_u8(&body);
            sf_cur_skip(&body, 1);
            offm = sf_cur_be16(&body);
            memset(&key, 0, sizeof(key));
            key.id = sf_cur_be32(&body);
            if (body.err || plen < 8) {
                p->skip = p->truncated ? SF_SKIP_TRUNC_IP : SF_SKIP_BAD_IP;
                return;
            }
            plen -= 8;
            key.ip_version = 6;
            key.proto = hdr_next;
            memcpy(key.src, p->src.a, 16);
            memcpy(key.dst, p->dst.a, 16);
            p->ip_proto = hdr_next;
            decode_fragment(d, &key, (uint32_t)(offm & 0xfff8), (offm & 1) != 0, body, plen,
                            depth + 1, p);
            return;
        }
        case IPPROTO_HOPOPTS_:
        case IPPROTO_ROUTING_:
        case IPPROTO_DSTOPTS_:
        case IPPROTO_MH_:
        case IPPROTO_AH_:
            hdr_next = sf_cur_u8(&body);
            hdr_len8 = sf_cur_u8(&body);
            if (body.err) {
                p->skip = p->truncated ? SF_SKIP_TRUNC_IP : SF_SKIP_BAD_IP;
                return;
            }
            ext_len = next == IPPROTO_AH_ ? ((uint32_t)hdr_len8 + 2) * 4
                                          : ((uint32_t)hdr_len8 + 1) * 8;
            if (ext_len > plen) {
                p->skip = SF_SKIP_BAD_IP;
                return;
            }
            sf_cur_skip(&body, ext_len - 2);
            if (body.err) {
                p->skip = SF_SKIP_TRUNC_IP;
                return;
            }
            plen -= ext_len;
            next = hdr_next;
            continue;
        case IPPROTO_NONE_:
            p->ip_proto = next;
            p->skip = SF_SKIP_IP_PROTO;
            return;
        default:
            decode_transport(d, next, body, plen, p);
            return;
        }
    }
    p->skip = SF_SKIP_BAD_IP;
}

void sf_decode_ipv6(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    size_t captured = sf_cur_left(&c);
    uint32_t plen, reported;
    uint8_t next;
    struct sf_cur body;
    bool cut;

    p->ip_version = 6;
    if (captured < 40) {
        p->skip = SF_SKIP_TRUNC_IP;
        return;
    }
    if (c.p[0] >> 4 != 6) {
        p->skip = SF_SKIP_BAD_IP;
        return;
    }
    sf_cur_skip(&c, 4);
    plen = sf_cur_be16(&c);
    next = sf_cur_u8(&c);
    p->ttl = sf_cur_u8(&c);
    p->src.family = p->dst.family = 6;
    sf_cur_copy(&c, p->src.a, 16);
    sf_cur_copy(&c, p->dst.a, 16);
    /* Payload length 0 means a jumbogram or TSO: the rest of the frame.
     * One past the frame is bogus (tshark's "IPv6 payload length exceeds
     * framing length"): the frame's bytes are the payload then. */
    reported = frame_left(&c, p);
    if (plen == 0) {
        plen = reported;
    } else if (plen > reported) {
        plen = reported;
        p->ip_len_bad = true;
    }
    if (captured - 40 < plen)
        p->truncated = true;
    body = sf_cur_take(&c, plen, &cut);

    ipv6_chain(d, next, body, plen, 0, p);
}
