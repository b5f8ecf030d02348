/* decode.c - the decoder context, the frame entry point and skip-reason names. */
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

struct sf_decoder {
    struct sf_frag_table *frag;
};

struct sf_decoder *sf_decoder_new(const struct sf_frag_config *frag_cfg)
{
    struct sf_decoder *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->frag = sf_frag_new(frag_cfg);
    if (!d->frag) {
        free(d);
        return NULL;
    }
    return d;
}

void sf_decoder_free(struct sf_decoder *d)
{
    if (!d)
        return;
    sf_frag_free(d->frag);
    free(d);
}

const struct sf_frag_table *sf_decoder_frag(const struct sf_decoder *d)
{
    return d->frag;
}

struct sf_frag_table *sf__decoder_frag_mut(struct sf_decoder *d);
struct sf_frag_table *sf__decoder_frag_mut(struct sf_decoder *d)
{
    return d->frag;
}

void sf_decode(struct sf_decoder *d, const struct sf_frame *f, uint64_t frame_no,
               struct sf_packet *p)
{
    memset(p, 0, sizeof(*p));
    p->frame = frame_no;
    p->ts_ns = f->ts_ns;
    p->ts_digits = f->ts_digits;
    p->input = f->input;
    p->caplen = f->caplen;
    p->wirelen = f->wirelen;
    p->linktype = f->linktype;
    if (f->linktype == SF_LINKTYPE_NO_IFACE) {
        /* The reader could not say which link layer this is: count it, never guess. */
        p->skip = SF_SKIP_NO_IFACE;
        return;
    }
    sf_decode_link(d, f->linktype, sf_cur_make(f->data, f->caplen), p);
}

const char *sf_skip_name(enum sf_skip s)
{
    static const char *const names[SF_SKIP_COUNT] = {
        [SF_SKIP_NONE] = "tcp",
        [SF_SKIP_LINKTYPE] = "unsupported-linktype",
        [SF_SKIP_TRUNC_LINK] = "truncated-link-header",
        [SF_SKIP_ARP] = "arp",
        [SF_SKIP_LLC] = "llc",
        [SF_SKIP_ETHERTYPE] = "other-ethertype",
        [SF_SKIP_TRUNC_IP] = "truncated-ip-header",
        [SF_SKIP_BAD_IP] = "bad-ip-header",
        [SF_SKIP_IP_FRAGMENT] = "ip-fragment",
        [SF_SKIP_FRAG_DROPPED] = "ip-fragment-dropped",
        [SF_SKIP_UDP] = "udp",
        [SF_SKIP_ICMP] = "icmp",
        [SF_SKIP_ICMPV6] = "icmpv6",
        [SF_SKIP_IP_PROTO] = "other-ip-protocol",
        [SF_SKIP_TRUNC_TCP] = "truncated-tcp-header",
        [SF_SKIP_BAD_TCP] = "bad-tcp-header",
        [SF_SKIP_NO_IFACE] = "no-interface",
        [SF_SKIP_TUNNEL_DEPTH] = "tunnel-too-deep",
        [SF_SKIP_BAD_TUNNEL] = "bad-tunnel-header",
        [SF_SKIP_WLAN_PROTECTED] = "wlan-protected",
        [SF_SKIP_WLAN_NON_DATA] = "wlan-non-data",
    };
    if ((unsigned)s >= SF_SKIP_COUNT)
        return "unknown";
    return names[s];
}
