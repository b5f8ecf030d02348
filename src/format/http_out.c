/* http_out.c - HTTP transaction writers shared by the formats: the JSON record, packet labels, text lines. */
#include <string.h>
#include <strings.h>

#include "format/json.h"
#include "util/utf8.h"
#include "format/diag_out.h"
#include "format/format.h"


/* Returns the bytes that were not UTF-8 (written as U+FFFD). */
static size_t str_or_null(struct sf_buf *b, const char *s)
{
    if (s)
        return sf_buf_json_str(b, s, strlen(s));
    sf_buf_put(b, "null", 4);
    return 0;
}

static size_t kv_sz(struct sf_buf *b, const char *k, const char *s)
{
    key(b, k);
    return str_or_null(b, s);
}

/* A message whose strings held bytes that are not UTF-8 says so (their
 * values show U+FFFD in their place). */
static void mark_invalid(struct sf_buf *b, size_t bad)
{
    if (bad)
        sf_buf_puts(b, ",\"invalid_utf8\":true");
}

static void frame_or_null(struct sf_buf *b, uint64_t f)
{
    if (f)
        sf_buf_u64(b, f);
    else
        sf_buf_put(b, "null", 4);
}
#define kv_frame(b, k, f) (key(b, k), frame_or_null((b), (f)))

static void secs_or_null(struct sf_buf *b, int64_t ns)
{
    if (ns >= 0)
        sf_buf_secs(b, ns, 9);
    else
        sf_buf_put(b, "null", 4);
}
#define kv_secs(b, k, ns) (key(b, k), secs_or_null((b), (ns)))

/* The header named `name` (case-insensitive), first occurrence; NULL when absent. */
static const char *header(const struct sf_http_msg *m, const char *name)
{
    for (uint32_t i = 0; i < m->nheaders; i++)
        if (m->headers[i].name && strcasecmp(m->headers[i].name, name) == 0)
            return m->headers[i].value;
    return NULL;
}

/* Every header line as sent, in order: [["Host","example.org"], ...]. */
static size_t header_list(struct sf_buf *b, const struct sf_http_msg *m)
{
    size_t bad = 0;
    key(b, "headers");
    sf_buf_putc(b, '[');
    for (uint32_t i = 0; i < m->nheaders; i++) {
        const char *n = m->headers[i].name ? m->headers[i].name : "";
        const char *v = m->headers[i].value ? m->headers[i].value : "";
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_putc(b, '[');
        bad += sf_buf_json_str(b, n, strlen(n));
        sf_buf_putc(b, ',');
        bad += sf_buf_json_str(b, v, strlen(v));
        sf_buf_putc(b, ']');
    }
    sf_buf_putc(b, ']');
    return bad;
}

/* The fields both messages share. */
static size_t msg_common(struct sf_buf *b, const struct sf_http_msg *m, int64_t first_ts)
{
    size_t bad = 0;
    kv_frame(b, "frame", m->frame);
    kv_frame(b, "first_frame", m->first_frame);
    kv_frame(b, "last_frame", m->last_data_frame);
    kv_frame(b, "head_frame", m->head_frame);
    kv_u64(b, "frames", m->frames);
    kv_u64(b, "retransmissions", m->retransmissions);
    key(b, "complete");
    sf_buf_puts(b, m->complete ? "true" : "false");
    key(b, "time");
    sf_buf_secs(b, m->first_ts - first_ts, 9);
    kv_u64(b, "header_bytes", m->header_bytes);
    key(b, "framing");
    sf_buf_putc(b, '"');
    sf_buf_puts(b, sf_http_framing_name(m->framing));
    sf_buf_putc(b, '"');
    kv_u64(b, "body_wire_bytes", m->body_wire_bytes);
    kv_u64(b, "body_bytes", m->body_bytes);
    kv_u64(b, "body_decoded_bytes", m->body_decoded_bytes);
    bad += kv_sz(b, "content_type", m->content_type);
    bad += kv_sz(b, "content_encoding", m->content_encoding);
    key(b, "decode");
    sf_buf_putc(b, '"');
    sf_buf_puts(b, sf_http_decode_name(m->decode));
    sf_buf_putc(b, '"');
    kv_u64(b, "gaps", m->gaps);
    kv_u64(b, "gap_bytes", m->gap_bytes);
    if (m->anomalies) {
        /* Only when the head deviated from RFC 9112 (docs/http.md). */
        bool first = true;
        key(b, "anomalies");
        sf_buf_putc(b, '[');
        for (unsigned i = 0; i < SF_HTTP_ANOM_COUNT; i++) {
            if (!(m->anomalies & (1u << i)))
                continue;
            if (!first)
                sf_buf_putc(b, ',');
            first = false;
            sf_buf_putc(b, '"');
            sf_buf_puts(b, sf_http_anomaly_name(i));
            sf_buf_putc(b, '"');
        }
        sf_buf_putc(b, ']');
    }
    if (m->headers)
        bad += header_list(b, m);
    return bad;
}

