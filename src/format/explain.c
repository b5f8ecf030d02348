/* explain.c - one line per TCP analysis flag: what it means here, and its likely cause. */
#include "format/format.h"
#include "format/tls_out.h"
#include "synfin/app.h"
#include "util/utf8.h"

/* "client" or "server" in the reader's language (they go inside sentences). */
static const char *side(enum sf_dir d)
{
    return d == SF_C2S ? sf_tr("client") : sf_tr("server");
}

/* The peer has a zero-window episode open: a segment one byte below the
 * window edge is Linux's zero-window probe, which Wireshark flags as a
 * keep-alive (tcp.analysis.keep_alive) by its shape. */
static bool probing_zero_window(const struct sf_pkt_view *v)
{
    return v->conn->half[!v->dir].cnt.zero_window_since >= 0;
}

void sf_explain_flag(struct sf_buf *b, unsigned bit, const struct sf_packet *p,
                     const struct sf_pkt_view *v)
{
    const struct sf_conn *c = v->conn;
    const char *me = side(v->dir), *peer = side(!v->dir);
    /* Early in a connection picked up mid-stream, "unseen" data is the
     * capture's start, not the network's doing. */
    bool capture_start = c->started_before_capture && v->conn_packet <= 3;

    switch (1u << bit) {
    case SF_AN_RETRANSMISSION:
        if (v->analysis & (SF_AN_FAST_RETRANSMISSION | SF_AN_SPURIOUS_RETRANSMISSION))
            return;   /* the more precise line follows */
        if ((p->flags & SF_TH_SYN) && !(p->flags & SF_TH_ACK)) {
            /* A SYN carries no data: it is repeated because no SYN+ACK came
             * back before the retransmission timer fired, and the timer
             * doubles at each try (RFC 6298 5.5). */
            const struct sf_half *h = &c->half[v->dir];
            sf_buf_printf(b, sf_tr("SYN sent again (attempt %u, %.3f s after the first SYN): no SYN+ACK came "
                                   "back before the retransmission timeout, which stacks double at each try "
                                   "(RFC 6298: 1 s, then 2 s, 4 s ...); the server is down or filtered, or the "
                                   "SYN or its answer was lost"),
                          h->syn_count, (double)(p->ts_ns - h->syn_ts) / 1e9);
            return;
        }
        if (p->flags & SF_TH_SYN) {
            sf_buf_puts(b, sf_tr("SYN+ACK sent again: the client's ACK of it did not arrive before the "
                                 "server's retransmission timeout (or the client repeated its SYN)"));
            return;
        }
        if (v->original_frame)
            sf_buf_printf(b, sf_tr("retransmission of frame %llu: the %s sent these bytes again because no ACK "
                             "came in time (lost after the capture point, or its ACK was lost)"),
                          (unsigned long long)v->original_frame, me);
        else
            sf_buf_printf(b, sf_tr("retransmission: the %s sends bytes again whose first copy was never "
                             "captured (lost before the capture point)"), me);
        return;
    case SF_AN_FAST_RETRANSMISSION:
        sf_buf_printf(b, sf_tr("fast retransmission: the %s resent at once after the %s's duplicate ACKs "
                         "asked for these bytes (network loss, recovered without a timeout)"), me, peer);
        return;
    case SF_AN_SPURIOUS_RETRANSMISSION:
        sf_buf_printf(b, sf_tr("spurious retransmission: the %s had already acknowledged these bytes; "
                         "the %s resent them anyway (the ACK was late or lost on the way back)"), peer, me);
        return;
    case SF_AN_OUT_OF_ORDER:
        sf_buf_printf(b, sf_tr("out of order: arrived after later bytes of the %s, within one round trip "
                         "(reordering on the path)"), me);
        return;
    case SF_AN_LOST_SEGMENT:
        if (capture_start)
            sf_buf_puts(b, sf_tr("previous segment not captured: the capture began mid-stream (artefact)"));
        else
            sf_buf_printf(b, sf_tr("previous segment not captured: bytes of the %s before this one were never "
                             "seen (lost before the capture point, or dropped by the capture)"), me);
        return;
    case SF_AN_ACK_LOST_SEGMENT:
        if (capture_start || c->half[!v->dir].packets == 0)
            sf_buf_printf(b, sf_tr("ACKed unseen segment: the %s acknowledges bytes the capture never saw; "
                             "the capture began mid-stream or sees one direction only (artefact)"), me);
        else
            sf_buf_printf(b, sf_tr("ACKed unseen segment: the %s acknowledges bytes of the %s that the capture "
                             "missed (the capture dropped packets: an artefact, not network loss)"), me, peer);
        return;
    case SF_AN_DUPLICATE_ACK:
        sf_buf_printf(b, sf_tr("duplicate ACK #%u of frame %llu: the %s still waits for byte %u and asks the %s "
                         "for it again (a segment before it is missing: network loss or reordering)"),
                      v->dup_ack_num, (unsigned long long)v->dup_ack_frame, me, v->rel_ack, peer);
        return;
    case SF_AN_ZERO_WINDOW:
        sf_buf_printf(b, sf_tr("zero window: the %s's receive buffer is full, the %s must stop sending "
                         "(the receiving application is not reading: slow reader)"), me, peer);
        return;
    case SF_AN_ZERO_WINDOW_PROBE:
        sf_buf_printf(b, sf_tr("zero window probe: the %s pushes one byte into the closed window to learn "
                         "when it reopens"), me);
        return;
    case SF_AN_ZERO_WINDOW_PROBE_ACK:
        sf_buf_printf(b, sf_tr("zero window probe ACK: the %s answers the probe; its window is still closed"), me);
        return;
    case SF_AN_WINDOW_FULL:
        sf_buf_printf(b, sf_tr("window full: this segment fills the %s's advertised window; the %s must now "
                         "wait for an ACK (the receiver or its window size limits throughput)"), peer, me);
        return;
    case SF_AN_WINDOW_UPDATE:
        sf_buf_printf(b, sf_tr("window update: the %s only announces a larger window (its application has "
                         "read data)"), me);
        return;
    case SF_AN_KEEP_ALIVE:
        if (probing_zero_window(v))
            sf_buf_printf(b, sf_tr("zero-window probe: the %s advertises a zero window, so the %s sends a "
                                   "segment one byte below the window edge to ask whether it opened (Linux "
                                   "probes this way; Wireshark names the shape keep-alive)"), peer, me);
        else
            sf_buf_printf(b, sf_tr("keep-alive: the %s checks that the idle %s is still there"), me, peer);
        return;
    case SF_AN_KEEP_ALIVE_ACK:
        sf_buf_printf(b, sf_tr("keep-alive ACK: the %s answers: still here"), me);
        return;
    case SF_AN_REUSED_PORTS:
        sf_buf_puts(b, sf_tr("reused ports: a new connection on the addresses and ports of an earlier one "
                       "(a fresh SYN with a new initial sequence number)"));
        return;
    default:
        sf_buf_puts(b, sf_analysis_explain(bit));
        return;
    }
}

