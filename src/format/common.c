/* common.c - formatting shared by the output formats: flags, endpoints, connection facts, totals. */
#include <string.h>

#include "format/diag_out.h"
#include "format/format.h"
#include "util/utf8.h"

bool sf_out_selected(const struct sf_out_opts *opts, uint64_t conn)
{
    if (!opts->conns)
        return true;
    for (size_t i = 0; i < opts->nconns; i++)
        if (opts->conns[i] == conn)
            return true;
    return false;
}

void sf_out_flags_words_ace(struct sf_buf *b, uint16_t flags, int ace)
{
    /* After an AccECN handshake the three ECN bits are one counter: shown
     * as tshark's Info column does, "ACE=n" after the other flags. */
    if (ace < 0) {
        sf_out_flags_words(b, flags);
        return;
    }
    flags &= (uint16_t)~(SF_TH_AE | SF_TH_CWR | SF_TH_ECE);
    if (flags) {
        sf_out_flags_words(b, flags);
        sf_buf_puts(b, ", ");
    }
    sf_buf_printf(b, "ACE=%d", ace);
}

void sf_out_flags_words(struct sf_buf *b, uint16_t flags)
{
    static const struct { uint16_t bit; const char *name; } order[] = {
        { SF_TH_FIN, "FIN" }, { SF_TH_SYN, "SYN" }, { SF_TH_RST, "RST" }, { SF_TH_PSH, "PSH" },
        { SF_TH_ACK, "ACK" }, { SF_TH_URG, "URG" }, { SF_TH_ECE, "ECE" }, { SF_TH_CWR, "CWR" },
        { SF_TH_AE, "AE" },
    };
    bool first = true;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(flags & order[i].bit))
            continue;
        if (!first)
            sf_buf_puts(b, ", ");
        sf_buf_puts(b, order[i].name);
        first = false;
    }
    if (first)
        sf_buf_puts(b, "<none>");
}

void sf_out_tunnel_words(struct sf_buf *b, const struct sf_conn *c)
{
    for (uint8_t i = 0; i < c->tunnel_count && i < SF_MAX_TUNNELS; i++) {
        const struct sf_tunnel *t = &c->tunnel[i];
        const char *idn = sf_tunnel_id_name((enum sf_tunnel_type)t->type);
        if (i)
            sf_buf_puts(b, " / ");
        sf_buf_puts(b, sf_tunnel_name((enum sf_tunnel_type)t->type));
        sf_buf_putc(b, ' ');
        sf_buf_addr(b, t->src.a, t->src.family);
        sf_buf_puts(b, " -> ");
        sf_buf_addr(b, t->dst.a, t->dst.family);
        if (t->udp)
            sf_buf_printf(b, " udp %u -> %u", t->sport, t->dport);
        if (t->has_id && idn)
            sf_buf_printf(b, " %s %lu", idn, (unsigned long)t->id);
    }
}

void sf_out_tunnel_text(struct sf_buf *b, const struct sf_conn *c, const char *indent)
{
    if (c->tunnel_count == 0)
        return;
    sf_buf_printf(b, "%s%s: ", indent, sf_tr("tunnel"));
    sf_out_tunnel_words(b, c);
    sf_buf_putc(b, '\n');
}

void sf_out_endpoint(struct sf_buf *b, const struct sf_addr *a, uint16_t port)
{
    if (a->family == 6) {
        sf_buf_putc(b, '[');
        sf_buf_addr(b, a->a, 6);
        sf_buf_putc(b, ']');
    } else {
        sf_buf_addr(b, a->a, 4);
    }
    sf_buf_putc(b, ':');
    sf_buf_u64(b, port);
}

/* 20853 -> "20,853": byte counts are read by people here. */
static void put_count(struct sf_buf *b, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            sf_buf_putc(b, ',');
        sf_buf_putc(b, tmp[i]);
    }
}

static void put_ms(struct sf_buf *b, int64_t ns)
{
    /* ns -> milliseconds with 3 decimals, in integers (no overflow on the
     * absurd timestamps of broken captures). */
    int64_t us = ns / 1000;
    uint64_t mag = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    sf_buf_printf(b, "%s%llu.%03llu ms", us < 0 ? "-" : "", (unsigned long long)(mag / 1000),
                  (unsigned long long)(mag % 1000));
}

