/* packet.h - one decoded frame: zero-copy views of each layer, plus the skip reason. */
#ifndef SYNFIN_PACKET_H
#define SYNFIN_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* LINKTYPE_* values we decode (https://www.tcpdump.org/linktypes.html). */
#define SF_LINKTYPE_NULL      0
#define SF_LINKTYPE_ETHERNET  1
#define SF_LINKTYPE_RAW       101
#define SF_LINKTYPE_LOOP      108
#define SF_LINKTYPE_LINUX_SLL 113
#define SF_LINKTYPE_IPV4      228
#define SF_LINKTYPE_IPV6      229
#define SF_LINKTYPE_LINUX_SLL2 276
/* DLT_RAW is 12 or 14 on some systems; pcapng writers sometimes keep those. */
#define SF_DLT_RAW_12         12
#define SF_DLT_RAW_14         14
/* Not a link type: a pcapng packet block naming an interface that has no
 * description block.  pcapng link types are 16 bits, so this never collides. */
#define SF_LINKTYPE_NO_IFACE  0xFFFFFFFFu
/* Further link types decoded by src/decode/link_*.c. */
#define SF_LINKTYPE_PPP       9
#define SF_LINKTYPE_FDDI      10
#define SF_LINKTYPE_PPP_HDLC  50
#define SF_LINKTYPE_C_HDLC    104
#define SF_LINKTYPE_IEEE802_11 105
#define SF_LINKTYPE_IEEE802_11_RADIOTAP 127
#define SF_LINKTYPE_NFLOG     239
#define SF_LINKTYPE_ARCNET_LINUX 129
#define SF_LINKTYPE_IPOIB     242

/* Why a frame was not analysed as TCP.  Every frame ends as exactly one of:
 * TCP (SF_SKIP_NONE), one of these reasons, or filtered by BPF. */
enum sf_skip {
    SF_SKIP_NONE = 0,
    SF_SKIP_LINKTYPE,       /* link type we do not decode */
    SF_SKIP_TRUNC_LINK,     /* frame shorter than its link header */
    SF_SKIP_ARP,
    SF_SKIP_LLC,            /* 802.3 length field / LLC / STP ... */
    SF_SKIP_ETHERTYPE,      /* other ethertype (IPX, LLDP, ...) */
    SF_SKIP_TRUNC_IP,       /* IP header cut by snaplen */
    SF_SKIP_BAD_IP,         /* IP header invalid (version, lengths) */
    SF_SKIP_IP_FRAGMENT,    /* a fragment held for reassembly (the datagram is decoded in the frame that completes it) */
    SF_SKIP_FRAG_DROPPED,   /* a fragment rejected by reassembly */
    SF_SKIP_UDP,
    SF_SKIP_ICMP,
    SF_SKIP_ICMPV6,
    SF_SKIP_IP_PROTO,       /* other transport (SCTP, GRE, ESP, ...) */
    SF_SKIP_TRUNC_TCP,      /* TCP header cut by snaplen */
    SF_SKIP_BAD_TCP,        /* TCP header invalid (data offset) */
    SF_SKIP_NO_IFACE,       /* pcapng packet block whose interface has no IDB */
    SF_SKIP_TUNNEL_DEPTH,   /* more nested tunnels than SF_MAX_TUNNELS */
    SF_SKIP_BAD_TUNNEL,     /* tunnel header invalid or cut (GRE, VXLAN, GTP-U, ...) */
    SF_SKIP_WLAN_PROTECTED, /* 802.11 data frame with the Protected bit: encrypted */
    SF_SKIP_WLAN_NON_DATA,  /* 802.11 management/control frame, or data without payload */
    SF_SKIP_COUNT
};

/* Stable names used in JSON ("skip") and in the summary. */
const char *sf_skip_name(enum sf_skip s);

/* TCP flag bits as on the wire (RFC 9293 section 3.1, RFC 3168). */
#define SF_TH_FIN 0x01
#define SF_TH_SYN 0x02
#define SF_TH_RST 0x04
#define SF_TH_PSH 0x08
#define SF_TH_ACK 0x10
#define SF_TH_URG 0x20
#define SF_TH_ECE 0x40
#define SF_TH_CWR 0x80
#define SF_TH_AE  0x100

struct sf_addr {
    uint8_t family;   /* 4 or 6 */
    uint8_t a[16];    /* IPv4 in the first 4 bytes, rest zero */
};