/* The transaction's first and last byte, epoch nanoseconds (-1: none). */
void sf_out_http_span(const struct sf_http_txn *t, int64_t *ts, int64_t *end)
{
    *ts = t->req.present ? t->req.first_ts : t->resp.present ? t->resp.first_ts : -1;
    *end = -1;
    if (t->req.present)
        *end = t->req.last_ts;
    if (t->resp.present && t->resp.last_ts > *end)
        *end = t->resp.last_ts;
}

void sf_out_http_json(struct sf_buf *b, const struct sf_http_txn *t, int64_t first_ts,
                      const struct sf_store_opts *s)
{
    sf_buf_puts(b, "{\"type\":\"http\",\"conn\":");
    sf_buf_u64(b, t->conn_id);
    kv_u64(b, "n", t->n);
    if (s && t->conn) {
        int64_t ts, end;
        sf_store_json_keys(b, s, t->conn, t->conn->first_input);
        sf_out_http_span(t, &ts, &end);
        key(b, "ts_ns");
        if (t->req.present || t->resp.present)
            sf_buf_i64(b, ts);
        else
            sf_buf_puts(b, "null");
        key(b, "end_ns");
        if (t->req.present || t->resp.present)
            sf_buf_i64(b, end);
        else
            sf_buf_puts(b, "null");
    }
    if (t->stream) {
        /* HTTP/2: the stream, and how it ended when not by END_STREAM. */
        sf_buf_puts(b, ",\"version\":\"HTTP/2\"");
        kv_u64(b, "stream", t->stream);
        if (t->pushed)
            sf_buf_puts(b, ",\"pushed\":true");
        if (t->reset) {
            sf_buf_puts(b, ",\"rst_stream\":{\"code\":");
            sf_buf_u64(b, t->rst_code);
            sf_buf_puts(b, t->rst_by == 0 ? ",\"by\":\"client\"}" : ",\"by\":\"server\"}");
        }
    }
    /* Absolute time of the transaction's first byte (its request, else its response). */
    key(b, "ts");
    if (t->req.present)
        sf_buf_secs(b, t->req.first_ts, 9);
    else if (t->resp.present)
        sf_buf_secs(b, t->resp.first_ts, 9);
    else
        sf_buf_puts(b, "null");
    key(b, "request");
    if (t->req.present) {
        size_t bad;
        sf_buf_puts(b, "{\"method\":");
        bad = sf_buf_json_str(b, t->method ? t->method : "", t->method ? strlen(t->method) : 0);
        bad += kv_sz(b, "uri", t->uri);
        bad += kv_sz(b, "version", t->req.version);
        bad += kv_sz(b, "host", t->host);
        if (t->req.headers) {
            /* Zeek's http.log names. */
            bad += kv_sz(b, "user_agent", header(&t->req, "user-agent"));
            bad += kv_sz(b, "referrer", header(&t->req, "referer"));
        }
        bad += msg_common(b, &t->req, first_ts);
        mark_invalid(b, bad);
        sf_buf_putc(b, '}');
    } else {
        sf_buf_puts(b, "null");
    }
    key(b, "response");
    if (t->resp.present) {
        size_t bad;
        sf_buf_puts(b, "{\"status\":");
        sf_buf_u64(b, t->status);
        bad = kv_sz(b, "reason", t->reason);
        bad += kv_sz(b, "version", t->resp.version);
        bad += msg_common(b, &t->resp, first_ts);
        mark_invalid(b, bad);
        key(b, "interim");
        sf_buf_putc(b, '[');
        for (uint32_t i = 0; i < t->ninterim; i++) {
            if (i)
                sf_buf_putc(b, ',');
            sf_buf_puts(b, "{\"status\":");
            sf_buf_u64(b, t->interim[i].status);
            kv_u64(b, "frame", t->interim[i].frame);
            sf_buf_putc(b, '}');
        }
        sf_buf_puts(b, "]}");
    } else {
        sf_buf_puts(b, "null");
    }
    key(b, "tunnel");
    if (t->tunnel != SF_HTTP_TUNNEL_NONE) {
        sf_buf_putc(b, '"');
        sf_buf_puts(b, sf_http_tunnel_name(t->tunnel));
        sf_buf_putc(b, '"');
    } else {
        sf_buf_puts(b, "null");
    }
    key(b, "timings");
    sf_buf_putc(b, '{');
    sf_buf_puts(b, "\"connect\":");
    if (t->connect_ns >= 0)
        sf_buf_secs(b, t->connect_ns, 9);
    else
        sf_buf_puts(b, "null");
    kv_secs(b, "send", t->send_ns);
    kv_secs(b, "wait", t->wait_ns);
    kv_secs(b, "receive", t->receive_ns);
    kv_frame(b, "client_ack_frame", t->client_ack_frame);
    kv_secs(b, "client_ack", t->client_ack_ts >= 0 && t->resp.present && t->resp.frames
                                 ? t->client_ack_ts - t->resp.last_ts : -1);
    sf_buf_putc(b, '}');
    {
        /* Where its time went, and why (docs/diagnosis.md). */
        struct sf_time_split sp;
        struct sf_diag_finding f[SF_DIAG_FINDINGS_MAX];
        unsigned n;
        sf_diag_txn_split(t, &sp);
        sf_out_time_split_json(b, &sp, true);
        n = sf_diag_txn_findings(t, f, SF_DIAG_FINDINGS_MAX);
        sf_out_diagnosis_json(b, f, n);
    }
    sf_buf_puts(b, "}\n");
}