static void put_opts(struct sf_buf *b, const struct sf_syn_opts *o)
{
    bool any = false;
    if (o->has_mss) {
        sf_buf_printf(b, "MSS %u", o->mss);
        any = true;
    }
    if (o->has_wscale) {
        sf_buf_printf(b, "%swindow scale %u", any ? ", " : "", o->wscale);
        any = true;
    }
    if (o->sack_perm) {
        sf_buf_printf(b, "%sSACK", any ? ", " : "");
        any = true;
    }
    if (o->has_ts) {
        sf_buf_printf(b, "%stimestamps", any ? ", " : "");
        any = true;
    }
    if (!any)
        sf_buf_puts(b, "no options");
}

int sf_out_close_frames(const struct sf_conn *c, uint64_t f[6])
{
    int n = 0;
    int first = c->first_closer == SF_S2C ? SF_S2C : SF_C2S;
    const struct sf_half *a = &c->half[first], *o = &c->half[!first];

    switch (c->close_kind) {
    case SF_CLOSE_FOUR_WAY:
    case SF_CLOSE_THREE_WAY:
    case SF_CLOSE_SIMULTANEOUS:
    case SF_CLOSE_HALF_CLOSE:
        f[n++] = a->fin_frame;
        if (a->fin_acked && a->fin_ack_frame != o->fin_frame)
            f[n++] = a->fin_ack_frame;
        f[n++] = o->fin_frame;
        if (o->fin_acked)
            f[n++] = o->fin_ack_frame;
        break;
    case SF_CLOSE_ONE_FIN:
        f[n++] = a->fin_frame;
        if (a->fin_acked)
            f[n++] = a->fin_ack_frame;
        break;
    case SF_CLOSE_RST_ABORT:
        f[n++] = c->half[c->rst_by == SF_S2C ? SF_S2C : SF_C2S].rst_frame;
        break;
    case SF_CLOSE_REFUSED:
        f[n++] = c->half[SF_C2S].syn_frame;
        f[n++] = c->half[SF_S2C].rst_frame;
        break;
    case SF_CLOSE_UNANSWERED_SYN:
        f[n++] = c->half[SF_C2S].syn_frame;
        break;
    default:
        break;
    }
    /* Frames are ascending in a capture; sort the few we have. */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && f[j - 1] > f[j]; j--) {
            uint64_t t = f[j];
            f[j] = f[j - 1];
            f[j - 1] = t;
        }
    return n;
}

static const char *side(int dir)
{
    return dir == SF_S2C ? "server" : "client";
}

/* Explains what cut the bulk direction into segments: the MSS (TCP
 * segmentation) or IP fragmentation, which are different things. */
/* Segments above the MSS were merged or not yet cut by the NIC: on the
 * sender, segmentation offload (TSO/GSO) cuts them after the capture point;
 * on the receiver, receive offload (GRO/LRO) glued them before it.  Where
 * the capture sat shows in the handshake: near the client, the client's ACK
 * follows the SYN+ACK at once while the server's SYN+ACK takes the path's
 * round trip (and the reverse near the server). */
static void offload_note(struct sf_buf *b, const struct sf_conn *c, int sender)
{
    int64_t near_client = c->hs_client_side_ns, near_server = c->hs_server_side_ns;
    int at = -1;   /* the side the capture point is near, -1 unknown */
    /* Only a clear split says where: the near side at most half the far one. */
    if (near_client >= 0 && near_server >= 0 && 2 * near_client <= near_server)
        at = SF_C2S;
    else if (near_client >= 0 && near_server >= 0 && 2 * near_server <= near_client)
        at = SF_S2C;
    if (at == sender)
        sf_buf_printf(b, sf_tr(": segments larger than the MSS: the capture point is at the %s (it answered "
                               "the handshake in %.3f ms, the other side in %.3f ms), which sends them large "
                               "and lets the NIC cut them after the capture (TSO/GSO)"),
                      sf_tr(side(sender)), (double)(sender == SF_C2S ? near_client : near_server) / 1e6,
                      (double)(sender == SF_C2S ? near_server : near_client) / 1e6);
    else if (at >= 0)
        sf_buf_printf(b, sf_tr(": segments larger than the MSS: the capture point is at the %s, the receiver "
                               "(it answered the handshake in %.3f ms, the other side in %.3f ms), whose NIC "
                               "or driver merged arriving segments before the capture saw them (GRO/LRO)"),
                      sf_tr(side(!sender)), (double)(sender == SF_C2S ? near_server : near_client) / 1e6,
                      (double)(sender == SF_C2S ? near_client : near_server) / 1e6);
    else
        sf_buf_puts(b, sf_tr(": segments larger than the MSS: offload at the capture point, segmentation "
                             "(TSO/GSO) on the sender or receive merging (GRO/LRO) on the receiver; the "
                             "handshake does not show which side the capture was on"));
}

