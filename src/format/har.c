/* har.c - -F har: every HTTP transaction as an entry of a HAR 1.2 log (http://www.softwareishard.com/blog/har-12-spec/). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "format/format.h"
#include "synfin/app.h"
#include "synfin/tls.h"

struct har_out {
    struct sf_out_opts opts;
    struct sf_out_http_opts ho;
    struct sf_buf out;
    uint64_t entries;
};

static void jstr(struct sf_buf *b, const char *s)
{
    sf_buf_json_str(b, s ? s : "", s ? strlen(s) : 0);
}

static void jstrn(struct sf_buf *b, const char *s, size_t n)
{
    sf_buf_json_str(b, s, n);
}

/* HAR times are milliseconds (fractions allowed); -1 = not applicable. */
static void ms(struct sf_buf *b, int64_t ns)
{
    if (ns < 0) {
        sf_buf_puts(b, "-1");
        return;
    }
    sf_buf_secs(b, ns * 1000, 3);
}

static void iso_time(struct sf_buf *b, int64_t ns)
{
    time_t secs = (time_t)(ns / 1000000000);
    long frac = (long)(ns % 1000000000);
    struct tm tm;
    char tmp[40];
    if (frac < 0) {
        frac += 1000000000;
        secs--;
    }
    if (!gmtime_r(&secs, &tm) || strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        sf_buf_puts(b, "\"1970-01-01T00:00:00.000Z\"");
        return;
    }
    sf_buf_printf(b, "\"%s.%06ldZ\"", tmp, frac / 1000);
}

static const char *find(const struct sf_http_msg *m, const char *name)
{
    for (uint32_t i = 0; i < m->nheaders; i++) {
        const char *n = m->headers[i].name;
        size_t k = 0;
        if (!n)
            continue;
        while (n[k] && name[k] && (n[k] | 0x20) == (name[k] | 0x20))
            k++;
        if (!n[k] && !name[k])
            return m->headers[i].value;
    }
    return NULL;
}

static void headers(struct sf_buf *b, const struct sf_http_msg *m)
{
    sf_buf_puts(b, "\"headers\":[");
    for (uint32_t i = 0; i < m->nheaders; i++) {
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, "{\"name\":");
        jstr(b, m->headers[i].name);
        sf_buf_puts(b, ",\"value\":");
        jstr(b, m->headers[i].value);
        sf_buf_putc(b, '}');
    }
    sf_buf_putc(b, ']');
}

/* name=value pairs split on `sep` (cookies: ';', query: '&'). */
static void pairs(struct sf_buf *b, const char *s, size_t n, char sep, bool first_only_per_item)
{
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t a, e, eq;
        while (i < n && (s[i] == ' ' || s[i] == sep))
            i++;
        a = i;
        while (i < n && s[i] != sep)
            i++;
        e = i;
        if (e == a)
            continue;
        eq = a;
        while (eq < e && s[eq] != '=')
            eq++;
        if (!first)
            sf_buf_putc(b, ',');
        first = false;
        sf_buf_puts(b, "{\"name\":");
        jstrn(b, s + a, eq - a);
        sf_buf_puts(b, ",\"value\":");
        jstrn(b, eq < e ? s + eq + 1 : s + e, eq < e ? e - eq - 1 : 0);
        sf_buf_putc(b, '}');
        if (first_only_per_item)
            break;
    }
}

static void cookies(struct sf_buf *b, const struct sf_http_msg *m, bool response)
{
    bool first = true;
    sf_buf_puts(b, "\"cookies\":[");
    for (uint32_t i = 0; i < m->nheaders; i++) {
        const struct sf_http_hdr *h = &m->headers[i];
        size_t nl;
        if (!h->name || !h->value)
            continue;
        nl = strlen(h->name);
        if (!(response ? (nl == 10 && strncasecmp(h->name, "set-cookie", 10) == 0)
                       : (nl == 6 && strncasecmp(h->name, "cookie", 6) == 0)))
            continue;
        if (!first)
            sf_buf_putc(b, ',');
        first = false;
        /* Set-Cookie: only the first pair is the cookie; the rest are attributes. */
        pairs(b, h->value, strlen(h->value), ';', response);
        if (b->len && b->data[b->len - 1] == ',')
            sf_buf_truncate(b, b->len - 1);
    }
    sf_buf_putc(b, ']');
}

static void base64(struct sf_buf *b, const uint8_t *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    sf_buf_putc(b, '"');
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        sf_buf_putc(b, tab[(v >> 18) & 63]);
        sf_buf_putc(b, tab[(v >> 12) & 63]);
        sf_buf_putc(b, i + 1 < n ? tab[(v >> 6) & 63] : '=');
        sf_buf_putc(b, i + 2 < n ? tab[v & 63] : '=');
    }
    sf_buf_putc(b, '"');
}

