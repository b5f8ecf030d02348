/* tunnel.c - tunnels that carry the inner flow: GRE (RFC 2784/2890, PPTP's
 * enhanced GRE), ERSPAN I/II/III, IP-in-IP (4in4, 6in4, 4in6, 6in6), MPLS
 * over IP, and the UDP tunnels tshark decodes by default port: VXLAN 4789,
 * Geneve 6081, GTP-U 2152, GRE-in-UDP 4754, MPLS-in-UDP 6635, Teredo 3544.
 *
 * Each layer records the outer header (type, outer addresses, key/VNI/TEID)
 * in p->tunnel[] before the inner packet overwrites p->src/p->dst: the inner
 * flow is the connection, as tshark's tcp.stream sees it. */
#include <string.h>

#include "decode/decode.h"

#define PORT_VXLAN 4789
#define PORT_GENEVE 6081
#define PORT_GTPU 2152
#define PORT_GRE_UDP 4754
#define PORT_MPLS_UDP 6635
#define PORT_TEREDO 3544
#define PORT_CAPWAP_DATA 5247
#define PORT_AYIYA 5072

#define GRE_PROTO_IPV4 0x0800
#define GRE_PROTO_IPV6 0x86dd
#define GRE_PROTO_TEB 0x6558    /* transparent Ethernet bridging (NVGRE too) */
#define GRE_PROTO_ERSPAN2 0x88be
#define GRE_PROTO_ERSPAN3 0x22eb
#define GRE_PROTO_MPLS 0x8847
#define GRE_PROTO_MPLS_MC 0x8848
#define GRE_PROTO_PPP 0x880b

const char *sf_tunnel_name(enum sf_tunnel_type t)
{
    static const char *const names[SF_TUN_COUNT] = {
        [SF_TUN_NONE] = "none",
        [SF_TUN_GRE] = "gre",
        [SF_TUN_PPTP] = "pptp",
        [SF_TUN_ERSPAN] = "erspan",
        [SF_TUN_VXLAN] = "vxlan",
        [SF_TUN_GENEVE] = "geneve",
        [SF_TUN_GTPU] = "gtpu",
        [SF_TUN_IP_IN_IP] = "ip_in_ip",
        [SF_TUN_MPLS] = "mpls",
        [SF_TUN_TEREDO] = "teredo",
        [SF_TUN_CAPWAP] = "capwap",
        [SF_TUN_AYIYA] = "ayiya",
    };
    if ((unsigned)t >= SF_TUN_COUNT)
        return "unknown";
    return names[t];
}

const char *sf_tunnel_id_name(enum sf_tunnel_type t)
{
    switch (t) {
    case SF_TUN_GRE: return "key";
    case SF_TUN_PPTP: return "call_id";
    case SF_TUN_ERSPAN: return "session";
    case SF_TUN_VXLAN:
    case SF_TUN_GENEVE: return "vni";
    case SF_TUN_GTPU: return "teid";
    case SF_TUN_MPLS: return "label";
    default: return NULL;
    }
}

/* Opens a tunnel layer around what follows, with the outer addresses still
 * in *p.  NULL (and p->skip set) past the depth limit. */
static struct sf_tunnel *push(struct sf_packet *p, enum sf_tunnel_type type)
{
    struct sf_tunnel *t;
    if (p->tunnel_count >= SF_MAX_TUNNELS) {
        p->skip = SF_SKIP_TUNNEL_DEPTH;
        return NULL;
    }
    t = &p->tunnel[p->tunnel_count++];
    memset(t, 0, sizeof(*t));
    t->type = (uint8_t)type;
    t->ip_version = p->ip_version;
    t->src = p->src;
    t->dst = p->dst;
    return t;
}

/* A layer that turned out not to be a tunnel (or was rejected) is taken
 * back, so a skipped frame does not claim a tunnel it never entered. */
static void pop(struct sf_packet *p)
{
    if (p->tunnel_count > 0)
        p->tunnel_count--;
}

