/* jsonl.c - JSON lines, schema v1 (docs/jsonl.md): packet, conn and summary records. */
#include <stdlib.h>
#include <string.h>

#include "format/diag_out.h"
#include "format/json.h"
#include "synfin/app.h"
#include "synfin/http2.h"
#include "format/format.h"
#include "synfin/socks.h"
#include "format/tls_out.h"
#include "synfin/tls.h"

struct jsonl_out {
    struct sf_out_opts opts;
    struct sf_buf out;
    bool have_first;
    int64_t first_ts;
};

static void kv_addr(struct sf_buf *b, const char *k, const struct sf_addr *a)
{
    key(b, k);
    sf_buf_putc(b, '"');
    sf_buf_addr(b, a->a, a->family);
    sf_buf_putc(b, '"');
}

/* "tunnel": the layers around the inner flow, outermost first; the key is
 * absent for a plain packet or connection (docs/jsonl.md). */
static void tunnels(struct sf_buf *b, uint8_t n, const struct sf_tunnel *t)
{
    if (n == 0)
        return;
    key(b, "tunnel");
    sf_buf_putc(b, '[');
    for (uint8_t i = 0; i < n && i < SF_MAX_TUNNELS; i++) {
        const char *idn = sf_tunnel_id_name((enum sf_tunnel_type)t[i].type);
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, "{\"type\":");
        sf_buf_puts(b, "\"");
        sf_buf_puts(b, sf_tunnel_name((enum sf_tunnel_type)t[i].type));
        sf_buf_puts(b, "\"");
        kv_addr(b, "src", &t[i].src);
        kv_addr(b, "dst", &t[i].dst);
        if (t[i].udp) {
            kv_u64(b, "sport", t[i].sport);
            kv_u64(b, "dport", t[i].dport);
        }
        if (t[i].has_id && idn)
            kv_u64(b, idn, t[i].id);
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, ']');
}

static void flags_array(struct sf_buf *b, uint16_t f)
{
    static const struct { uint16_t bit; const char *name; } order[] = {
        { SF_TH_SYN, "\"SYN\"" }, { SF_TH_ACK, "\"ACK\"" }, { SF_TH_PSH, "\"PSH\"" },
        { SF_TH_FIN, "\"FIN\"" }, { SF_TH_RST, "\"RST\"" }, { SF_TH_URG, "\"URG\"" },
        { SF_TH_ECE, "\"ECE\"" }, { SF_TH_CWR, "\"CWR\"" }, { SF_TH_AE, "\"AE\"" },
    };
    bool first = true;
    sf_buf_putc(b, '[');
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(f & order[i].bit))
            continue;
        if (!first)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, order[i].name);
        first = false;
    }
    sf_buf_putc(b, ']');
}

/* SACK blocks relative to the peer's base, as tcp.options.sack_le/_re; the
 * first block is a D-SACK (RFC 2883: it reports a duplicate) when it lies
 * below the cumulative ACK or inside the second block. */
static void sack_blocks(struct sf_buf *b, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    uint32_t base = v->conn->half[!v->dir].base_seq;
    const uint32_t(*s)[2] = p->opt.sack;
    bool dsack = false;
    key(b, "sack");
    sf_buf_putc(b, '[');
    for (unsigned i = 0; i < p->opt.sack_count && i < 4; i++) {
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_putc(b, '[');
        sf_buf_u64(b, (uint32_t)(s[i][0] - base));
        sf_buf_putc(b, ',');
        sf_buf_u64(b, (uint32_t)(s[i][1] - base));
        sf_buf_putc(b, ']');
    }
    sf_buf_putc(b, ']');
    if ((p->flags & SF_TH_ACK) && (int32_t)(s[0][1] - p->ack) <= 0)
        dsack = true;
    else if (p->opt.sack_count > 1 && (int32_t)(s[0][0] - s[1][0]) >= 0 && (int32_t)(s[0][1] - s[1][1]) <= 0)
        dsack = true;
    if (dsack) {
        key(b, "dsack");
        sf_buf_putc(b, '[');
        sf_buf_u64(b, (uint32_t)(s[0][0] - base));
        sf_buf_putc(b, ',');
        sf_buf_u64(b, (uint32_t)(s[0][1] - base));
        sf_buf_putc(b, ']');
    }
}

/* --packet-keys on a frame that is no connection's: what it has of the store keys. */
static void skipped_keys(struct sf_buf *b, const struct sf_store_opts *s, const struct sf_packet *p)
{
    const char *file = sf_store_file(s, p->input);
    kv_str(b, "capture_id", s->capture_id ? s->capture_id : "");
    key(b, "file");
    if (file)
        sf_buf_json_str(b, file, strlen(file));
    else
        sf_buf_puts(b, "null");
    key(b, "ts_ns");
    sf_buf_i64(b, p->ts_ns);
}