void sf_out_http_label_json(struct sf_buf *b, const struct sf_http_label *l)
{
    sf_buf_puts(b, ",\"http\":{");
    if (l->request) {
        sf_buf_puts(b, "\"method\":");
        sf_buf_json_str(b, l->method ? l->method : "", l->method ? strlen(l->method) : 0);
        sf_buf_puts(b, ",\"uri\":");
        sf_buf_json_str(b, l->uri ? l->uri : "", l->uri ? strlen(l->uri) : 0);
    } else {
        sf_buf_puts(b, "\"status\":");
        sf_buf_u64(b, l->status);
    }
    if (l->more)
        kv_u64(b, "more", l->more);
    sf_buf_putc(b, '}');
}

/* Text of a value from the capture: valid UTF-8, no control bytes, capped. */
static void text_safe(struct sf_buf *b, const char *s, size_t cap)
{
    sf_buf_text(b, s ? s : "", s ? strlen(s) : 0, cap);
}

void sf_out_http_label_text(struct sf_buf *b, const struct sf_http_label *l)
{
    sf_buf_puts(b, "  HTTP ");
    if (l->request) {
        text_safe(b, l->method, 32);
        sf_buf_putc(b, ' ');
        text_safe(b, l->uri, 120);
        if (l->frames > 1)
            sf_buf_printf(b, " (request complete: %u segments)", l->frames);
    } else {
        sf_buf_printf(b, "%u", l->status);
        if (l->reason && l->reason[0]) {
            sf_buf_putc(b, ' ');
            text_safe(b, l->reason, 60);
        }
        if (l->frames > 1)
            sf_buf_printf(b, " (response complete: %u segments)", l->frames);
    }
    if (l->more)
        sf_buf_printf(b, " (+%u more message%s)", l->more, l->more > 1 ? "s" : "");
}

