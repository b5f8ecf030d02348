/* fields.c - the display filter's fields: one row per field, named as its jsonl key (docs/filter.md). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "filter/fields.h"

/* ---------------------------------------------------------------- values */

static void num(struct sf_fval *o, double v)
{
    o->type = SF_FV_NUM;
    o->num = v;
}

static void boolean(struct sf_fval *o, bool v)
{
    o->type = SF_FV_BOOL;
    o->num = v ? 1 : 0;
}

static void str(struct sf_fval *o, const char *s)
{
    if (!s) {
        o->type = SF_FV_NONE;
        return;
    }
    o->type = SF_FV_STR;
    o->str = s;
    o->len = strlen(s);
}

static void secs(struct sf_fval *o, int64_t ns)
{
    if (ns < 0)
        o->type = SF_FV_NONE;
    else
        num(o, (double)ns / 1e9);
}

static void addr(struct sf_fval *o, const struct sf_addr *a)
{
    if (!inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->a, o->tmp, sizeof(o->tmp))) {
        o->type = SF_FV_NONE;
        return;
    }
    str(o, o->tmp);
}

static void list_add(struct sf_fval *o, const char *s)
{
    o->type = SF_FV_LIST;
    if (o->nlist < SF_FV_LIST_MAX)
        o->list[o->nlist++] = s;
}

/* ---------------------------------------------------------------- packet */

#define PKT_GET(name, body)                                                                       \
    static void name(const struct sf_frec *r, struct sf_fval *o)                                   \
    {                                                                                              \
        const struct sf_packet *p = r->p;                                                          \
        const struct sf_pkt_view *v = r->v;                                                        \
        (void)v;                                                                                   \
        if (!p) {                                                                                  \
            o->type = SF_FV_NONE;                                                                  \
            return;                                                                                \
        }                                                                                          \
        body;                                                                                      \
    }
/* A field of TCP frames only: absent on the others. */
#define TCP_GET(name, body) PKT_GET(name, if (!v) { o->type = SF_FV_NONE; return; } body)

PKT_GET(p_frame, num(o, (double)p->frame))
PKT_GET(p_time, num(o, (double)(p->ts_ns - r->first_ts) / 1e9))
PKT_GET(p_ts, num(o, (double)p->ts_ns / 1e9))
PKT_GET(p_caplen, num(o, p->caplen))
PKT_GET(p_wirelen, num(o, p->wirelen))
PKT_GET(p_truncated, boolean(o, p->truncated))
PKT_GET(p_skip, if (p->skip == SF_SKIP_NONE) o->type = SF_FV_NONE; else str(o, sf_skip_name(p->skip)))
PKT_GET(p_ip, if (p->ip_version) num(o, p->ip_version); else o->type = SF_FV_NONE)
PKT_GET(p_src, if (p->ip_version) addr(o, &p->src); else o->type = SF_FV_NONE)
PKT_GET(p_dst, if (p->ip_version) addr(o, &p->dst); else o->type = SF_FV_NONE)
TCP_GET(p_conn, num(o, (double)v->conn->id))
TCP_GET(p_dir, str(o, v->dir == SF_C2S ? "c2s" : "s2c"))
TCP_GET(p_sport, num(o, p->sport))
TCP_GET(p_dport, num(o, p->dport))
TCP_GET(p_seq, num(o, v->rel_seq))
TCP_GET(p_ack, num(o, v->rel_ack))
TCP_GET(p_len, num(o, p->payload_len))
TCP_GET(p_win, num(o, p->win))
TCP_GET(p_win_scaled, if (v->win_scaled >= 0) num(o, (double)v->win_scaled); else num(o, p->win))
TCP_GET(p_phase, str(o, sf_phase_name(v->phase)))
TCP_GET(p_role, str(o, sf_role_name(v->role)))
TCP_GET(p_ack_rtt, secs(o, v->ack_rtt_ns))
TCP_GET(p_bif, if (v->bytes_in_flight >= 0) num(o, (double)v->bytes_in_flight); else o->type = SF_FV_NONE)
TCP_GET(p_http, boolean(o, v->http != NULL))