static void packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct jsonl_out *j = ctx;
    struct sf_buf *b = &j->out;

    if (!j->have_first) {
        j->have_first = true;
        j->first_ts = p->ts_ns;
    }
    if (j->opts.conns && (!v || !sf_out_selected(&j->opts, v->conn->id)))
        return;
    sf_buf_puts(b, "{\"type\":\"packet\",\"frame\":");
    sf_buf_u64(b, p->frame);
    key(b, "time");
    sf_buf_secs(b, p->ts_ns - j->first_ts, 9);
    key(b, "ts");
    sf_buf_secs(b, p->ts_ns, 9);
    kv_u64(b, "caplen", p->caplen);
    kv_u64(b, "wirelen", p->wirelen);
    if (p->truncated)
        kv_bool(b, "truncated", true);
    if (p->ip_len_bad)
        kv_bool(b, "ip_len_bad", true);
    if (!v) {
        kv_str(b, "skip", sf_skip_name(p->skip));
        if (j->opts.store.packet_keys)
            skipped_keys(b, &j->opts.store, p);
        sf_buf_puts(b, "}\n");
        return;
    }
    kv_u64(b, "conn", v->conn->id);
    if (j->opts.store.packet_keys) {
        sf_store_json_keys(b, &j->opts.store, v->conn, p->input);
        key(b, "ts_ns");
        sf_buf_i64(b, p->ts_ns);
    }
    kv_str(b, "dir", v->dir == SF_C2S ? "c2s" : "s2c");
    kv_u64(b, "ip", p->ip_version);
    kv_addr(b, "src", &p->src);
    kv_u64(b, "sport", p->sport);
    kv_addr(b, "dst", &p->dst);
    kv_u64(b, "dport", p->dport);
    tunnels(b, p->tunnel_count, p->tunnel);
    key(b, "flags");
    flags_array(b, p->flags);
    if (v->ace >= 0)
        kv_u64(b, "ace", (uint64_t)v->ace);
    kv_u64(b, "seq", v->rel_seq);
    kv_u64(b, "ack", v->rel_ack);
    kv_u64(b, "len", p->payload_len);
    kv_u64(b, "nxtseq", v->rel_nxtseq);
    kv_u64(b, "win", p->win);
    kv_str(b, "phase", sf_phase_name(v->phase));
    kv_str(b, "role", sf_role_name(v->role));
    key(b, "analysis");
    sf_buf_putc(b, '[');
    for (unsigned i = 0, first = 1; i < SF_AN_COUNT_BITS; i++) {
        if (!(v->analysis & (1u << i)))
            continue;
        if (!first)
            sf_buf_putc(b, ',');
        sf_buf_putc(b, '"');
        sf_buf_puts(b, sf_analysis_name(i));
        sf_buf_putc(b, '"');
        first = 0;
    }
    sf_buf_putc(b, ']');
    if (v->dup_ack_num) {
        kv_u64(b, "dup_ack_num", v->dup_ack_num);
        kv_u64(b, "dup_ack_frame", v->dup_ack_frame);
    }
    if (v->acked_frame) {
        kv_u64(b, "acks_frame", v->acked_frame);
        key(b, "ack_rtt");
        sf_buf_secs(b, v->ack_rtt_ns, 9);
        if (v->ack_ambiguous)
            kv_bool(b, "ack_ambiguous", true);
    }
    if (v->bytes_in_flight >= 0)
        kv_u64(b, "bytes_in_flight", (uint64_t)v->bytes_in_flight);
    key(b, "win_scaled");
    if (v->win_scaled >= 0)
        sf_buf_u64(b, (uint64_t)v->win_scaled);
    else
        sf_buf_puts(b, "null");
    /* tcp.window_size_scalefactor: -1 unknown (no handshake seen), -2 no
     * scaling, else the multiplier. */
    key(b, "win_scale_factor");
    if (v->win_scale < 0)
        sf_buf_i64(b, v->win_scale);
    else
        sf_buf_u64(b, 1u << v->win_scale);
    if (p->flags & SF_TH_SYN) {
        key(b, "opts");
        sf_buf_putc(b, '{');
        sf_buf_puts(b, "\"mss\":");
        if (p->opt.has_mss)
            sf_buf_u64(b, p->opt.mss);
        else
            sf_buf_puts(b, "null");
        sf_buf_puts(b, ",\"wscale\":");
        if (p->opt.has_wscale)
            sf_buf_u64(b, p->opt.wscale);
        else
            sf_buf_puts(b, "null");
        kv_bool(b, "sack_perm", p->opt.sack_perm);
        kv_bool(b, "ts", p->opt.has_ts);
        sf_buf_putc(b, '}');
    }
    if (p->opt.has_ts) {
        kv_u64(b, "tsval", p->opt.tsval);
        kv_u64(b, "tsecr", p->opt.tsecr);
    }
    if (p->opt.sack_count)
        sack_blocks(b, p, v);
    if (p->ip_reassembled) {
        kv_u64(b, "ip_fragments", p->ip_frag_count);
        kv_u64(b, "ip_first_fragment_frame", p->ip_first_frag_frame);
    }
    if (v->http)
        sf_out_http_label_json(b, v->http);
    if (v->tls)
        sf_out_tls_pkt_json(b, v->tls);
    sf_buf_puts(b, "}\n");
}

/* {"type":"http"} records (docs/jsonl.md), before their conn record. */
static void http_txn(void *ctx, const struct sf_http_txn *t)
{
    struct jsonl_out *j = ctx;
    if (!sf_out_selected(&j->opts, t->conn_id))
        return;
    sf_out_http_json(&j->out, t, j->first_ts, &j->opts.store);
}

static void syn_opts(struct sf_buf *b, const char *k, const struct sf_syn_opts *o)
{
    key(b, k);
    if (!o->seen) {
        sf_buf_puts(b, "null");
        return;
    }
    sf_buf_puts(b, "{\"mss\":");
    if (o->has_mss)
        sf_buf_u64(b, o->mss);
    else
        sf_buf_puts(b, "null");
    sf_buf_puts(b, ",\"wscale\":");
    if (o->has_wscale)
        sf_buf_u64(b, o->wscale);
    else
        sf_buf_puts(b, "null");
    kv_bool(b, "sack_perm", o->sack_perm);
    kv_bool(b, "ts", o->has_ts);
    kv_u64(b, "win", o->win);
    sf_buf_putc(b, '}');
}