static void url(struct sf_buf *b, const struct sf_http_txn *t)
{
    struct sf_buf u;
    sf_buf_init(&u, NULL, 16384);
    if (t->uri && (strncmp(t->uri, "http://", 7) == 0 || strncmp(t->uri, "https://", 8) == 0)) {
        sf_buf_puts(&u, t->uri);
    } else {
        sf_buf_puts(&u, "http://");
        if (t->host && t->host[0])
            sf_buf_puts(&u, t->host);
        else if (t->conn)
            sf_out_endpoint(&u, &t->conn->addr[SF_S2C], t->conn->port[SF_S2C]);
        if (t->uri && t->uri[0] != '/' && !(t->method && strcmp(t->method, "CONNECT") == 0))
            sf_buf_putc(&u, '/');
        if (t->uri && !(t->method && strcmp(t->method, "CONNECT") == 0))
            sf_buf_puts(&u, t->uri);
        else if (!t->uri)
            sf_buf_putc(&u, '/');
    }
    sf_buf_json_str(b, u.data ? u.data : "", u.len);
    sf_buf_free(&u);
}

/* HAR 1.2 timings.ssl: the TLS handshake of the connection's first
 * request, when the connection is TLS from its first byte (not a tunnel
 * opened by this request); HAR counts it inside connect too. -1 otherwise. */
static int64_t tls_ns(const struct sf_http_txn *t)
{
    const struct sf_app_info *ai = t->conn ? sf_app_conn_info(t->conn) : NULL;
    const struct sf_tls_info *tls = ai ? ai->tls : NULL;
    if (t->n != 1 || !tls || !tls->hs_done_frame || tls->hs_done_ts < tls->hs_start_ts || ai->nstack == 0 ||
        strcmp(ai->stack[0], "tls") != 0)
        return -1;
    return tls->hs_done_ts - tls->hs_start_ts;
}

