/* follow.c - --follow N: one connection's reassembled conversation, like Wireshark's Follow TCP Stream. */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "synfin/app.h"
#include "synfin/tls.h"

struct follow_out {
    struct sf_out_opts opts;
    struct sf_out_http_opts ho;
    struct sf_buf out;
    bool started;
    int last_dir;             /* -1 before the first run */
    bool last_dec;            /* the last run was decrypted TLS */
    uint64_t bytes[2], missing[2];
};

static const char rule[] = "===================================================================\n";

/* True when the bytes the stack hands over now are TLS plaintext (the
 * stack then shows nothing of the records themselves). */
static bool decrypted(const struct sf_conn *c)
{
    const struct sf_app_info *ai = sf_app_conn_info(c);
    return ai && ai->tls && ai->tls->dec.status == SF_TLS_DEC_OK;
}

static void header(struct follow_out *f, const struct sf_conn *c)
{
    struct sf_buf *b = &f->out;
    f->started = true;
    if (f->ho.follow_raw)
        return;
    sf_buf_puts(b, rule);
    sf_buf_printf(b, "Follow: %s\nConnection: %llu\nNode 0: ", decrypted(c) ? "tls,text (decrypted)" : "tcp,text",
                  (unsigned long long)c->id);
    sf_out_endpoint(b, &c->addr[SF_C2S], c->port[SF_C2S]);
    sf_buf_puts(b, " (client)\nNode 1: ");
    sf_out_endpoint(b, &c->addr[SF_S2C], c->port[SF_S2C]);
    sf_buf_puts(b, " (server)\n");
    sf_buf_puts(b, rule);
}

static void stream(void *ctx, const struct sf_conn *c, enum sf_dir dir, const uint8_t *p, size_t n,
                   uint64_t gap, uint64_t frame)
{
    struct follow_out *f = ctx;
    struct sf_buf *b = &f->out;
    bool dec = decrypted(c);

    if (!f->started)
        header(f, c);
    if (!f->ho.follow_raw && (f->last_dir != (int)dir || f->last_dec != dec)) {
        /* A new run: say who speaks, from which frame, and whether the
         * bytes were decrypted (after a CONNECT, TLS starts mid-stream). */
        if (f->last_dir >= 0 && b->len && b->data[b->len - 1] != '\n')
            sf_buf_putc(b, '\n');
        sf_buf_printf(b, "%s frame %llu%s\n", dir == SF_C2S ? ">>> client -> server," : "<<< server -> client,",
                      (unsigned long long)frame, dec ? ", decrypted" : "");
        f->last_dir = (int)dir;
        f->last_dec = dec;
    }
    if (gap) {
        f->missing[dir] += gap;
        sf_buf_printf(b, "[%llu bytes missing]", (unsigned long long)gap);
        if (!f->ho.follow_raw)
            sf_buf_putc(b, '\n');
        return;
    }
    f->bytes[dir] += n;
    if (f->ho.follow_raw) {
        sf_buf_put(b, (const char *)p, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '\r')
            continue;
        if (ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f))
            sf_buf_putc(b, (char)ch);
        else
            sf_buf_putc(b, '.');
    }
}

static void packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    (void)ctx;
    (void)p;
    (void)v;
}

static void conn_end(void *ctx, const struct sf_conn *c)
{
    struct follow_out *f = ctx;
    if (c->id == f->ho.follow_conn && !f->started)
        header(f, c);
}

static void finish(void *ctx, const struct sf_run_end *end)
{
    struct follow_out *f = ctx;
    struct sf_buf *b = &f->out;
    (void)end;
    if (!f->ho.follow_raw) {
        if (!f->started)
            sf_buf_printf(b, "%sFollow: tcp,text\nConnection %llu is not in the capture.\n",
                          rule, (unsigned long long)f->ho.follow_conn);
        else if (b->len && b->data[b->len - 1] != '\n')
            sf_buf_putc(b, '\n');
        if (f->started)
            sf_buf_printf(b, "%sclient -> server: %llu bytes (%llu missing); server -> client: %llu bytes (%llu missing)\n",
                          rule, (unsigned long long)f->bytes[0], (unsigned long long)f->missing[0],
                          (unsigned long long)f->bytes[1], (unsigned long long)f->missing[1]);
        sf_buf_puts(b, rule);
    }
    sf_buf_flush(b);
}

static void destroy(void *ctx)
{
    struct follow_out *f = ctx;
    sf_buf_flush(&f->out);
    sf_buf_free(&f->out);
    free(f);
}

int sf_out_follow_new(struct sf_output *o, const struct sf_out_opts *opts, const struct sf_out_http_opts *ho)
{
    struct follow_out *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->opts = *opts;
    f->ho = *ho;
    f->last_dir = -1;
    sf_buf_init(&f->out, opts->out, 0);
    o->ctx = f;
    o->packet = packet;
    o->conn_end = conn_end;
    o->finish = finish;
    o->destroy = destroy;
    o->stream = stream;
    return 0;
}