static void half_data(struct sf_buf *b, const char *k, const struct sf_half *h)
{
    key(b, k);
    sf_buf_puts(b, "{\"packets\":");
    sf_buf_u64(b, h->packets);
    kv_u64(b, "bytes", h->payload_bytes);
    kv_u64(b, "wire_bytes", h->wire_bytes);
    kv_u64(b, "segments", h->data_segments);
    kv_u64(b, "max_segment", h->max_segment);
    kv_u64(b, "max_frame", h->max_frame);
    kv_u64(b, "ip_fragmented", h->ip_fragmented);
    sf_buf_putc(b, '}');
}

static void frame_or_null(struct sf_buf *b, const char *k, uint64_t f)
{
    key(b, k);
    if (f)
        sf_buf_u64(b, f);
    else
        sf_buf_puts(b, "null");
}

static void secs_or_null(struct sf_buf *b, const char *k, int64_t ns)
{
    key(b, k);
    if (ns >= 0)
        sf_buf_secs(b, ns, 9);
    else
        sf_buf_puts(b, "null");
}

static void half_counts(struct sf_buf *b, const struct sf_an_counts *n)
{
    sf_buf_puts(b, "{\"retransmissions\":");
    sf_buf_u64(b, n->retrans_segs);
    kv_u64(b, "retransmitted_bytes", n->retrans_bytes);
    kv_u64(b, "fast_retransmissions", n->fast_retrans);
    kv_u64(b, "spurious_retransmissions", n->spurious_retrans);
    kv_u64(b, "out_of_order", n->out_of_order);
    kv_u64(b, "lost_segments", n->lost_segment);
    kv_u64(b, "ack_lost_segments", n->ack_lost_segment);
    kv_u64(b, "dup_acks", n->dup_acks);
    kv_u64(b, "zero_windows", n->zero_window);
    kv_u64(b, "zero_window_probes", n->zero_window_probes);
    kv_u64(b, "zero_window_episodes", n->zero_window_episodes);
    secs_or_null(b, "zero_window_time", n->zero_window_ns);
    kv_u64(b, "window_full", n->window_full);
    kv_u64(b, "keep_alives", n->keep_alive);
    sf_buf_putc(b, '}');
}

/* Per-connection analysis facts: counters, RTT, and Zeek's view. */
static void analysis_counts(struct sf_buf *b, const struct sf_conn *c)
{
    key(b, "analysis");
    sf_buf_puts(b, "{\"c2s\":");
    half_counts(b, &c->half[SF_C2S].cnt);
    sf_buf_puts(b, ",\"s2c\":");
    half_counts(b, &c->half[SF_S2C].cnt);
    sf_buf_putc(b, '}');
    key(b, "rtt");
    sf_buf_puts(b, "{\"samples\":");
    sf_buf_u64(b, c->rtt_count);
    secs_or_null(b, "min", c->rtt_count ? c->rtt_min_ns : -1);
    secs_or_null(b, "median", sf_analysis_rtt_median(c));
    secs_or_null(b, "max", c->rtt_count ? c->rtt_max_ns : -1);
    secs_or_null(b, "client_side", c->rtt_client_side_n
                 ? c->rtt_client_side_sum / (int64_t)c->rtt_client_side_n : -1);
    secs_or_null(b, "server_side", c->rtt_server_side_n
                 ? c->rtt_server_side_sum / (int64_t)c->rtt_server_side_n : -1);
    secs_or_null(b, "handshake_client_side", c->hs_client_side_ns);
    secs_or_null(b, "handshake_server_side", c->hs_server_side_ns);
    sf_buf_putc(b, '}');
    key(b, "zeek");
    sf_buf_puts(b, "{\"conn_state\":\"");
    sf_buf_puts(b, sf_zeek_conn_state(c));
    sf_buf_puts(b, "\",\"history\":");
    sf_buf_json_str(b, c->zeek_history, c->zeek_history_len);
    kv_u64(b, "missed_bytes", c->zeek_missed_bytes);
    sf_buf_putc(b, '}');
}

static const char *side_name(int dir)
{
    return dir == 0 ? "client" : "server";
}

/* The connection-level facts of HTTP/2 (docs/jsonl.md): the SETTINGS
 * exchange, PINGs, GOAWAYs, WINDOW_UPDATEs and flow-control stalls. */