/* The IP version nibble decides (MPLS, GTP-U and friends do not name it). */
static void inner_ip(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    if (sf_cur_left(&c) < 1) {
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    switch (c.p[0] >> 4) {
    case 4: sf_decode_ipv4(d, c, p); return;
    case 6: sf_decode_ipv6(d, c, p); return;
    default: p->skip = SF_SKIP_BAD_TUNNEL; return;
    }
}

/* RFC 3032 label stack, then IP by its version nibble.  The bottom label is
 * the one kept (it names the service; the top ones the path). */
static void mpls_stack(struct sf_decoder *d, struct sf_cur c, struct sf_tunnel *t,
                       struct sf_packet *p)
{
    for (int depth = 0; depth < SF_MAX_LAYERS; depth++) {
        uint32_t label = sf_cur_be32(&c);
        if (c.err) {
            p->skip = SF_SKIP_BAD_TUNNEL;
            return;
        }
        if (label & 0x100) {
            t->has_id = true;
            t->id = label >> 12;
            inner_ip(d, c, p);
            return;
        }
    }
    p->skip = SF_SKIP_BAD_TUNNEL;
}

/* PPP inside PPTP's GRE: optional address/control (0xff 0x03), then a one-
 * or two-byte protocol field (RFC 1661 section 6.5 compression). */
static void ppp_payload(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint16_t proto;
    if (sf_cur_left(&c) >= 2 && c.p[0] == 0xff && c.p[1] == 0x03)
        sf_cur_skip(&c, 2);
    if (sf_cur_left(&c) >= 1 && (c.p[0] & 1))
        proto = sf_cur_u8(&c);
    else
        proto = sf_cur_be16(&c);
    if (c.err) {
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    sf_decode_ppp_proto(d, proto, c, p);
}

/* GRE (RFC 2784 with RFC 2890's key and sequence; version 1 is PPTP's
 * enhanced GRE, RFC 2637 section 4.1).  RFC 1701 routing is not decoded. */
static void gre(struct sf_decoder *d, struct sf_cur c, struct sf_tunnel *t, struct sf_packet *p)
{
    uint16_t flags = sf_cur_be16(&c);
    uint16_t proto = sf_cur_be16(&c);
    unsigned ver = flags & 7;

    if (c.err || (flags & 0x4000)) {   /* cut, or RFC 1701 routing present */
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    if (ver == 1) {
        /* PPTP: key = payload length + call id, always present. */
        t->type = SF_TUN_PPTP;
        sf_cur_skip(&c, 2);
        t->id = sf_cur_be16(&c);
        t->has_id = true;
        if (flags & 0x1000)
            sf_cur_skip(&c, 4);        /* sequence */
        if (flags & 0x0080)
            sf_cur_skip(&c, 4);        /* acknowledgement */
        if (c.err || proto != GRE_PROTO_PPP) {
            p->skip = SF_SKIP_BAD_TUNNEL;
            return;
        }
        ppp_payload(d, c, p);
        return;
    }
    if (ver != 0) {
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    if (flags & 0x8000)
        sf_cur_skip(&c, 4);            /* checksum, reserved1 */
    if (flags & 0x2000) {
        t->id = sf_cur_be32(&c);
        t->has_id = true;
    }
    if (flags & 0x1000)
        sf_cur_skip(&c, 4);            /* sequence number */
    if (c.err) {
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    switch (proto) {
    case GRE_PROTO_IPV4:
        sf_decode_ipv4(d, c, p);
        return;
    case GRE_PROTO_IPV6:
        sf_decode_ipv6(d, c, p);
        return;
    case GRE_PROTO_TEB:
        sf_decode_ethernet(d, c, p);
        return;
    case GRE_PROTO_MPLS:
    case GRE_PROTO_MPLS_MC:
        t->type = SF_TUN_MPLS;
        t->has_id = false;
        mpls_stack(d, c, t, p);
        return;
    case GRE_PROTO_PPP:
        ppp_payload(d, c, p);
        return;
    case GRE_PROTO_ERSPAN2:
        t->type = SF_TUN_ERSPAN;
        t->has_id = false;
        /* Type I has no sequence number and no ERSPAN header (Wireshark's
         * rule too); type II has an 8-byte header with a 10-bit session. */
        if (flags & 0x1000) {
            uint16_t w0 = sf_cur_be16(&c);
            uint16_t w1 = sf_cur_be16(&c);
            sf_cur_skip(&c, 4);
            if (c.err || (w0 >> 12) != 1) {
                p->skip = SF_SKIP_BAD_TUNNEL;
                return;
            }
            t->id = w1 & 0x03ff;
            t->has_id = true;
        }
        sf_decode_ethernet(d, c, p);
        return;
    case GRE_PROTO_ERSPAN3: {
        /* 12 bytes, then an 8-byte platform sub-header when O is set. */
        uint16_t w0, w1;
        uint8_t last;
        t->type = SF_TUN_ERSPAN;
        t->has_id = false;
        w0 = sf_cur_be16(&c);
        w1 = sf_cur_be16(&c);
        sf_cur_skip(&c, 7);
        last = sf_cur_u8(&c);
        if (last & 1)
            sf_cur_skip(&c, 8);
        if (c.err || (w0 >> 12) != 2) {
            p->skip = SF_SKIP_BAD_TUNNEL;
            return;
        }
        t->id = w1 & 0x03ff;
        t->has_id = true;
        sf_decode_ethernet(d, c, p);
        return;
    }
    default:
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
}

void sf_decode_ip_tunnel(struct sf_decoder *d, uint8_t proto, struct sf_cur c,
                         struct sf_packet *p)
{
    struct sf_tunnel *t;
    enum sf_tunnel_type type = proto == 47 ? SF_TUN_GRE
                             : proto == 137 ? SF_TUN_MPLS : SF_TUN_IP_IN_IP;
    p->ip_proto = proto;
    t = push(p, type);
    if (!t)
        return;
    switch (proto) {
    case 47:
        gre(d, c, t, p);
        return;
    case 137:
        mpls_stack(d, c, t, p);
        return;
    case 4:
        sf_decode_ipv4(d, c, p);
        return;
    default:                           /* 41 */
        sf_decode_ipv6(d, c, p);
        return;
    }
}

/* VXLAN (RFC 7348): flags with I set, 24-bit VNI, then Ethernet. */
static void vxlan(struct sf_decoder *d, struct sf_cur c, struct sf_tunnel *t, struct sf_packet *p)
{
    uint8_t flags = sf_cur_u8(&c);
    uint32_t vni;
    sf_cur_skip(&c, 3);
    vni = sf_cur_be32(&c);
    if (c.err) {
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    if (flags & 0x08) {
        t->id = vni >> 8;
        t->has_id = true;
    }
    sf_decode_ethernet(d, c, p);
}

/* Geneve (RFC 8926): version, option length in 4-byte words, protocol type
 * as an ethertype, VNI; the options are skipped whole. */
static void geneve(struct sf_decoder *d, struct sf_cur c, struct sf_tunnel *t,
                   struct sf_packet *p)
{
    uint8_t b0 = sf_cur_u8(&c);
    uint16_t proto;
    uint32_t vni;
    sf_cur_skip(&c, 1);
    proto = sf_cur_be16(&c);
    vni = sf_cur_be32(&c);
    sf_cur_skip(&c, (size_t)(b0 & 0x3f) * 4);
    if (c.err || (b0 >> 6) != 0) {
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    t->id = vni >> 8;
    t->has_id = true;
    if (proto == GRE_PROTO_TEB)
        sf_decode_ethernet(d, c, p);
    else
        sf_decode_ethertype(d, proto, c, p);
}

/* GTP-U (3GPP TS 29.281 section 5): only G-PDUs (type 255) carry user IP;
 * the optional fields and the extension header chain are walked. */
static void gtpu(struct sf_decoder *d, struct sf_cur c, struct sf_tunnel *t, struct sf_packet *p)
{
    uint8_t flags = sf_cur_u8(&c);
    uint8_t type = sf_cur_u8(&c);
    uint16_t len = sf_cur_be16(&c);
    uint32_t teid = sf_cur_be32(&c);
    struct sf_cur body;
    bool cut;

    if (c.err || (flags >> 5) != 1 || !(flags & 0x10)) {
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    t->id = teid;
    t->has_id = true;
    if (type != 255) {
        p->skip = SF_SKIP_UDP;         /* echo, error indication: signalling */
        return;
    }
    body = sf_cur_take(&c, len, &cut);
    if (flags & 0x07) {
        uint8_t next;
        sf_cur_skip(&body, 3);         /* sequence, N-PDU number */
        next = sf_cur_u8(&body);
        for (int depth = 0; next != 0; depth++) {
            uint8_t words = sf_cur_u8(&body);
            if (body.err || words == 0 || depth >= SF_MAX_LAYERS) {
                p->skip = SF_SKIP_BAD_TUNNEL;
                return;
            }
            sf_cur_skip(&body, (size_t)words * 4 - 2);
            next = sf_cur_u8(&body);
        }
        if (body.err) {
            p->skip = SF_SKIP_BAD_TUNNEL;
            return;
        }
    }
    inner_ip(d, body, p);
}

/* Teredo (RFC 4380 section 5.1.1): optional authentication and origin
 * indication headers, then IPv6. */
static void teredo(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    if (sf_cur_left(&c) >= 2 && c.p[0] == 0 && c.p[1] == 1) {
        uint8_t idlen, aulen;
        sf_cur_skip(&c, 2);
        idlen = sf_cur_u8(&c);
        aulen = sf_cur_u8(&c);
        sf_cur_skip(&c, (size_t)idlen + aulen + 9);
    }
    if (sf_cur_left(&c) >= 2 && c.p[0] == 0 && c.p[1] == 0)
        sf_cur_skip(&c, 8);
    if (c.err || sf_cur_left(&c) < 40 || (c.p[0] >> 4) != 6) {
        p->skip = SF_SKIP_UDP;         /* bubbles and the like: not IPv6 */
        return;
    }
    sf_decode_ipv6(d, c, p);
}

/* CAPWAP data channel (RFC 5415 section 4.3): HLEN in 4-byte words; T set
 * with WBID 1 means a native 802.11 frame, otherwise an 802.3 frame. */
static void capwap(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint32_t w = sf_cur_be32(&c);
    size_t hlen = ((w >> 19) & 0x1f) * 4;
    if (c.err || (w >> 24) != 0 || hlen < 8 || sf_cur_left(&c) < hlen - 4) {
        p->skip = SF_SKIP_BAD_TUNNEL;
        return;
    }
    sf_cur_skip(&c, hlen - 4);
    if ((w & 0x100) && ((w >> 9) & 0x1f) == 1)
        sf_decode_wlan_frame(d, c, true, p);   /* tshark 4.0's default: swapped */
    else
        sf_decode_ethernet(d, c, p);
}

/* AYIYA (draft-massar-v6ops-ayiya): identity length as a power of two,
 * signature length in words, opcode 1 = forward, next header as in IP. */
static void ayiya(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p)
{
    uint8_t b0 = sf_cur_u8(&c), b1 = sf_cur_u8(&c), b2 = sf_cur_u8(&c);
    uint8_t next = sf_cur_u8(&c);
    sf_cur_skip(&c, 4);                /* epoch time */
    sf_cur_skip(&c, ((size_t)1 << (b0 >> 4)) + (size_t)(b1 >> 4) * 4);
    if (c.err || (b2 & 0x0f) != 1) {
        p->skip = SF_SKIP_UDP;
        return;
    }
    if (next == 41)
        sf_decode_ipv6(d, c, p);
    else if (next == 4)
        sf_decode_ipv4(d, c, p);
    else
        p->skip = SF_SKIP_UDP;
}

void sf_decode_udp(struct sf_decoder *d, struct sf_cur c, uint32_t seg_len, struct sf_packet *p)
{
    uint16_t sport = sf_cur_be16(&c);
    uint16_t dport = sf_cur_be16(&c);
    uint16_t ulen = sf_cur_be16(&c);
    enum sf_tunnel_type type;
    struct sf_tunnel *t;
    struct sf_cur body;
    bool cut;
    uint16_t port;

    sf_cur_skip(&c, 2);                /* checksum */
    if (c.err || ulen < 8) {
        p->skip = SF_SKIP_UDP;
        return;
    }
    if (ulen > seg_len)
        ulen = (uint16_t)(seg_len > 65535 ? 65535 : seg_len);
    body = sf_cur_take(&c, (size_t)ulen - 8, &cut);
    /* tshark tries the lower port first; a tunnel port on either side is
     * what its default registrations decode. */
    port = sport < dport ? sport : dport;
    for (int pass = 0; pass < 2; pass++, port = sport < dport ? dport : sport) {
        switch (port) {
        case PORT_VXLAN: type = SF_TUN_VXLAN; break;
        case PORT_GENEVE: type = SF_TUN_GENEVE; break;
        case PORT_GTPU: type = SF_TUN_GTPU; break;
        case PORT_GRE_UDP: type = SF_TUN_GRE; break;
        case PORT_MPLS_UDP: type = SF_TUN_MPLS; break;
        case PORT_TEREDO: type = SF_TUN_TEREDO; break;
        case PORT_CAPWAP_DATA: type = SF_TUN_CAPWAP; break;
        case PORT_AYIYA: type = SF_TUN_AYIYA; break;
        default: continue;
        }
        t = push(p, type);
        if (!t)
            return;
        t->udp = true;
        t->sport = sport;
        t->dport = dport;
        switch (type) {
        case SF_TUN_VXLAN: vxlan(d, body, t, p); break;
        case SF_TUN_GENEVE: geneve(d, body, t, p); break;
        case SF_TUN_GTPU: gtpu(d, body, t, p); break;
        case SF_TUN_GRE: gre(d, body, t, p); break;
        case SF_TUN_MPLS: mpls_stack(d, body, t, p); break;
        case SF_TUN_CAPWAP: capwap(d, body, p); break;
        case SF_TUN_AYIYA: ayiya(d, body, p); break;
        default: teredo(d, body, p); break;
        }
        /* Not a tunnel after all (signalling, garbage): a plain UDP frame. */
        if (p->skip == SF_SKIP_UDP || (p->skip == SF_SKIP_BAD_TUNNEL && p->ip_proto == 17)) {
            pop(p);
            p->skip = SF_SKIP_UDP;
            p->ip_proto = 17;
        }
        return;
    }
    p->skip = SF_SKIP_UDP;
}