static void segmentation_facts(struct sf_buf *b, const struct sf_conn *c, const char *indent)
{
    int big = c->half[SF_S2C].payload_bytes >= c->half[SF_C2S].payload_bytes ? SF_S2C : SF_C2S;
    const struct sf_half *h = &c->half[big];
    const struct sf_syn_opts *rcv = &c->half[!big].opts;
    uint32_t frag = c->half[0].ip_fragmented + c->half[1].ip_fragmented;

    if (h->data_segments == 0)
        return;
    sf_buf_printf(b, "%s           ", indent);
    sf_buf_printf(b, sf_tr("largest %s segment %u bytes of payload, largest frame %u bytes on the wire"),
                  sf_tr(side(big)), h->max_segment, h->max_frame);
    if (rcv->seen && rcv->has_mss) {
        uint32_t limit = rcv->mss;
        bool ts = c->half[0].opts.has_ts && c->half[1].opts.has_ts;
        if (ts)
            limit -= 12;
        sf_buf_printf(b, "\n%s           ", indent);
        sf_buf_printf(b, sf_tr("the %s announced MSS %u"), sf_tr(side(!big)), rcv->mss);
        if (ts)
            sf_buf_printf(b, sf_tr("; with 12 bytes of TCP timestamps a full segment carries %u"), limit);
        if (h->max_segment == limit)
            sf_buf_puts(b, sf_tr(": the stream was cut into full MSS-sized segments"));
        else if (h->max_segment > limit)
            offload_note(b, c, big);
        else
            sf_buf_puts(b, sf_tr(": no segment reached it (small writes, or a smaller path MTU)"));
    }
    sf_buf_printf(b, "\n%s           ", indent);
    if (frag)
        sf_buf_printf(b, sf_tr("IP fragmentation: %u segment(s) arrived in several IP fragments "
                               "(reassembled); that is the IP layer splitting packets, not TCP "
                               "segmentation"),
                      frag);
    else
        sf_buf_puts(b, sf_tr("no IP fragmentation: the data was split by TCP segmentation (by MSS), "
                             "each segment in its own IP packet"));
    sf_buf_putc(b, '\n');
}

static void counts_line(struct sf_buf *b, const char *who, const struct sf_an_counts *n)
{
    bool any = false;
#define ITEM(val, what)                                                           \
    do {                                                                          \
        if (val) {                                                                \
            sf_buf_printf(b, "%s%llu %s", any ? ", " : "", (unsigned long long)(val), what); \
            any = true;                                                           \
        }                                                                         \
    } while (0)
    sf_buf_printf(b, "%s: ", who);
    ITEM(n->retrans_segs, "retransmission(s)");
    ITEM(n->retrans_bytes, "byte(s) resent");
    ITEM(n->fast_retrans, "fast");
    ITEM(n->spurious_retrans, "spurious");
    ITEM(n->out_of_order, "out of order");
    ITEM(n->lost_segment, "lost segment(s)");
    ITEM(n->ack_lost_segment, "ACK(s) of unseen data");
    ITEM(n->dup_acks, "duplicate ACK(s)");
    ITEM(n->zero_window_episodes, "zero-window episode(s)");
    ITEM(n->zero_window_probes, "zero-window probe(s)");
    ITEM(n->window_full, "window-full");
    ITEM(n->keep_alive, "keep-alive(s)");
#undef ITEM
    if (!any)
        sf_buf_puts(b, "nothing unusual");
    else if (n->zero_window_ns > 0) {
        sf_buf_puts(b, " (zero window for ");
        put_ms(b, n->zero_window_ns);
        sf_buf_putc(b, ')');
    }
}

/* TCP analysis counters, RTT and Zeek's verdict. */
static void analysis_facts(struct sf_buf *b, const struct sf_conn *c, const char *indent)
{
    int64_t med = sf_analysis_rtt_median(c);
    sf_buf_printf(b, "%sanalysis:  ", indent);
    counts_line(b, "client", &c->half[SF_C2S].cnt);
    sf_buf_printf(b, "\n%s           ", indent);
    counts_line(b, "server", &c->half[SF_S2C].cnt);
    sf_buf_putc(b, '\n');
    if (c->rtt_count || c->hs_client_side_ns >= 0) {
        sf_buf_printf(b, "%srtt:       ", indent);
        if (c->rtt_count) {
            sf_buf_printf(b, "%llu sample(s) from ACKs: min ", (unsigned long long)c->rtt_count);
            put_ms(b, c->rtt_min_ns);
            sf_buf_puts(b, ", median ");
            put_ms(b, med);
            sf_buf_puts(b, ", max ");
            put_ms(b, c->rtt_max_ns);
        }
        if (c->hs_client_side_ns >= 0) {
            sf_buf_printf(b, "%shandshake: capture point <-> server ", c->rtt_count ? "; " : "");
            put_ms(b, c->hs_server_side_ns);
            sf_buf_puts(b, ", capture point <-> client ");
            put_ms(b, c->hs_client_side_ns);
        }
        sf_buf_putc(b, '\n');
    }
    sf_buf_printf(b, "%szeek:      conn_state %s, history %s", indent, sf_zeek_conn_state(c),
                  c->zeek_history_len ? c->zeek_history : "-");
    if (c->zeek_missed_bytes)
        sf_buf_printf(b, ", missed_bytes %llu", (unsigned long long)c->zeek_missed_bytes);
    sf_buf_putc(b, '\n');
}