static void h2_setup(struct sf_buf *b, const struct sf_h2_info *h)
{
    key(b, "settings");
    sf_buf_putc(b, '{');
    for (int dir = 0; dir < 2; dir++) {
        const struct sf_h2_settings *st = &h->settings[dir];
        if (dir)
            sf_buf_putc(b, ',');
        sf_buf_putc(b, '"');
        sf_buf_puts(b, side_name(dir));
        sf_buf_puts(b, "\":");
        if (!st->frame) {
            sf_buf_puts(b, "null");
            continue;
        }
        sf_buf_puts(b, "{\"frame\":");
        sf_buf_u64(b, st->frame);
        frame_or_null(b, "ack_frame", st->ack_frame);
        key(b, "values");
        sf_buf_putc(b, '{');
        for (uint8_t i = 0; i < st->n; i++) {
            const char *name = sf_h2_setting_name(st->id[i]);
            if (i)
                sf_buf_putc(b, ',');
            if (name)
                sf_buf_printf(b, "\"%s\":%u", name, st->value[i]);
            else
                sf_buf_printf(b, "\"0x%04x\":%u", st->id[i], st->value[i]);
        }
        sf_buf_puts(b, "}}");
    }
    sf_buf_putc(b, '}');
    kv_u64(b, "client_settings_frames", h->settings_frames[0]);
    kv_u64(b, "server_settings_frames", h->settings_frames[1]);
    kv_u64(b, "pings", h->npings);
    key(b, "ping_rtts");
    sf_buf_putc(b, '[');
    for (uint32_t i = 0; i < h->npings && i < SF_H2_MAX_PINGS; i++) {
        const struct sf_h2_ping *pg = &h->pings[i];
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, "{\"by\":\"");
        sf_buf_puts(b, side_name(pg->by));
        sf_buf_puts(b, "\",\"frame\":");
        sf_buf_u64(b, pg->frame);
        frame_or_null(b, "ack_frame", pg->ack_frame);
        key(b, "rtt");
        if (pg->rtt_ns >= 0)
            sf_buf_secs(b, pg->rtt_ns, 9);
        else
            sf_buf_puts(b, "null");
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, ']');
    key(b, "goaway");
    sf_buf_putc(b, '[');
    for (int dir = 0, n = 0; dir < 2; dir++) {
        const struct sf_h2_goaway *g = &h->goaways[dir];
        const char *err;
        if (!g->frame)
            continue;
        if (n++)
            sf_buf_putc(b, ',');
        err = sf_h2_error_name(g->error);
        sf_buf_puts(b, "{\"by\":\"");
        sf_buf_puts(b, side_name(dir));
        sf_buf_puts(b, "\",\"frame\":");
        sf_buf_u64(b, g->frame);
        kv_u64(b, "last_stream", g->last_stream);
        kv_u64(b, "error_code", g->error);
        key(b, "error");
        if (err)
            sf_buf_printf(b, "\"%s\"", err);
        else
            sf_buf_puts(b, "null");
        key(b, "debug");
        sf_buf_json_str(b, g->debug, strlen(g->debug));
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, ']');
    kv_u64(b, "client_window_updates", h->window_updates[0]);
    kv_u64(b, "server_window_updates", h->window_updates[1]);
    kv_u64(b, "flow_control_stalls", h->nstalls);
    key(b, "stalls");
    sf_buf_putc(b, '[');
    for (uint32_t i = 0; i < h->nstalls && i < SF_H2_MAX_STALLS; i++) {
        const struct sf_h2_stall *st = &h->stalls[i];
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, "{\"stream\":");
        sf_buf_u64(b, st->stream);
        sf_buf_puts(b, ",\"sender\":\"");
        sf_buf_puts(b, side_name(st->dir));
        sf_buf_puts(b, "\",\"blocked_frame\":");
        sf_buf_u64(b, st->blocked_frame);
        kv_u64(b, "update_frame", st->update_frame);
        kv_u64(b, "resume_frame", st->resume_frame);
        key(b, "wait");
        sf_buf_secs(b, st->wait_ns, 9);
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, ']');
}

/* "http2": what the HTTP/2 layer counted on the connection (absent when none ran). */
static void h2_facts(struct sf_buf *b, const struct sf_conn *c)
{
    static const char *const types[10] = {
        "DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
        "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION",
    };
    const struct sf_app_info *ai = sf_app_conn_info(c);
    const struct sf_h2_info *h;
    if (!ai || !ai->h2)
        return;
    h = ai->h2;
    sf_buf_puts(b, ",\"http2\":{\"frames\":{\"client\":");
    sf_buf_u64(b, h->frames[0]);
    kv_u64(b, "server", h->frames[1]);
    sf_buf_puts(b, "},\"types\":{");
    for (int i = 0, n = 0; i < 10; i++) {
        if (!h->by_type[i])
            continue;
        if (n++)
            sf_buf_putc(b, ',');
        sf_buf_putc(b, '"');
        sf_buf_puts(b, types[i]);
        sf_buf_puts(b, "\":");
        sf_buf_u64(b, h->by_type[i]);
    }
    sf_buf_putc(b, '}');
    kv_u64(b, "unknown_frames", h->unknown_frames);
    kv_u64(b, "oversize_frames", h->oversize_frames);
    kv_u64(b, "bad_frames", h->bad_frames);
    kv_u64(b, "streams", h->streams);
    kv_u64(b, "client_resets", h->resets[0]);
    kv_u64(b, "server_resets", h->resets[1]);
    kv_bool(b, "client_goaway", h->goaway[0]);
    kv_bool(b, "server_goaway", h->goaway[1]);
    kv_bool(b, "client_hpack_unknown", h->hpack_unknown[0]);
    kv_bool(b, "server_hpack_unknown", h->hpack_unknown[1]);
    kv_bool(b, "upgraded", h->upgraded);
    h2_setup(b, h);
    sf_buf_putc(b, '}');
}

static void kv_hex16(struct sf_buf *b, const char *k, uint16_t v)
{
    key(b, k);
    sf_buf_printf(b, "\"0x%04x\"", v);
}

/* The conn record's "socks" object (docs/jsonl.md): the SOCKS handshake
 * read at the start of the connection (absent when none). */