static void entry(void *ctx, const struct sf_http_txn *t)
{
    struct har_out *h = ctx;
    struct sf_buf *b = &h->out;
    const struct sf_http_msg *rq = &t->req, *rs = &t->resp;
    int64_t send = t->send_ns >= 0 ? t->send_ns : 0, wait = t->wait_ns >= 0 ? t->wait_ns : 0;
    int64_t recv = t->receive_ns >= 0 ? t->receive_ns : 0;
    int64_t ssl = tls_ns(t);
    int64_t connect = t->n == 1 && t->connect_ns >= 0 ? t->connect_ns + (ssl > 0 ? ssl : 0) : -1;
    int64_t total = send + wait + recv + (connect > 0 ? connect : 0);
    const char *q;

    if (!sf_out_selected(&h->opts, t->conn_id))
        return;
    if (h->entries++)
        sf_buf_puts(b, ",\n");
    sf_buf_puts(b, "{\"startedDateTime\":");
    iso_time(b, rq->present ? rq->first_ts : rs->first_ts);
    sf_buf_puts(b, ",\"time\":");
    ms(b, total);

    sf_buf_puts(b, ",\"request\":{\"method\":");
    jstr(b, t->method ? t->method : "");
    sf_buf_puts(b, ",\"url\":");
    url(b, t);
    sf_buf_puts(b, ",\"httpVersion\":");
    if (rq->present)
        sf_buf_printf(b, "\"HTTP/%s\"", rq->version);
    else
        sf_buf_puts(b, "\"\"");
    sf_buf_putc(b, ',');
    cookies(b, rq, false);
    sf_buf_putc(b, ',');
    headers(b, rq);
    sf_buf_puts(b, ",\"queryString\":[");
    q = t->uri ? strchr(t->uri, '?') : NULL;
    if (q) {
        const char *hash = strchr(q + 1, '#');
        pairs(b, q + 1, hash ? (size_t)(hash - q - 1) : strlen(q + 1), '&', false);
    }
    sf_buf_puts(b, "],\"headersSize\":");
    if (rq->present)
        sf_buf_u64(b, rq->header_bytes);
    else
        sf_buf_puts(b, "-1");
    sf_buf_puts(b, ",\"bodySize\":");
    if (rq->present)
        sf_buf_u64(b, rq->body_bytes);
    else
        sf_buf_puts(b, "-1");
    sf_buf_puts(b, "}");

    sf_buf_puts(b, ",\"response\":{\"status\":");
    sf_buf_u64(b, rs->present ? t->status : 0);
    sf_buf_puts(b, ",\"statusText\":");
    jstr(b, rs->present ? t->reason : "");
    sf_buf_puts(b, ",\"httpVersion\":");
    if (rs->present)
        sf_buf_printf(b, "\"HTTP/%s\"", rs->version);
    else
        sf_buf_puts(b, "\"\"");
    sf_buf_putc(b, ',');
    cookies(b, rs, true);
    sf_buf_putc(b, ',');
    headers(b, rs);
    sf_buf_puts(b, ",\"content\":{\"size\":");
    sf_buf_u64(b, rs->present ? rs->body_decoded_bytes : 0);
    if (rs->present && rs->decode == SF_HTTP_DECODE_OK) {
        sf_buf_puts(b, ",\"compression\":");
        sf_buf_i64(b, (int64_t)rs->body_decoded_bytes - (int64_t)rs->body_bytes);
    }
    sf_buf_puts(b, ",\"mimeType\":");
    jstr(b, rs->content_type ? rs->content_type : "");
    if (h->ho.har_bodies && rs->body_len) {
        bool ascii = true;
        for (size_t i = 0; i < rs->body_len && ascii; i++) {
            uint8_t c = rs->body[i];
            ascii = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t';
        }
        sf_buf_puts(b, ",\"text\":");
        if (ascii) {
            sf_buf_json_str(b, (const char *)rs->body, rs->body_len);
        } else {
            base64(b, rs->body, rs->body_len);
            sf_buf_puts(b, ",\"encoding\":\"base64\"");
        }
        if (rs->body_truncated)
            sf_buf_puts(b, ",\"comment\":\"truncated to the first 1 MiB\"");
    }
    sf_buf_puts(b, "},\"redirectURL\":");
    jstr(b, find(rs, "location"));
    sf_buf_puts(b, ",\"headersSize\":");
    if (rs->present)
        sf_buf_u64(b, rs->header_bytes);
    else
        sf_buf_puts(b, "-1");
    sf_buf_puts(b, ",\"bodySize\":");
    if (rs->present)
        sf_buf_u64(b, rs->body_bytes);
    else
        sf_buf_puts(b, "-1");
    if (!rs->present)
        sf_buf_puts(b, ",\"comment\":\"no response captured\"");
    sf_buf_puts(b, "},\"cache\":{},\"timings\":{\"blocked\":-1,\"dns\":-1,\"connect\":");
    ms(b, connect);
    sf_buf_puts(b, ",\"send\":");
    ms(b, send);
    sf_buf_puts(b, ",\"wait\":");
    ms(b, wait);
    sf_buf_puts(b, ",\"receive\":");
    ms(b, recv);
    sf_buf_puts(b, ",\"ssl\":");
    ms(b, ssl);
    sf_buf_putc(b, '}');
    if (t->conn) {
        sf_buf_puts(b, ",\"serverIPAddress\":\"");
        sf_buf_addr(b, t->conn->addr[SF_S2C].a, t->conn->addr[SF_S2C].family);
        sf_buf_putc(b, '"');
    }
    sf_buf_printf(b, ",\"connection\":\"%llu\"", (unsigned long long)t->conn_id);
    sf_buf_printf(b, ",\"_synfin\":{\"conn\":%llu,\"n\":%u", (unsigned long long)t->conn_id, t->n);
    if (rq->present)
        sf_buf_printf(b, ",\"request_frame\":%llu", (unsigned long long)rq->frame);
    if (rs->present)
        sf_buf_printf(b, ",\"response_frame\":%llu,\"response_complete\":%s",
                      (unsigned long long)rs->frame, rs->complete ? "true" : "false");
    if (t->tunnel != SF_HTTP_TUNNEL_NONE)
        sf_buf_printf(b, ",\"tunnel\":\"%s\"", sf_http_tunnel_name(t->tunnel));
    sf_buf_puts(b, "}}");
    if (b->len > SF_BUF_FLUSH_AT)
        sf_buf_flush(b);
}

static void packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    (void)ctx;
    (void)p;
    (void)v;
}

static void conn_end(void *ctx, const struct sf_conn *c)
{
    (void)ctx;
    (void)c;
}

static void finish(void *ctx, const struct sf_run_end *end)
{
    struct har_out *h = ctx;
    (void)end;
    sf_buf_puts(&h->out, "\n]}}\n");
    sf_buf_flush(&h->out);
}

static void destroy(void *ctx)
{
    struct har_out *h = ctx;
    sf_buf_flush(&h->out);
    sf_buf_free(&h->out);
    free(h);
}

int sf_out_har_new(struct sf_output *o, const struct sf_out_opts *opts, const struct sf_out_http_opts *ho)
{
    struct har_out *h = calloc(1, sizeof(*h));
    if (!h)
        return -1;
    h->opts = *opts;
    h->ho = *ho;
    sf_buf_init(&h->out, opts->out, 0);
    sf_buf_puts(&h->out, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"synfin\",\"version\":\"0.1.0\"},"
                         "\"pages\":[],\"entries\":[\n");
    o->ctx = h;
    o->packet = packet;
    o->conn_end = conn_end;
    o->finish = finish;
    o->destroy = destroy;
    o->http = entry;
    return 0;
}