/* "MSS 1460, window scale 7 and SACK" from a SYN's options. */
static void offered(struct sf_buf *b, const struct sf_packet *p)
{
    const char *items[4];
    char mss[32], ws[48];
    int n = 0;
    if (p->opt.has_mss) {
        snprintf(mss, sizeof(mss), sf_tr("MSS %u"), p->opt.mss);
        items[n++] = mss;
    }
    if (p->opt.has_wscale) {
        snprintf(ws, sizeof(ws), sf_tr("window scale %u"), p->opt.wscale);
        items[n++] = ws;
    }
    if (p->opt.sack_perm)
        items[n++] = "SACK";
    if (p->opt.has_ts)
        items[n++] = sf_tr("timestamps");
    if (n == 0) {
        sf_buf_puts(b, sf_tr("no TCP options"));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (i > 0)
            sf_buf_puts(b, i == n - 1 ? sf_tr(" and ") : ", ");
        sf_buf_puts(b, items[i]);
    }
}

void sf_explain_packet(struct sf_buf *b, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    const char *me = v->dir == SF_C2S ? sf_tr("client") : sf_tr("server");
    const char *peer = v->dir == SF_C2S ? sf_tr("server") : sf_tr("client");
    struct sf_buf opts;

    switch (v->role) {
    case SF_ROLE_SYN:
        sf_buf_init(&opts, NULL, 256);
        offered(&opts, p);
        sf_buf_printf(b, sf_tr("SYN, client -> server: the client asks to open a connection, "
                               "announces its initial sequence number (%u, shown as 0) and offers %.*s."),
                      p->seq, (int)opts.len, opts.data ? opts.data : "");
        sf_buf_free(&opts);
        return;
    case SF_ROLE_SYN_RETRANS:
        sf_buf_puts(b, sf_tr("SYN again: no SYN+ACK came back in time, so the client repeats its "
                             "request with the same initial sequence number."));
        return;
    case SF_ROLE_SYN_ACK:
        sf_buf_init(&opts, NULL, 256);
        offered(&opts, p);
        sf_buf_printf(b, sf_tr("SYN+ACK, server -> client: the server accepts (it acknowledges the "
                               "client's SYN) and opens its own direction with its initial sequence "
                               "number; it answers with %.*s."),
                      (int)opts.len, opts.data ? opts.data : "");
        sf_buf_free(&opts);
        return;
    case SF_ROLE_SYN_ACK_RETRANS:
        sf_buf_puts(b, sf_tr("SYN+ACK again: the server repeats its answer because the client's "
                             "ACK has not arrived."));
        return;
    case SF_ROLE_HANDSHAKE_ACK:
        sf_buf_puts(b, sf_tr("ACK, client -> server: the client acknowledges the server's SYN. The "
                             "3-way handshake is complete: both directions are open and data can flow."));
        return;
    case SF_ROLE_DATA:
        sf_buf_printf(b, sf_tr("Data, %s -> %s: %u bytes of payload, bytes %u to %u of the %s's stream."),
                      me, peer, p->payload_len, v->rel_seq, v->rel_seq + p->payload_len - 1, me);
        if (v->http) {
            /* Method, URI and reason come from the capture: made safe first. */
            struct sf_buf t;
            sf_buf_init(&t, NULL, 0);
            if (v->http->request) {
                const char *m = v->http->method ? v->http->method : "";
                const char *u = v->http->uri ? v->http->uri : "";
                size_t ml;
                sf_buf_text(&t, m, strlen(m), 32);
                ml = t.len;
                sf_buf_text(&t, u, strlen(u), 120);
                sf_buf_putc(&t, '\0');
                sf_buf_printf(b, sf_tr(" It completes the HTTP request %.*s %s."), (int)ml, t.data,
                              t.data + ml);
            } else {
                const char *r = v->http->reason ? v->http->reason : "";
                sf_buf_text(&t, r, strlen(r), 60);
                sf_buf_putc(&t, '\0');
                sf_buf_printf(b, sf_tr(" It completes the HTTP response %u %s."), v->http->status, t.data);
            }
            sf_buf_free(&t);
        }
        if (v->tls)
            sf_out_tls_explain(b, sf_app_conn_info(v->conn) ? sf_app_conn_info(v->conn)->tls : NULL, v->tls);
        return;
    case SF_ROLE_ACK:
        sf_buf_printf(b, sf_tr("ACK, %s -> %s: the %s confirms it has received every byte before "
                               "byte %u; it sends no data."), me, peer, me, v->rel_ack);
        return;
    case SF_ROLE_WINDOW_UPDATE:
        sf_buf_printf(b, sf_tr("Window update, %s -> %s: the %s only announces that it can receive "
                               "more (window %u); no new data and no new acknowledgement."),
                      me, peer, me, p->win);
        return;
    case SF_ROLE_KEEP_ALIVE:
        if (probing_zero_window(v))
            sf_buf_printf(b, sf_tr("Zero-window probe, %s -> %s: the %s's window is zero, so the %s "
                                   "sends a probe one byte behind the next sequence number; the answer "
                                   "says whether the window has opened."), me, peer, peer, me);
        else
            sf_buf_printf(b, sf_tr("Keep-alive, %s -> %s: a probe one byte behind the next sequence "
                                   "number, to check that the idle %s is still there."), me, peer, peer);
        return;
    case SF_ROLE_FIN_ACTIVE:
        sf_buf_printf(b, sf_tr("FIN, %s -> %s: the %s has no more data to send and starts the close "
                               "(active close); it can still receive."), me, peer, me);
        return;
    case SF_ROLE_FIN_PASSIVE:
        if ((p->flags & SF_TH_ACK) && !v->conn->fin_crossed)
            sf_buf_printf(b, sf_tr("FIN+ACK, %s -> %s: the %s acknowledges the %s's FIN and closes its "
                                   "own direction in the same segment (passive close)."),
                          me, peer, me, peer);
        else
            sf_buf_printf(b, sf_tr("FIN, %s -> %s: the %s closes its own direction too; the two FINs "
                                   "crossed (simultaneous close)."), me, peer, me);
        return;
    case SF_ROLE_FIN_RETRANS:
        sf_buf_printf(b, sf_tr("FIN again: the %s repeats its FIN because no acknowledgement came."), me);
        return;
    case SF_ROLE_ACK_OF_FIN:
        sf_buf_printf(b, sf_tr("ACK, %s -> %s: the %s acknowledges the %s's FIN. Its own direction stays "
                               "open until it sends its FIN."), me, peer, me, peer);
        return;
    case SF_ROLE_LAST_ACK:
        sf_buf_printf(b, sf_tr("Last ACK, %s -> %s: the %s acknowledges the final FIN. The connection "
                               "is closed (the side that closed first waits in TIME_WAIT)."),
                      me, peer, me);
        return;
    case SF_ROLE_RST_REFUSED:
        sf_buf_printf(b, sf_tr("RST, server -> client: nothing listens on port %u, so the server "
                               "refuses the connection."), v->conn->port[SF_S2C]);
        return;
    case SF_ROLE_RST_ABORT:
        sf_buf_printf(b, sf_tr("RST, %s -> %s: the %s tears the connection down at once, without the "
                               "FIN exchange; data still in flight is discarded."), me, peer, me);
        return;
    default:
        sf_buf_puts(b, sf_role_words(v->role));
        return;
    }
}