static void socks_object(struct sf_buf *b, const struct sf_socks_info *x)
{
    key(b, "socks");
    sf_buf_puts(b, "{\"version\":");
    sf_buf_u64(b, x->version);
    kv_bool(b, "socks4a", x->v4a);
    key(b, "command");
    if (x->command) {
        sf_buf_putc(b, '"');
        sf_buf_puts(b, sf_socks_command_name(x->command));
        sf_buf_putc(b, '"');
    } else {
        sf_buf_puts(b, "null");
    }
    key(b, "target_host");
    if (x->host[0])
        sf_buf_json_str(b, x->host, strlen(x->host));
    else
        sf_buf_puts(b, "null");
    key(b, "target_addr");
    if (x->addr[0])
        sf_buf_json_str(b, x->addr, strlen(x->addr));
    else
        sf_buf_puts(b, "null");
    kv_u64(b, "target_port", x->port);
    key(b, "user");
    if (x->user[0])
        sf_buf_json_str(b, x->user, strlen(x->user));
    else
        sf_buf_puts(b, "null");
    key(b, "method");
    if (x->method >= 0)
        sf_buf_u64(b, (uint64_t)x->method);
    else
        sf_buf_puts(b, "null");
    key(b, "auth_status");
    if (x->auth_status >= 0)
        sf_buf_u64(b, (uint64_t)x->auth_status);
    else
        sf_buf_puts(b, "null");
    key(b, "reply");
    if (x->reply >= 0) {
        sf_buf_putc(b, '"');
        sf_buf_puts(b, sf_socks_reply_name(x->version, x->reply));
        sf_buf_putc(b, '"');
    } else {
        sf_buf_puts(b, "null");
    }
    frame_or_null(b, "request_frame", x->request_frame);
    frame_or_null(b, "reply_frame", x->reply_frame);
    kv_bool(b, "established", x->established);
    key(b, "anomaly");
    if (x->anomaly)
        sf_buf_json_str(b, x->anomaly, strlen(x->anomaly));
    else
        sf_buf_puts(b, "null");
    sf_buf_putc(b, '}');
}

/* A hello's list of code points as hex strings; "<k>_total" follows
 * when the list was longer than what is kept. */
static void tls_list(struct sf_buf *b, const char *k, const struct sf_tls_list *l)
{
    key(b, k);
    sf_buf_putc(b, '[');
    for (uint16_t i = 0; i < l->n; i++)
        sf_buf_printf(b, "%s\"0x%04x\"", i ? "," : "", l->v[i]);
    sf_buf_putc(b, ']');
    if (l->total > l->n) {
        char tk[48];
        snprintf(tk, sizeof(tk), "%s_total", k);
        kv_u64(b, tk, l->total);
    }
}

static void str_or_null(struct sf_buf *b, const char *k, const char *v)
{
    key(b, k);
    if (v[0])
        sf_buf_json_str(b, v, strlen(v));
    else
        sf_buf_puts(b, "null");
}

static void tls_chain(struct sf_buf *b, const char *k, const struct sf_tls_chain *ch)
{
    key(b, k);
    sf_buf_putc(b, '[');
    for (uint8_t i = 0; i < ch->n; i++) {
        const struct sf_tls_cert *c = &ch->cert[i];
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, "{\"frame\":");
        sf_buf_u64(b, c->frame);
        kv_u64(b, "length", c->der_len);
        str_or_null(b, "sha256", c->sha256);
        kv_bool(b, "parsed", c->parsed);
        if (c->parsed) {
            str_or_null(b, "subject", c->subject);
            str_or_null(b, "issuer", c->issuer);
            str_or_null(b, "serial", c->serial);
            key(b, "san");
            sf_buf_putc(b, '[');
            for (const char *s = c->san; *s;) {
                const char *e = strchr(s, ',');
                size_t n = e ? (size_t)(e - s) : strlen(s);
                if (s != c->san)
                    sf_buf_putc(b, ',');
                sf_buf_json_str(b, s, n);
                s += n + (e ? 1 : 0);
            }
            sf_buf_putc(b, ']');
            if (c->san_cut)
                kv_bool(b, "san_cut", true);
            str_or_null(b, "not_before", c->not_before);
            str_or_null(b, "not_after", c->not_after);
            str_or_null(b, "key_type", c->key_type);
            kv_u64(b, "key_bits", c->key_bits);
            str_or_null(b, "signature_algorithm", c->sig_alg);
        }
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, ']');
    {
        char tk[48];
        snprintf(tk, sizeof(tk), "%s_frame", k);
        kv_u64(b, tk, ch->frame);
        if (ch->total > ch->n) {
            snprintf(tk, sizeof(tk), "%s_total", k);
            kv_u64(b, tk, ch->total);
        }
    }
    if (ch->malformed) {
        char tk[48];
        snprintf(tk, sizeof(tk), "%s_malformed", k);
        kv_bool(b, tk, true);
    }
}

/* The "decryption" member of the "tls" object: present once secrets were
 * given (--keylog, a Decryption Secrets Block). */
static void tls_decryption(struct sf_buf *b, const struct sf_tls_decrypt_info *d)
{
    static const char *const names[] = { "none", "no_key", "decrypted", "failed", "unsupported_cipher" };
    if (d->status == SF_TLS_DEC_NONE || (unsigned)d->status >= sizeof(names) / sizeof(names[0]))
        return;
    key(b, "decryption");
    sf_buf_puts(b, "{\"status\":\"");
    sf_buf_puts(b, names[d->status]);
    sf_buf_putc(b, '"');
    kv_u64(b, "c2s_records", d->records[0]);
    kv_u64(b, "s2c_records", d->records[1]);
    kv_u64(b, "c2s_plaintext_bytes", d->plaintext[0]);
    kv_u64(b, "s2c_plaintext_bytes", d->plaintext[1]);
    kv_u64(b, "key_updates", d->key_updates);
    for (int dir = 0; dir < 2; dir++) {
        key(b, dir == 0 ? "c2s_handshake" : "s2c_handshake");
        sf_buf_putc(b, '[');
        for (uint8_t i = 0; i < d->n_hs_types[dir]; i++) {
            if (i)
                sf_buf_putc(b, ',');
            sf_buf_u64(b, d->hs_types[dir][i]);
        }
        sf_buf_putc(b, ']');
    }
    key(b, "failed_dir");
    if (d->status == SF_TLS_DEC_FAILED && d->fail_record) {
        sf_buf_puts(b, d->fail_dir == 0 ? "\"c2s\"" : "\"s2c\"");
        kv_u64(b, "failed_record", d->fail_record);
        kv_u64(b, "failed_frame", d->fail_frame);
    } else {
        sf_buf_puts(b, "null");
    }
    sf_buf_putc(b, '}');
}