static void p_flags(const struct sf_frec *r, struct sf_fval *o)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } names[] = { { SF_TH_SYN, "SYN" }, { SF_TH_ACK, "ACK" }, { SF_TH_PSH, "PSH" }, { SF_TH_FIN, "FIN" },
                  { SF_TH_RST, "RST" }, { SF_TH_URG, "URG" }, { SF_TH_ECE, "ECE" }, { SF_TH_CWR, "CWR" },
                  { SF_TH_AE, "AE" } };
    if (!r->p || !r->v) {
        o->type = SF_FV_NONE;
        return;
    }
    o->type = SF_FV_LIST;   /* present even when no flag is set */
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (r->p->flags & names[i].bit)
            list_add(o, names[i].name);
}

static void p_analysis(const struct sf_frec *r, struct sf_fval *o)
{
    if (!r->p || !r->v) {
        o->type = SF_FV_NONE;
        return;
    }
    o->type = SF_FV_LIST;
    for (unsigned i = 0; i < SF_AN_COUNT_BITS; i++)
        if (r->v->analysis & (1u << i))
            list_add(o, sf_analysis_name(i));
}

/* ------------------------------------------------------------------ conn */

#define CONN_GET(name, body)                                                                      \
    static void name(const struct sf_frec *r, struct sf_fval *o)                                   \
    {                                                                                              \
        const struct sf_conn *c = r->c;                                                            \
        if (!c) {                                                                                  \
            o->type = SF_FV_NONE;                                                                  \
            return;                                                                                \
        }                                                                                          \
        body;                                                                                      \
    }

CONN_GET(c_id, num(o, (double)c->id))
CONN_GET(c_client, addr(o, &c->addr[SF_C2S]))
CONN_GET(c_server, addr(o, &c->addr[SF_S2C]))
CONN_GET(c_client_port, num(o, c->port[SF_C2S]))
CONN_GET(c_server_port, num(o, c->port[SF_S2C]))
CONN_GET(c_client_guess, boolean(o, c->client_guess))
CONN_GET(c_reused, boolean(o, c->reused_ports))
CONN_GET(c_before, boolean(o, c->started_before_capture))
CONN_GET(c_first_frame, num(o, (double)c->first_frame))
CONN_GET(c_last_frame, num(o, (double)c->last_frame))
CONN_GET(c_start, num(o, (double)(c->first_ts - r->first_ts) / 1e9))
CONN_GET(c_duration, num(o, (double)(c->last_ts - c->first_ts) / 1e9))
CONN_GET(c_packets, num(o, (double)c->packets))
CONN_GET(c_bytes, num(o, (double)(c->half[0].payload_bytes + c->half[1].payload_bytes)))
CONN_GET(c_c2s_bytes, num(o, (double)c->half[SF_C2S].payload_bytes))
CONN_GET(c_s2c_bytes, num(o, (double)c->half[SF_S2C].payload_bytes))
CONN_GET(c_hs_complete, boolean(o, c->hs_ack_frame != 0))
CONN_GET(c_irtt, secs(o, c->irtt_ns))
CONN_GET(c_rtt_min, if (c->rtt_count) secs(o, c->rtt_min_ns); else o->type = SF_FV_NONE)
CONN_GET(c_rtt_max, if (c->rtt_count) secs(o, c->rtt_max_ns); else o->type = SF_FV_NONE)
CONN_GET(c_rtt_median, secs(o, sf_analysis_rtt_median(c)))
CONN_GET(c_close, str(o, sf_close_kind_name(c->close_kind)))
CONN_GET(c_close_by, if (c->first_closer < 0) o->type = SF_FV_NONE;
         else str(o, c->first_closer == SF_C2S ? "client" : "server"))
CONN_GET(c_rst_phase, if (c->rst_by < 0) o->type = SF_FV_NONE; else str(o, sf_phase_name(c->rst_phase)))
CONN_GET(c_zeek_state, str(o, sf_zeek_conn_state(c)))
CONN_GET(c_zeek_history, o->type = SF_FV_STR; o->str = c->zeek_history; o->len = c->zeek_history_len)
CONN_GET(c_zeek_missed, num(o, (double)c->zeek_missed_bytes))
CONN_GET(c_end_reason, str(o, sf_end_reason_name(c->end_reason)))
CONN_GET(c_retrans, num(o, (double)(c->half[0].cnt.retrans_segs + c->half[1].cnt.retrans_segs)))
CONN_GET(c_ip_frag, boolean(o, c->half[0].ip_fragmented || c->half[1].ip_fragmented))