static void ms(struct sf_buf *b, const char *name, int64_t ns)
{
    if (ns < 0)
        return;
    sf_buf_printf(b, " %s ", name);
    sf_buf_secs(b, ns * 1000, 3);   /* ms = (ns * 1000) / 1e9, 3 decimals */
    sf_buf_puts(b, " ms");
}

void sf_out_http_txn_text(struct sf_buf *b, const struct sf_http_txn *t, const char *indent)
{
    sf_buf_printf(b, "%s#%u ", indent, t->n);
    if (t->req.present) {
        text_safe(b, t->method, 32);
        sf_buf_putc(b, ' ');
        text_safe(b, t->uri, 120);
        sf_buf_printf(b, " (frame %llu", (unsigned long long)t->req.first_frame);
        if (t->req.frames > 1)
            sf_buf_printf(b, "-%llu, %u segments", (unsigned long long)t->req.last_data_frame, t->req.frames);
        sf_buf_putc(b, ')');
    } else {
        sf_buf_puts(b, "(request not captured)");
    }
    sf_buf_puts(b, " -> ");
    if (t->resp.present) {
        for (uint32_t i = 0; i < t->ninterim; i++)
            sf_buf_printf(b, "%u (frame %llu), ", t->interim[i].status, (unsigned long long)t->interim[i].frame);
        sf_buf_printf(b, "%u ", t->status);
        text_safe(b, t->reason, 60);
        sf_buf_printf(b, " (frame %llu", (unsigned long long)t->resp.first_frame);
        if (t->resp.frames > 1)
            sf_buf_printf(b, "-%llu, %u segments", (unsigned long long)t->resp.last_data_frame, t->resp.frames);
        sf_buf_printf(b, "), body %llu bytes", (unsigned long long)t->resp.body_bytes);
        if (t->resp.decode == SF_HTTP_DECODE_OK || t->resp.decode == SF_HTTP_DECODE_CAPPED)
            sf_buf_printf(b, " (%s, %llu decoded)", t->resp.content_encoding ? t->resp.content_encoding : "",
                          (unsigned long long)t->resp.body_decoded_bytes);
        else if (t->resp.decode == SF_HTTP_DECODE_ERROR)
            sf_buf_puts(b, " (decoding failed)");
        if (!t->resp.complete)
            sf_buf_puts(b, ", incomplete");
        if (t->resp.gaps)
            sf_buf_printf(b, ", %llu bytes missing", (unsigned long long)t->resp.gap_bytes);
    } else {
        sf_buf_puts(b, "no response");
    }
    if (t->tunnel != SF_HTTP_TUNNEL_NONE)
        sf_buf_printf(b, "; tunnel (%s)", sf_http_tunnel_name(t->tunnel));
    sf_buf_putc(b, '\n');
    if (t->send_ns >= 0 || t->wait_ns >= 0 || t->receive_ns >= 0 || t->connect_ns >= 0) {
        sf_buf_printf(b, "%s   timings:", indent);
        ms(b, "connect", t->connect_ns);
        ms(b, "send", t->send_ns);
        ms(b, "wait", t->wait_ns);
        ms(b, "receive", t->receive_ns);
        if (t->client_ack_frame)
            sf_buf_printf(b, "; the client acknowledged the last byte in frame %llu",
                          (unsigned long long)t->client_ack_frame);
        sf_buf_putc(b, '\n');
    }
}
