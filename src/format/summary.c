/* summary.c - one line per connection, then the account of every frame. */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "synfin/app.h"
#include "synfin/tls.h"
#include "util/utf8.h"

struct summary_out {
    struct sf_out_opts opts;
    struct sf_buf out;
    bool have_first;
    int64_t first_ts;
    bool header;
};

static void packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct summary_out *s = ctx;
    (void)v;
    if (!s->have_first) {
        s->have_first = true;
        s->first_ts = p->ts_ns;
    }
}

static void conn_end(void *ctx, const struct sf_conn *c)
{
    struct summary_out *s = ctx;
    struct sf_buf *b = &s->out;
    const struct sf_half *cl = &c->half[SF_C2S], *sv = &c->half[SF_S2C];

    if (!sf_out_selected(&s->opts, c->id))
        return;
    if (!s->header) {
        sf_buf_puts(b, "conn  client -> server  start  duration  packets c>s/s>c  bytes c>s/s>c  "
                       "handshake  close\n");
        s->header = true;
    }
    /* sf_buf_u64 rather than printf: a flood writes a million of these lines. */
    sf_buf_u64(b, c->id);
    sf_buf_puts(b, "  ");
    sf_out_endpoint(b, &c->addr[SF_C2S], c->port[SF_C2S]);
    sf_buf_puts(b, " -> ");
    sf_out_endpoint(b, &c->addr[SF_S2C], c->port[SF_S2C]);
    sf_buf_puts(b, "  ");
    sf_buf_secs(b, c->first_ts - s->first_ts, 6);
    sf_buf_puts(b, "  ");
    sf_buf_secs(b, c->last_ts - c->first_ts, 6);
    sf_buf_puts(b, "s  ");
    sf_buf_u64(b, cl->packets);
    sf_buf_putc(b, '/');
    sf_buf_u64(b, sv->packets);
    sf_buf_puts(b, "  ");
    sf_buf_u64(b, cl->payload_bytes);
    sf_buf_putc(b, '/');
    sf_buf_u64(b, sv->payload_bytes);
    sf_buf_puts(b, "  ");
    if (c->hs_ack_frame) {
        sf_buf_puts(b, "complete");
        if (c->irtt_ns >= 0) {
            sf_buf_puts(b, " iRTT=");
            sf_buf_secs(b, c->irtt_ns, 6);
            sf_buf_putc(b, 's');
        }
    } else if (cl->syn_count || sv->syn_count) {
        sf_buf_puts(b, "incomplete");
    } else {
        sf_buf_puts(b, "not-captured");
    }
    sf_buf_puts(b, "  ");
    sf_buf_puts(b, sf_close_kind_name(c->close_kind));
    if (c->close_kind == SF_CLOSE_RST_ABORT)
        sf_buf_printf(b, " by %s", c->rst_by == SF_S2C ? "server" : "client");
    else if (c->first_closer >= 0 && c->close_kind != SF_CLOSE_REFUSED &&
             c->close_kind != SF_CLOSE_OPEN)
        sf_buf_printf(b, " by %s", c->first_closer == SF_S2C ? "server" : "client");
    if (c->client_guess)
        sf_buf_puts(b, "  client-guessed");
    {
        /* TLS connections add their version and SNI as key=value fields,
         * after the fixed columns (the header stays as it is). */
        const struct sf_app_info *ai = sf_app_conn_info(c);
        const struct sf_tls_info *t = ai ? ai->tls : NULL;
        if (t && (t->client_hello || t->server_hello)) {
            const char *v = t->server_hello ? sf_tls_version_name(t->version) : NULL;
            sf_buf_puts(b, "  tls=");
            if (v && strncmp(v, "TLS ", 4) == 0)
                sf_buf_puts(b, v + 4);
            else if (t->server_hello)
                sf_buf_printf(b, "0x%04x", t->version);
            else
                sf_buf_puts(b, "-");
            sf_buf_puts(b, " sni=");
            if (t->sni[0])
                sf_buf_text(b, t->sni, strlen(t->sni), 64);
            else
                sf_buf_putc(b, '-');
        }
    }
    sf_buf_putc(b, '\n');
}

static void finish(void *ctx, const struct sf_run_end *end)
{
    struct summary_out *s = ctx;
    sf_buf_putc(&s->out, '\n');
    sf_out_totals_text(&s->out, end);
    sf_buf_flush(&s->out);
}

static void flush_out(void *ctx)
{
    struct summary_out *s = ctx;
    sf_buf_flush(&s->out);
}

static void destroy(void *ctx)
{
    struct summary_out *s = ctx;
    sf_buf_flush(&s->out);
    sf_buf_free(&s->out);
    free(s);
}

int sf_out_summary_new(struct sf_output *o, const struct sf_out_opts *opts)
{
    struct summary_out *s = calloc(1, sizeof(*s));
    if (!s)
        return -1;
    s->opts = *opts;
    sf_buf_init(&s->out, opts->out, 0);
    o->ctx = s;
    o->packet = packet;
    o->conn_end = conn_end;
    o->finish = finish;
    o->flush = flush_out;
    o->destroy = destroy;
    o->app_info = true;
    return 0;
}