/* The tcp.analysis names that occurred on the connection (either way). */
static void c_analysis(const struct sf_frec *r, struct sf_fval *o)
{
    const struct sf_conn *c = r->c;
    const struct sf_an_counts *a, *b;
    if (!c) {
        o->type = SF_FV_NONE;
        return;
    }
    a = &c->half[0].cnt;
    b = &c->half[1].cnt;
    o->type = SF_FV_LIST;
#define ANY(field, name)                                                                           \
    if (a->field || b->field)                                                                      \
        list_add(o, name);
    ANY(retrans_segs, "retransmission")
    ANY(fast_retrans, "fast_retransmission")
    ANY(spurious_retrans, "spurious_retransmission")
    ANY(out_of_order, "out_of_order")
    ANY(lost_segment, "lost_segment")
    ANY(ack_lost_segment, "ack_lost_segment")
    ANY(dup_acks, "duplicate_ack")
    ANY(zero_window, "zero_window")
    ANY(zero_window_probes, "zero_window_probe")
    ANY(window_full, "window_full")
    ANY(keep_alive, "keep_alive")
#undef ANY
    if (c->reused_ports)
        list_add(o, "reused_ports");
}

/* ------------------------------------------------------------------ http */

#define HTTP_GET(name, body)                                                                      \
    static void name(const struct sf_frec *r, struct sf_fval *o)                                   \
    {                                                                                              \
        const struct sf_http_txn *t = r->t;                                                        \
        if (!t) {                                                                                  \
            o->type = SF_FV_NONE;                                                                  \
            return;                                                                                \
        }                                                                                          \
        body;                                                                                      \
    }
#define REQ(body)                                                                                  \
    if (!t->req.present) {                                                                         \
        o->type = SF_FV_NONE;                                                                      \
        return;                                                                                    \
    }                                                                                              \
    body
#define RESP(body)                                                                                 \
    if (!t->resp.present) {                                                                        \
        o->type = SF_FV_NONE;                                                                      \
        return;                                                                                    \
    }                                                                                              \
    body

HTTP_GET(h_n, num(o, t->n))
HTTP_GET(h_method, REQ(str(o, t->method)))
HTTP_GET(h_uri, REQ(str(o, t->uri)))
HTTP_GET(h_host, REQ(str(o, t->host)))
HTTP_GET(h_req_version, REQ(str(o, t->req.version)))
HTTP_GET(h_status, RESP(num(o, t->status)))
HTTP_GET(h_reason, RESP(str(o, t->reason)))
HTTP_GET(h_resp_version, RESP(str(o, t->resp.version)))
HTTP_GET(h_content_type, RESP(str(o, t->resp.content_type)))
HTTP_GET(h_content_encoding, RESP(str(o, t->resp.content_encoding)))
HTTP_GET(h_resp_bytes, RESP(num(o, (double)t->resp.body_bytes)))
HTTP_GET(h_req_bytes, REQ(num(o, (double)t->req.body_bytes)))
HTTP_GET(h_complete, boolean(o, (!t->req.present || t->req.complete) && t->resp.present && t->resp.complete))
HTTP_GET(h_tunnel, if (t->tunnel == SF_HTTP_TUNNEL_NONE) o->type = SF_FV_NONE;
         else str(o, sf_http_tunnel_name(t->tunnel)))
HTTP_GET(h_send, secs(o, t->send_ns))
HTTP_GET(h_wait, secs(o, t->wait_ns))
HTTP_GET(h_receive, secs(o, t->receive_ns))

/* ----------------------------------------------------------------- table */

#define P SF_FSCOPE_PACKET
#define C SF_FSCOPE_CONN
#define H SF_FSCOPE_HTTP