/* The conn record's "tls" object (docs/jsonl.md): what the TLS record
 * layer read without keys. */
static void tls_object(struct sf_buf *b, const struct sf_tls_info *t)
{
    key(b, "tls");
    sf_buf_puts(b, "{\"client_hello\":");
    sf_buf_puts(b, t->client_hello ? "true" : "false");
    kv_bool(b, "sslv2_client_hello", t->sslv2_hello);
    kv_bool(b, "server_hello", t->server_hello);
    kv_bool(b, "hello_retry_request", t->hrr);
    if (t->client_hello)
        kv_hex16(b, "client_version", t->client_version);
    if (t->server_hello) {
        kv_hex16(b, "version", t->version);
        kv_hex16(b, "cipher_suite", t->cipher_suite);
    }
    key(b, "sni");
    if (t->sni[0])
        sf_buf_json_str(b, t->sni, strlen(t->sni));
    else
        sf_buf_puts(b, "null");
    key(b, "alpn_offered");
    sf_buf_json_str(b, t->alpn_offered, strlen(t->alpn_offered));
    key(b, "alpn");
    sf_buf_json_str(b, t->alpn, strlen(t->alpn));
    if (t->client_hello && !t->sslv2_hello) {
        tls_list(b, "cipher_suites_offered", &t->suites);
        tls_list(b, "extensions", &t->exts);
        tls_list(b, "versions_offered", &t->versions);
        tls_list(b, "groups_offered", &t->groups);
        tls_list(b, "key_shares_offered", &t->key_shares);
        tls_list(b, "signature_algorithms", &t->sig_algs);
        kv_u64(b, "session_id_length", t->session_id_len);
        kv_bool(b, "session_ticket_offered", t->session_ticket);
        kv_bool(b, "psk_offered", t->psk_offered);
        kv_bool(b, "early_data_offered", t->early_data_offered);
    }
    if (t->server_hello || t->hrr) {
        tls_list(b, "server_extensions", &t->server_exts);
        if (t->key_share_group && t->server_hello)
            kv_hex16(b, "key_share_group", t->key_share_group);
        if (t->hrr_group)
            kv_hex16(b, "hrr_group", t->hrr_group);
        kv_bool(b, "resumed", t->resumed);
    }
    str_or_null(b, "ja3", t->ja3);
    str_or_null(b, "ja3_full", t->ja3_full);
    if (t->ja3_full_cut)
        kv_bool(b, "ja3_full_cut", true);
    str_or_null(b, "ja4", t->ja4);
    str_or_null(b, "ja3s", t->ja3s);
    str_or_null(b, "ja3s_full", t->ja3s_full);
    if (t->ja3s_full_cut)
        kv_bool(b, "ja3s_full_cut", true);
    key(b, "tls_handshake");
    if (t->hs_start_frame) {
        sf_buf_puts(b, "{\"start_frame\":");
        sf_buf_u64(b, t->hs_start_frame);
        kv_bool(b, "complete", t->hs_done_frame != 0);
        if (t->hs_done_frame) {
            kv_u64(b, "end_frame", t->hs_done_frame);
            key(b, "duration");
            sf_buf_secs(b, t->hs_done_ts - t->hs_start_ts, 9);
            kv_u64(b, "round_trips", t->round_trips);
            kv_bool(b, "end_inferred", t->hs_inferred);
        }
        sf_buf_putc(b, '}');
    } else {
        sf_buf_puts(b, "null");
    }
    kv_str(b, "close", sf_tls_close_verdict(t));
    kv_str(b, "client_close", sf_tls_close_name((enum sf_tls_close)t->close[0]));
    kv_str(b, "server_close", sf_tls_close_name((enum sf_tls_close)t->close[1]));
    kv_u64(b, "c2s_records", t->records[0]);
    kv_u64(b, "s2c_records", t->records[1]);
    kv_u64(b, "alerts", t->alerts);
    key(b, "alert_list");
    sf_buf_putc(b, '[');
    for (uint8_t i = 0; i < t->nalert; i++) {
        const struct sf_tls_alert *a = &t->alert[i];
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, "{\"frame\":");
        sf_buf_u64(b, a->frame);
        kv_str(b, "by", a->dir ? "server" : "client");
        kv_bool(b, "encrypted", a->encrypted);
        if (!a->encrypted) {
            const char *nm = sf_tls_alert_name(a->desc);
            kv_str(b, "level", a->level == 1 ? "warning" : a->level == 2 ? "fatal" : "unknown");
            kv_u64(b, "code", a->desc);
            key(b, "description");
            if (nm)
                sf_buf_json_str(b, nm, strlen(nm));
            else
                sf_buf_puts(b, "null");
        }
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, ']');
    if (t->chain[1])
        tls_chain(b, "server_certificates", t->chain[1]);
    if (t->chain[0])
        tls_chain(b, "client_certificates", t->chain[0]);
    kv_bool(b, "client_close_notify", t->close_notify[0]);
    kv_bool(b, "server_close_notify", t->close_notify[1]);
    key(b, "anomaly");
    if (t->anomaly) {
        sf_buf_json_str(b, t->anomaly, strlen(t->anomaly));
        kv_u64(b, "anomaly_frame", t->anomaly_frame);
    } else {
        sf_buf_puts(b, "null");
    }
    tls_decryption(b, &t->dec);
    sf_buf_putc(b, '}');
}

