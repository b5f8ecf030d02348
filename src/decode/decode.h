/* decode.h - frame -> sf_packet: link, IP (with fragment reassembly) and TCP. */
#ifndef SYNFIN_DECODE_H
#define SYNFIN_DECODE_H

#include "synfin/capture.h"
#include "synfin/packet.h"
#include "decode/frag.h"
#include "util/cursor.h"

/* At most this many layers (VLAN tags, IPv6 extension headers) are walked
 * before a frame is called invalid: a hostile chain cannot loop us. */
#define SF_MAX_LAYERS 16

struct sf_decoder;

/* frag_cfg may be NULL for the defaults.  NULL on allocation failure. */
struct sf_decoder *sf_decoder_new(const struct sf_frag_config *frag_cfg);
void sf_decoder_free(struct sf_decoder *d);

/* Decodes one frame into *p (fully overwritten).  Never reads past
 * f->caplen.  p->skip says why a frame is not TCP.  Views in *p point into
 * f->data, or into the fragment table for a reassembled datagram: both stay
 * valid until the next call. */
void sf_decode(struct sf_decoder *d, const struct sf_frame *f, uint64_t frame_no,
               struct sf_packet *p);

/* The fragment table, for its counters at the end of input. */
const struct sf_frag_table *sf_decoder_frag(const struct sf_decoder *d);

/* Layer decoders, exposed for the unit tests and fuzz harnesses.  Each
 * takes the bytes of its layer and fills *p or sets p->skip. */
void sf_decode_link(struct sf_decoder *d, uint32_t linktype, struct sf_cur c, struct sf_packet *p);
void sf_decode_ipv4(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);
void sf_decode_ipv6(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);
/* seg_len: the segment length the IP layer declares (header + payload);
 * the cursor may hold fewer bytes (snaplen). */
/* link.c: an Ethernet frame, a payload named by its ethertype, a payload
 * named by its PPP protocol number (RFC 1661), for tunnels and link types. */
void sf_decode_ethernet(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);
void sf_decode_ethertype(struct sf_decoder *d, uint16_t type, struct sf_cur c, struct sf_packet *p);
void sf_decode_llc_snap(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);
void sf_decode_ppp_proto(struct sf_decoder *d, uint16_t proto, struct sf_cur c, struct sf_packet *p);
/* link_*.c: the further link types (PPP, HDLC, FDDI, 802.11, NFLOG). */
void sf_decode_link_ppp(struct sf_decoder *d, uint32_t linktype, struct sf_cur c, struct sf_packet *p);
void sf_decode_link_fddi(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);
void sf_decode_link_wlan(struct sf_decoder *d, uint32_t linktype, struct sf_cur c, struct sf_packet *p);
/* An 802.11 frame; swap_fc: the two frame control bytes come swapped (as
 * Cisco's CAPWAP sends them; Wireshark's capwap.swap_frame_control). */
void sf_decode_wlan_frame(struct sf_decoder *d, struct sf_cur c, bool swap_fc, struct sf_packet *p);
void sf_decode_link_nflog(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);
void sf_decode_link_arcnet(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);
void sf_decode_link_ipoib(struct sf_decoder *d, struct sf_cur c, struct sf_packet *p);
/* tunnel.c: UDP (tunnel ports, else skipped as UDP) and the IP protocols
 * that carry IP: 4, 41, 47 (GRE), 137 (MPLS). */
void sf_decode_udp(struct sf_decoder *d, struct sf_cur c, uint32_t seg_len, struct sf_packet *p);
void sf_decode_ip_tunnel(struct sf_decoder *d, uint8_t proto, struct sf_cur c, struct sf_packet *p);
void sf_decode_tcp(struct sf_cur c, uint32_t seg_len, struct sf_packet *p);
void sf_decode_tcp_options(struct sf_cur c, struct sf_tcp_opts *o);

#endif