/* Tunnels around the inner flow, outermost first (src/decode/tunnel.c).  At
 * most SF_MAX_TUNNELS are decoded; a deeper frame is skipped, so a hostile
 * nest (GRE in GRE in ...) cannot recurse without bound. */
#define SF_MAX_TUNNELS 4

enum sf_tunnel_type {
    SF_TUN_NONE = 0,
    SF_TUN_GRE,        /* RFC 2784/2890 (and RFC 8086 GRE-in-UDP) */
    SF_TUN_PPTP,       /* RFC 2637 enhanced GRE carrying PPP */
    SF_TUN_ERSPAN,     /* Cisco ERSPAN I/II/III over GRE */
    SF_TUN_VXLAN,      /* RFC 7348, UDP 4789 */
    SF_TUN_GENEVE,     /* RFC 8926, UDP 6081 */
    SF_TUN_GTPU,       /* 3GPP TS 29.281, UDP 2152 */
    SF_TUN_IP_IN_IP,   /* 4in4, 6in4, 4in6, 6in6 (RFC 2003, 4213, 2473) */
    SF_TUN_MPLS,       /* MPLS over IP/GRE/UDP (RFC 4023, 7510) */
    SF_TUN_TEREDO,     /* RFC 4380, UDP 3544 */
    SF_TUN_CAPWAP,     /* RFC 5415 data channel, UDP 5247 */
    SF_TUN_AYIYA,      /* AYIYA, UDP 5072 */
    SF_TUN_COUNT
};

/* Stable names ("gre", "vxlan", ...), used in jsonl and text. */
const char *sf_tunnel_name(enum sf_tunnel_type t);
/* Name of the identifier a tunnel carries ("key", "vni", "teid", ...), or NULL. */
const char *sf_tunnel_id_name(enum sf_tunnel_type t);

struct sf_tunnel {
    uint8_t type;            /* enum sf_tunnel_type */
    uint8_t ip_version;      /* outer IP version (4/6) */
    bool has_id;
    bool udp;                /* carried in UDP: sport/dport valid */
    uint16_t sport, dport;
    uint32_t id;             /* GRE key, VNI, TEID, ERSPAN session, MPLS label */
    struct sf_addr src, dst; /* outer addresses */
};

struct sf_tcp_opts {
    bool has_mss, has_wscale, sack_perm, has_ts, bad;
    uint8_t wscale;
    uint8_t sack_count;      /* SACK blocks (at most 4 kept) */
    uint8_t unknown_count;   /* options of other kinds */
    uint16_t mss;
    uint32_t tsval, tsecr;
    uint32_t sack[4][2];     /* left, right edges (raw) */
};

struct sf_packet {
    uint64_t frame;          /* 1-based, across all inputs, = frame.number */
    int64_t ts_ns;
    uint32_t input;          /* the input it was read from (sf_frame.input) */
    uint8_t ts_digits;       /* decimal digits the capture's clock resolves (6 us, 9 ns) */
    uint32_t caplen, wirelen;
    uint32_t linktype;
    enum sf_skip skip;
    bool truncated;          /* captured bytes end before the declared packet end */
    bool ip_len_bad;         /* IP length runs past the frame: the frame's bytes were used */

    uint8_t vlan_count;
    uint16_t vlan[2];

    uint8_t ip_version;      /* 0 when no IP layer */
    uint8_t ip_proto;
    uint8_t ttl;
    struct sf_addr src, dst;
    uint16_t ip_id;
    bool ip_reassembled;     /* the TCP segment came in several IP fragments */
    uint32_t ip_frag_count;
    uint64_t ip_first_frag_frame;

    uint8_t tunnel_count;    /* tunnels around the inner IP packet */
    uint8_t eth_depth;       /* Ethernet headers entered (decoder's recursion guard) */
    struct sf_tunnel tunnel[SF_MAX_TUNNELS];

    /* TCP (valid when skip == SF_SKIP_NONE) */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t flags;          /* SF_TH_* */
    uint16_t win;            /* raw window field */
    uint16_t urp;
    uint8_t tcp_hlen;
    struct sf_tcp_opts opt;
    const uint8_t *payload;  /* captured payload bytes */
    uint32_t payload_caplen; /* bytes of payload present */
    uint32_t payload_len;    /* segment length from the IP length (what seq counts) */
};

#endif