static void conn_end(void *ctx, const struct sf_conn *c)
{
    struct jsonl_out *j = ctx;
    struct sf_buf *b = &j->out;
    const struct sf_half *cl = &c->half[SF_C2S], *sv = &c->half[SF_S2C];
    uint64_t frames[6];
    int n;

    if (!sf_out_selected(&j->opts, c->id))
        return;
    sf_buf_puts(b, "{\"type\":\"conn\",\"conn\":");
    sf_buf_u64(b, c->id);
    sf_store_json_keys(b, &j->opts.store, c, c->first_input);
    key(b, "ts_ns");   /* the first and the last packet, epoch nanoseconds */
    sf_buf_i64(b, c->first_ts);
    key(b, "end_ns");
    sf_buf_i64(b, c->last_ts);
    kv_addr(b, "client", &c->addr[SF_C2S]);
    kv_u64(b, "client_port", c->port[SF_C2S]);
    kv_addr(b, "server", &c->addr[SF_S2C]);
    kv_u64(b, "server_port", c->port[SF_S2C]);
    tunnels(b, c->tunnel_count, c->tunnel);
    kv_bool(b, "client_guess", c->client_guess);
    if (c->client_guess) {
        key(b, "guess_reason");
        sf_buf_json_str(b, c->guess_reason, strlen(c->guess_reason));
    }
    kv_bool(b, "reused_ports", c->reused_ports);
    kv_bool(b, "started_before_capture", c->started_before_capture);
    kv_u64(b, "first_frame", c->first_frame);
    kv_u64(b, "last_frame", c->last_frame);
    key(b, "ts");   /* absolute time of the first packet, as the packet records' ts */
    sf_buf_secs(b, c->first_ts, 9);
    key(b, "start");
    sf_buf_secs(b, c->first_ts - j->first_ts, 9);
    key(b, "duration");
    sf_buf_secs(b, c->last_ts - c->first_ts, 9);
    kv_u64(b, "packets", c->packets);

    key(b, "handshake");
    sf_buf_puts(b, "{\"complete\":");
    sf_buf_puts(b, c->hs_ack_frame ? "true" : "false");
    frame_or_null(b, "syn_frame", cl->syn_count ? cl->syn_frame : 0);
    frame_or_null(b, "syn_ack_frame", sv->syn_count ? sv->syn_frame : 0);
    frame_or_null(b, "ack_frame", c->hs_ack_frame);
    kv_u64(b, "syn_retransmissions", cl->syn_count > 1 ? cl->syn_count - 1 : 0);
    kv_u64(b, "syn_ack_retransmissions", sv->syn_count > 1 ? sv->syn_count - 1 : 0);
    key(b, "irtt");
    if (c->irtt_ns >= 0)
        sf_buf_secs(b, c->irtt_ns, 9);
    else
        sf_buf_puts(b, "null");
    syn_opts(b, "client", &cl->opts);
    syn_opts(b, "server", &sv->opts);
    if (cl->opts.seen && sv->opts.seen) {
        key(b, "agreed");
        sf_buf_puts(b, "{\"wscale\":");
        sf_buf_puts(b, cl->opts.has_wscale && sv->opts.has_wscale ? "true" : "false");
        kv_bool(b, "sack", cl->opts.sack_perm && sv->opts.sack_perm);
        kv_bool(b, "ts", cl->opts.has_ts && sv->opts.has_ts);
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, '}');

    key(b, "data");
    sf_buf_puts(b, "{\"ip_fragmentation\":");
    sf_buf_puts(b, cl->ip_fragmented + sv->ip_fragmented ? "true" : "false");
    half_data(b, "c2s", cl);
    half_data(b, "s2c", sv);
    sf_buf_putc(b, '}');

    key(b, "close");
    sf_buf_puts(b, "{\"kind\":\"");
    sf_buf_puts(b, sf_close_kind_name(c->close_kind));
    sf_buf_putc(b, '"');
    key(b, "by");
    if (c->close_kind == SF_CLOSE_RST_ABORT)
        sf_buf_puts(b, c->rst_by == SF_S2C ? "\"server\"" : "\"client\"");
    else if (c->first_closer >= 0 && c->close_kind != SF_CLOSE_OPEN)
        sf_buf_puts(b, c->first_closer == SF_S2C ? "\"server\"" : "\"client\"");
    else
        sf_buf_puts(b, "null");
    if (c->rst_by >= 0)
        kv_str(b, "rst_phase", sf_phase_name(c->rst_phase));
    key(b, "frames");
    sf_buf_putc(b, '[');
    n = sf_out_close_frames(c, frames);
    for (int i = 0; i < n; i++) {
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_u64(b, frames[i]);
    }
    sf_buf_putc(b, ']');
    frame_or_null(b, "client_fin_frame", cl->fin_seen ? cl->fin_frame : 0);
    frame_or_null(b, "server_fin_frame", sv->fin_seen ? sv->fin_frame : 0);
    frame_or_null(b, "last_ack_frame", c->last_ack_frame);
    frame_or_null(b, "client_rst_frame", cl->rst_seen ? cl->rst_frame : 0);
    frame_or_null(b, "server_rst_frame", sv->rst_seen ? sv->rst_frame : 0);
    sf_buf_putc(b, '}');
    analysis_counts(b, c);
    {
        const struct sf_app_info *ai = sf_app_conn_info(c);
        if (ai && ai->socks)
            socks_object(b, ai->socks);
        if (ai && ai->tls)
            tls_object(b, ai->tls);
    }
    kv_str(b, "end_reason", sf_end_reason_name(c->end_reason));
    h2_facts(b, c);
    {
        /* Where the connection's time went, and why (docs/diagnosis.md). */
        struct sf_time_split sp;
        struct sf_diag_finding f[SF_DIAG_FINDINGS_MAX];
        unsigned nf;
        sf_diag_conn_split(c, &sp);
        sf_out_time_split_json(b, &sp, false);
        nf = sf_diag_conn_findings(c, f, SF_DIAG_FINDINGS_MAX);
        sf_out_diagnosis_json(b, f, nf);
    }
    sf_buf_puts(b, "}\n");
}