void sf_out_conn_facts(struct sf_buf *b, const struct sf_conn *c, const char *indent)
{
    const struct sf_half *cl = &c->half[SF_C2S], *sv = &c->half[SF_S2C];
    uint64_t frames[6];
    int n;

    /* Handshake. */
    sf_buf_printf(b, "%shandshake: ", indent);
    if (cl->syn_count == 0 && sv->syn_count == 0) {
        sf_buf_puts(b, "not captured: the connection started before the capture");
    } else {
        if (cl->syn_count)
            sf_buf_printf(b, "SYN #%llu", (unsigned long long)cl->syn_frame);
        else
            sf_buf_puts(b, "SYN not captured");
        if (cl->syn_count > 1)
            sf_buf_printf(b, " (sent %u times)", cl->syn_count);
        if (sv->syn_count)
            sf_buf_printf(b, ", SYN+ACK #%llu", (unsigned long long)sv->syn_frame);
        else
            sf_buf_puts(b, ", no SYN+ACK");
        if (c->hs_ack_frame)
            sf_buf_printf(b, ", ACK #%llu", (unsigned long long)c->hs_ack_frame);
        if (c->irtt_ns >= 0) {
            sf_buf_puts(b, "; iRTT ");
            put_ms(b, c->irtt_ns);
        }
        if (cl->opts.seen) {
            sf_buf_printf(b, "\n%s           client offered ", indent);
            put_opts(b, &cl->opts);
        }
        if (sv->opts.seen) {
            sf_buf_printf(b, "\n%s           server answered ", indent);
            put_opts(b, &sv->opts);
        }
        if (cl->opts.seen && sv->opts.seen) {
            sf_buf_printf(b, "\n%s           agreed: window scaling %s, SACK %s, timestamps %s", indent,
                          cl->opts.has_wscale && sv->opts.has_wscale ? "on" : "off",
                          cl->opts.sack_perm && sv->opts.sack_perm ? "on" : "off",
                          cl->opts.has_ts && sv->opts.has_ts ? "on" : "off");
        }
    }
    sf_buf_putc(b, '\n');

    /* Data. */
    sf_buf_printf(b, "%sdata:      client -> server ", indent);
    put_count(b, cl->payload_bytes);
    sf_buf_printf(b, " bytes in %llu segment(s); server -> client ", (unsigned long long)cl->data_segments);
    put_count(b, sv->payload_bytes);
    sf_buf_printf(b, " bytes in %llu segment(s)\n", (unsigned long long)sv->data_segments);
    segmentation_facts(b, c, indent);

    /* Close. */
    sf_buf_printf(b, "%sclose:     %s", indent, sf_tr(sf_close_kind_words(c->close_kind)));
    if (c->close_kind == SF_CLOSE_RST_ABORT)
        sf_buf_printf(b, " sent by the %s during the %s phase", side(c->rst_by),
                      c->rst_phase == SF_PHASE_CLOSE ? "disconnect" : sf_phase_name(c->rst_phase));
    else if (c->first_closer >= 0 && c->close_kind != SF_CLOSE_REFUSED)
        sf_buf_printf(b, ", started by the %s", side(c->first_closer));
    if (c->close_kind == SF_CLOSE_UNANSWERED_SYN && cl->syn_count > 1)
        sf_buf_printf(b, " (%u retransmission(s))", cl->syn_count - 1);
    n = sf_out_close_frames(c, frames);
    if (n > 0) {
        sf_buf_puts(b, ": frames ");
        for (int i = 0; i < n; i++)
            sf_buf_printf(b, "%s%llu", i ? ", " : "", (unsigned long long)frames[i]);
    }
    sf_buf_putc(b, '\n');
    analysis_facts(b, c, indent);
    sf_out_diag_text(b, c, indent);
    if (c->client_guess)
        sf_buf_printf(b, "%snote:      no SYN seen, the client is a guess: %s\n", indent, c->guess_reason);
    if (c->reused_ports)
        sf_buf_printf(b, "%snote:      a new connection on the ports of an earlier one (port reuse)\n", indent);
}