static const struct sf_field fields[] = {
    { "packet.frame", P, SF_FV_NUM, "frame number (frame.number)", p_frame },
    { "packet.time", P, SF_FV_NUM, "seconds since the first frame", p_time },
    { "packet.ts", P, SF_FV_NUM, "capture time, seconds since the epoch", p_ts },
    { "packet.caplen", P, SF_FV_NUM, "bytes captured", p_caplen },
    { "packet.wirelen", P, SF_FV_NUM, "bytes on the wire", p_wirelen },
    { "packet.truncated", P, SF_FV_BOOL, "cut by the snapshot length", p_truncated },
    { "packet.skip", P, SF_FV_STR, "why a frame was not analysed as TCP (absent on TCP frames)", p_skip },
    { "packet.ip", P, SF_FV_NUM, "IP version, 4 or 6", p_ip },
    { "packet.src", P, SF_FV_STR, "source address", p_src },
    { "packet.dst", P, SF_FV_STR, "destination address", p_dst },
    { "packet.conn", P, SF_FV_NUM, "connection number (tcp.stream)", p_conn },
    { "packet.dir", P, SF_FV_STR, "c2s or s2c", p_dir },
    { "packet.sport", P, SF_FV_NUM, "source port", p_sport },
    { "packet.dport", P, SF_FV_NUM, "destination port", p_dport },
    { "packet.flags", P, SF_FV_LIST, "TCP flags: SYN ACK PSH FIN RST URG ECE CWR AE", p_flags },
    { "packet.seq", P, SF_FV_NUM, "relative sequence number (tcp.seq)", p_seq },
    { "packet.ack", P, SF_FV_NUM, "relative acknowledgement number (tcp.ack)", p_ack },
    { "packet.len", P, SF_FV_NUM, "TCP payload bytes (tcp.len)", p_len },
    { "packet.win", P, SF_FV_NUM, "raw window field", p_win },
    { "packet.win_scaled", P, SF_FV_NUM, "window after scaling (tcp.window_size)", p_win_scaled },
    { "packet.phase", P, SF_FV_STR, "connect, data or close", p_phase },
    { "packet.role", P, SF_FV_STR, "the packet's role (docs/roles.md)", p_role },
    { "packet.analysis", P, SF_FV_LIST, "tcp.analysis flags of the frame", p_analysis },
    { "packet.ack_rtt", P, SF_FV_NUM, "seconds to the segment this ACK acknowledges", p_ack_rtt },
    { "packet.bytes_in_flight", P, SF_FV_NUM, "tcp.analysis.bytes_in_flight", p_bif },
    { "packet.http", P, SF_FV_BOOL, "the frame completed an HTTP message", p_http },

    { "conn.id", C, SF_FV_NUM, "connection number (tcp.stream)", c_id },
    { "conn.client", C, SF_FV_STR, "client address", c_client },
    { "conn.server", C, SF_FV_STR, "server address", c_server },
    { "conn.client_port", C, SF_FV_NUM, "client port", c_client_port },
    { "conn.server_port", C, SF_FV_NUM, "server port", c_server_port },
    { "conn.client_guess", C, SF_FV_BOOL, "no SYN seen: the client is a guess", c_client_guess },
    { "conn.reused_ports", C, SF_FV_BOOL, "a new connection on an earlier one's ports", c_reused },
    { "conn.started_before_capture", C, SF_FV_BOOL, "the first packet was not a SYN", c_before },
    { "conn.first_frame", C, SF_FV_NUM, "first frame", c_first_frame },
    { "conn.last_frame", C, SF_FV_NUM, "last frame", c_last_frame },
    { "conn.start", C, SF_FV_NUM, "seconds from the first frame of the capture", c_start },
    { "conn.duration", C, SF_FV_NUM, "seconds from its first to its last packet", c_duration },
    { "conn.packets", C, SF_FV_NUM, "packets", c_packets },
    { "conn.bytes", C, SF_FV_NUM, "TCP payload bytes, both ways", c_bytes },
    { "conn.data.c2s.bytes", C, SF_FV_NUM, "client's payload bytes", c_c2s_bytes },
    { "conn.data.s2c.bytes", C, SF_FV_NUM, "server's payload bytes", c_s2c_bytes },
    { "conn.handshake.complete", C, SF_FV_BOOL, "the 3-way handshake was seen to complete", c_hs_complete },
    { "conn.handshake.irtt", C, SF_FV_NUM, "initial RTT in seconds (tcp.analysis.initial_rtt)", c_irtt },
    { "conn.irtt", C, SF_FV_NUM, "= conn.handshake.irtt", c_irtt },
    { "conn.rtt.min", C, SF_FV_NUM, "smallest ACK RTT, seconds", c_rtt_min },
    { "conn.rtt.median", C, SF_FV_NUM, "median ACK RTT, seconds", c_rtt_median },
    { "conn.rtt.max", C, SF_FV_NUM, "largest ACK RTT, seconds", c_rtt_max },
    { "conn.close.kind", C, SF_FV_STR, "how it ended (docs/roles.md)", c_close },
    { "conn.close", C, SF_FV_STR, "= conn.close.kind", c_close },
    { "conn.close.by", C, SF_FV_STR, "client or server: who closed or reset first", c_close_by },
    { "conn.close.rst_phase", C, SF_FV_STR, "phase of the first RST", c_rst_phase },
    { "conn.zeek.conn_state", C, SF_FV_STR, "Zeek's conn_state (SF, S0, REJ, RSTO ...)", c_zeek_state },
    { "conn.zeek.state", C, SF_FV_STR, "= conn.zeek.conn_state", c_zeek_state },
    { "conn.zeek.history", C, SF_FV_STR, "Zeek's history letters", c_zeek_history },
    { "conn.zeek.missed_bytes", C, SF_FV_NUM, "Zeek's missed_bytes", c_zeek_missed },
    { "conn.end_reason", C, SF_FV_STR, "closed, idle, port_reuse, evicted, end_of_input, syn_timeout, memcap",
      c_end_reason },
    { "conn.analysis", C, SF_FV_LIST, "tcp.analysis flags that occurred on the connection", c_analysis },
    { "conn.retransmissions", C, SF_FV_NUM, "retransmitted segments, both ways", c_retrans },
    { "conn.ip_fragmentation", C, SF_FV_BOOL, "a segment came in IP fragments", c_ip_frag },

    { "http.n", H, SF_FV_NUM, "transaction number in its connection", h_n },
    { "http.method", H, SF_FV_STR, "request method", h_method },
    { "http.uri", H, SF_FV_STR, "request URI", h_uri },
    { "http.host", H, SF_FV_STR, "Host header", h_host },
    { "http.request.version", H, SF_FV_STR, "request version (1.1)", h_req_version },
    { "http.status", H, SF_FV_NUM, "final response status", h_status },
    { "http.reason", H, SF_FV_STR, "response reason phrase", h_reason },
    { "http.response.version", H, SF_FV_STR, "response version", h_resp_version },
    { "http.content_type", H, SF_FV_STR, "response Content-Type", h_content_type },
    { "http.content_encoding", H, SF_FV_STR, "response Content-Encoding", h_content_encoding },
    { "http.request.body_bytes", H, SF_FV_NUM, "request body bytes (de-chunked)", h_req_bytes },
    { "http.response.body_bytes", H, SF_FV_NUM, "response body bytes (de-chunked)", h_resp_bytes },
    { "http.complete", H, SF_FV_BOOL, "request (when seen) and response both complete", h_complete },
    { "http.tunnel", H, SF_FV_STR, "websocket, h2c, upgrade, connect", h_tunnel },
    { "http.timings.send", H, SF_FV_NUM, "seconds", h_send },
    { "http.timings.wait", H, SF_FV_NUM, "seconds: request end to first response byte", h_wait },
    { "http.timings.receive", H, SF_FV_NUM, "seconds", h_receive },
};

#undef P
#undef C
#undef H

const struct sf_field *sf_field_find(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (strlen(fields[i].name) == n && memcmp(fields[i].name, s, n) == 0)
            return &fields[i];
    return NULL;
}

const struct sf_field *sf_field_at(size_t i)
{
    return i < sizeof(fields) / sizeof(fields[0]) ? &fields[i] : NULL;
}