static void finish(void *ctx, const struct sf_run_end *end)
{
    struct jsonl_out *j = ctx;
    struct sf_buf *b = &j->out;
    const struct sf_totals *t = end->totals;
    uint64_t skipped = 0;

    for (int i = 1; i < SF_SKIP_COUNT; i++)
        skipped += t->skipped[i];
    sf_buf_puts(b, "{\"type\":\"summary\",\"frames\":");
    sf_buf_u64(b, t->frames);
    kv_u64(b, "tcp", t->tcp);
    kv_u64(b, "skipped", skipped);
    kv_u64(b, "filtered", t->filtered);
    if (end->display_filter) {
        key(b, "display_filter");
        sf_buf_json_str(b, end->display_filter, strlen(end->display_filter));
        kv_u64(b, "displayed", end->displayed);
    }
    key(b, "skip_reasons");
    sf_buf_putc(b, '{');
    for (int i = 1, first = 1; i < SF_SKIP_COUNT; i++) {
        if (!t->skipped[i])
            continue;
        if (!first)
            sf_buf_putc(b, ',');
        sf_buf_printf(b, "\"%s\":%llu", sf_skip_name((enum sf_skip)i),
                      (unsigned long long)t->skipped[i]);
        first = 0;
    }
    sf_buf_putc(b, '}');
    kv_u64(b, "truncated", t->truncated);
    kv_u64(b, "conns", t->conns);
    kv_u64(b, "ip_fragments", end->frag ? end->frag->fragments : 0);
    kv_u64(b, "ip_reassembled", end->frag ? end->frag->completed : 0);
    kv_u64(b, "ip_incomplete", end->frag_pending);
    if (end->reader_warnings)   /* only when there are some: older records stay byte-identical */
        kv_u64(b, "reader_warnings", end->reader_warnings);
    /* Connections written before they were done, and the account of every
     * connection by how it closed (again only when some ended early). */
    if (t->ended[SF_END_SYN_TIMEOUT] || t->ended[SF_END_MEMCAP] || t->ended[SF_END_EVICTED]) {
        sf_buf_puts(b, ",\"ended_early\":{\"syn_timeout\":");
        sf_buf_u64(b, t->ended[SF_END_SYN_TIMEOUT]);
        kv_u64(b, "memcap", t->ended[SF_END_MEMCAP]);
        kv_u64(b, "max_conns", t->ended[SF_END_EVICTED]);
        sf_buf_puts(b, "},\"close_kinds\":{");
        for (int i = 0, n = 0; i < SF_CLOSE_COUNT; i++) {
            if (!t->close_kinds[i])
                continue;
            if (n++)
                sf_buf_putc(b, ',');
            sf_buf_printf(b, "\"%s\":%llu", sf_close_kind_name((enum sf_close_kind)i),
                          (unsigned long long)t->close_kinds[i]);
        }
        sf_buf_putc(b, '}');
        kv_u64(b, "attempts_max", t->attempts_max);
        kv_u64(b, "mem_peak", t->mem_peak);
        kv_u64(b, "memcap", t->memcap);
    }
    if (end->capture_iface) {
        key(b, "capture");
        sf_buf_puts(b, "{\"interface\":");
        sf_buf_json_str(b, end->capture_iface, strlen(end->capture_iface));
        if (end->capture_stats) {
            kv_u64(b, "received", end->capture_received);
            kv_u64(b, "kernel_drop", end->capture_dropped);
            kv_u64(b, "if_drop", end->capture_ifdropped);
        }
        sf_buf_putc(b, '}');
    }
    key(b, "read_error");
    if (end->read_error)
        sf_buf_json_str(b, end->read_error, strlen(end->read_error));
    else
        sf_buf_puts(b, "null");
    sf_buf_puts(b, "}\n");
    sf_buf_flush(b);
}

static void flush_out(void *ctx)
{
    struct jsonl_out *j = ctx;
    sf_buf_flush(&j->out);
}

static void destroy(void *ctx)
{
    struct jsonl_out *j = ctx;
    sf_buf_flush(&j->out);
    sf_buf_free(&j->out);
    free(j);
}

int sf_out_jsonl_new(struct sf_output *o, const struct sf_out_opts *opts)
{
    struct jsonl_out *j = calloc(1, sizeof(*j));
    if (!j)
        return -1;
    j->opts = *opts;
    sf_buf_init(&j->out, opts->out, 0);
    o->ctx = j;
    o->packet = packet;
    o->conn_end = conn_end;
    o->finish = finish;
    o->flush = flush_out;
    o->destroy = destroy;
    o->http = http_txn;
    return 0;
}