void sf_out_totals_text(struct sf_buf *b, const struct sf_run_end *end)
{
    const struct sf_totals *t = end->totals;
    uint64_t skipped = 0;
    bool first = true;

    for (int i = 1; i < SF_SKIP_COUNT; i++)
        skipped += t->skipped[i];
    sf_buf_puts(b, "frames:      ");
    put_count(b, t->frames);
    sf_buf_puts(b, " read = ");
    put_count(b, t->tcp);
    sf_buf_puts(b, " TCP analysed + ");
    put_count(b, skipped);
    sf_buf_puts(b, " skipped + ");
    put_count(b, t->filtered);
    sf_buf_puts(b, " filtered out\n");
    if (end->display_filter) {
        /* Every frame was analysed; the display filter chose what is shown. */
        sf_buf_puts(b, "displayed:   ");
        put_count(b, end->displayed);
        sf_buf_puts(b, " of them shown by -Y '");
        sf_buf_text(b, end->display_filter, strlen(end->display_filter), 200);
        sf_buf_puts(b, "'\n");
    }
    if (skipped) {
        sf_buf_puts(b, "skipped:     ");
        for (int i = 1; i < SF_SKIP_COUNT; i++) {
            if (!t->skipped[i])
                continue;
            sf_buf_printf(b, "%s%s ", first ? "" : ", ", sf_skip_name((enum sf_skip)i));
            put_count(b, t->skipped[i]);
            first = false;
        }
        sf_buf_putc(b, '\n');
    }
    if (t->truncated)
        sf_buf_printf(b, "truncated:   %llu frame(s) cut short by the snapshot length\n",
                      (unsigned long long)t->truncated);
    sf_buf_puts(b, "connections: ");
    put_count(b, t->conns);
    sf_buf_printf(b, " TCP (at most %llu tracked at once)\n", (unsigned long long)t->conns_open_max);
    /* Connections written before they were done (every one is listed
     * above), shown only when there are some, so ordinary runs read as before. */
    if (t->ended[SF_END_SYN_TIMEOUT] || t->ended[SF_END_MEMCAP] || t->ended[SF_END_EVICTED]) {
        sf_buf_puts(b, "ended early: ");
        put_count(b, t->ended[SF_END_SYN_TIMEOUT]);
        sf_buf_puts(b, sf_tr(" at the SYN timeout, "));
        put_count(b, t->ended[SF_END_MEMCAP]);
        sf_buf_puts(b, sf_tr(" under --memcap, "));
        put_count(b, t->ended[SF_END_EVICTED]);
        sf_buf_puts(b, sf_tr(" beyond --max-conns; "));
        put_count(b, t->close_kinds[SF_CLOSE_UNANSWERED_SYN]);
        sf_buf_puts(b, sf_tr(" unanswered SYN, "));
        put_count(b, t->close_kinds[SF_CLOSE_REFUSED]);
        sf_buf_puts(b, sf_tr(" refused in all\n"));
    }
    if (t->ended[SF_END_MEMCAP]) {
        sf_buf_puts(b, "memory:      ");
        sf_buf_printf(b, sf_tr("peak %.1f MiB of connection state, --memcap %.1f MiB\n"),
                      (double)t->mem_peak / 1048576.0, (double)t->memcap / 1048576.0);
    }
    if (end->frag && end->frag->fragments)
        sf_buf_printf(b, "ip frags:    %llu fragment(s), %llu datagram(s) reassembled, %u incomplete, "
                         "%llu overlap(s), %llu conflicting\n",
                      (unsigned long long)end->frag->fragments, (unsigned long long)end->frag->completed,
                      end->frag_pending, (unsigned long long)end->frag->overlaps,
                      (unsigned long long)end->frag->conflicts);
    if (end->reader_warnings)
        sf_buf_printf(b, "warnings:    %llu from the capture reader (packet blocks without an interface, "
                         "frames longer than their snapshot length, unusable timestamp options)\n",
                      (unsigned long long)end->reader_warnings);
    if (end->read_error)
        sf_buf_printf(b, "read error:  %s (everything before it was analysed)\n", end->read_error);
    if (end->capture_iface && end->capture_stats)
        sf_buf_printf(b, "capture:     %s: %llu packets received by filter, %llu dropped by kernel, "
                         "%llu dropped by interface\n",
                      end->capture_iface, (unsigned long long)end->capture_received,
                      (unsigned long long)end->capture_dropped,
                      (unsigned long long)end->capture_ifdropped);
}
