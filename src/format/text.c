/* text.c - the default view: per connection, every packet under its phase, then the facts. */
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "format/tls_out.h"
#include "synfin/app.h"
#include "synfin/tls.h"
#include "util/idmap.h"

/* The text view shows the TLS handshake as a phase of its own between the
 * TCP connect and the data (the TCP phases stay those of the analysis). */
#define PHASE_TLS_HANDSHAKE SF_PHASE_COUNT

/* Per-connection lines are held until the connection ends, so they can be
 * printed together; past max_conn_text bytes they are flushed early and the
 * rest follows under a "continued" header (memory stays bounded). */
struct conn_text {
    struct sf_buf lines;
    struct sf_buf http;      /* the connection's HTTP transactions (capped) */
    int phase;                /* enum sf_phase, or PHASE_TLS_HANDSHAKE */
    bool any;
    bool flushed_early;
    int64_t last_ts;         /* the connection's previous frame (-t dd) */
    struct sf_flag_group flags;   /* explained once, then marked (flag_group.c) */
};

struct text_out {
    struct sf_out_opts opts;
    struct sf_buf out;
    struct sf_idmap conns;
    bool have_first;
    int64_t first_ts;
    int64_t prev_ts;         /* the previous captured frame (-t d) */
    int digits;              /* decimals of the time column: the first frame's clock */
    int indent;              /* columns before the explanation and flag lines */
};

#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"

static const char *phase_title(int p)
{
    switch (p) {
    case SF_PHASE_CONNECT: return sf_tr("connect (3-way handshake)");
    case SF_PHASE_DATA: return sf_tr("data");
    case PHASE_TLS_HANDSHAKE: return sf_tr("TLS handshake");
    default: return sf_tr("disconnect");
    }
}

static void conn_header(struct text_out *t, const struct sf_conn *c, bool continued)
{
    struct sf_buf *b = &t->out;
    if (t->opts.color)
        sf_buf_puts(b, C_BOLD);
    sf_buf_printf(b, "Connection %llu%s: client ", (unsigned long long)c->id,
                  continued ? " (continued)" : "");
    sf_out_endpoint(b, &c->addr[SF_C2S], c->port[SF_C2S]);
    sf_buf_puts(b, " -> server ");
    sf_out_endpoint(b, &c->addr[SF_S2C], c->port[SF_S2C]);
    if (c->client_guess)
        sf_buf_puts(b, " (client guessed)");
    if (t->opts.color)
        sf_buf_puts(b, C_RESET);
    sf_buf_putc(b, '\n');
    sf_out_tunnel_text(b, c, "  ");
    if (!continued)
        sf_out_tls_decrypt_text(b, c, "  ");
}

static const char *role_color(enum sf_role r)
{
    switch (r) {
    case SF_ROLE_SYN: case SF_ROLE_SYN_ACK: case SF_ROLE_HANDSHAKE_ACK:
    case SF_ROLE_SYN_RETRANS: case SF_ROLE_SYN_ACK_RETRANS:
        return C_GREEN;
    case SF_ROLE_FIN_ACTIVE: case SF_ROLE_FIN_PASSIVE: case SF_ROLE_FIN_RETRANS:
    case SF_ROLE_ACK_OF_FIN: case SF_ROLE_LAST_ACK:
        return C_YELLOW;
    case SF_ROLE_RST_REFUSED: case SF_ROLE_RST_ABORT:
        return C_RED;
    default:
        return NULL;
    }
}

/* The plain-words note after the numbers. */
static void role_note(struct sf_buf *b, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    const char *who = v->dir == SF_C2S ? sf_tr("client") : sf_tr("server");
    const char *peer = v->dir == SF_C2S ? sf_tr("server") : sf_tr("client");

    switch (v->role) {
    case SF_ROLE_SYN:
        sf_buf_puts(b, sf_tr("SYN: the client asks to open a connection"));
        break;
    case SF_ROLE_SYN_RETRANS:
        sf_buf_puts(b, sf_tr("SYN retransmission: no answer yet, the client asks again"));
        break;
    case SF_ROLE_SYN_ACK:
        sf_buf_puts(b, sf_tr("SYN+ACK: the server accepts and sends its own SYN"));
        break;
    case SF_ROLE_SYN_ACK_RETRANS:
        sf_buf_puts(b, sf_tr("SYN+ACK retransmission"));
        break;
    case SF_ROLE_HANDSHAKE_ACK:
        sf_buf_puts(b, sf_tr("handshake ACK: the 3-way handshake is complete"));
        break;
    case SF_ROLE_DATA:
        sf_buf_printf(b, sf_tr("data: %u bytes %s -> %s"), p->payload_len, who, peer);
        break;
    case SF_ROLE_ACK:
        sf_buf_printf(b, sf_tr("ACK: the %s has received everything before byte %u"), who, v->rel_ack);
        break;
    case SF_ROLE_WINDOW_UPDATE:
        sf_buf_printf(b, sf_tr("window update: the %s now accepts %u more bytes (raw window)"), who, p->win);
        break;
    case SF_ROLE_KEEP_ALIVE:
        /* Linux probes a zero window with this keep-alive shape. */
        if (v->conn->half[!v->dir].cnt.zero_window_since >= 0)
            sf_buf_printf(b, sf_tr("zero-window probe: the %s asks whether the %s's window has opened"), who,
                          peer);
        else
            sf_buf_printf(b, sf_tr("keep-alive: the %s checks that the %s is still there"), who, peer);
        break;
    case SF_ROLE_FIN_ACTIVE:
        sf_buf_printf(b, sf_tr("FIN (active close): the %s has no more data to send"), who);
        break;
    case SF_ROLE_FIN_PASSIVE:
        sf_buf_printf(b, sf_tr("FIN (passive close): the %s closes its side too"), who);
        break;
    case SF_ROLE_FIN_RETRANS:
        sf_buf_puts(b, sf_tr("FIN retransmission"));
        break;
    case SF_ROLE_ACK_OF_FIN:
        sf_buf_printf(b, sf_tr("ACK of FIN: the %s acknowledges the %s's FIN"), who, peer);
        break;
    case SF_ROLE_LAST_ACK:
        sf_buf_printf(b, sf_tr("last ACK: the %s acknowledges the final FIN; the connection is closed"), who);
        break;
    case SF_ROLE_RST_REFUSED:
        sf_buf_puts(b, sf_tr("RST: the server refuses the connection (nothing listens on that port)"));
        break;
    case SF_ROLE_RST_ABORT:
        sf_buf_printf(b, sf_tr("RST: the %s aborts the connection"), who);
        break;
    default:
        sf_buf_puts(b, sf_role_words(v->role));
        break;
    }
    if ((p->flags & (SF_TH_FIN | SF_TH_SYN)) && p->payload_len > 0)
        sf_buf_printf(b, sf_tr(", carrying %u bytes of data"), p->payload_len);
    if (p->ip_reassembled)
        sf_buf_printf(b, sf_tr(" [came in %u IP fragments]"), p->ip_frag_count);
    if (p->truncated)
        sf_buf_puts(b, sf_tr(" [truncated by snaplen]"));
}

static void packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct text_out *t = ctx;
    struct conn_text *ct;
    struct sf_buf *b;
    const char *col;
    int64_t prev;
    uint32_t first;

    if (!t->have_first) {
        t->have_first = true;
        t->first_ts = t->prev_ts = p->ts_ns;
        t->digits = p->ts_digits;
        /* Continuation lines start under the direction arrow. */
        t->indent = 11 + sf_time_width(t->opts.time_fmt, t->digits);
    }
    prev = t->prev_ts;
    t->prev_ts = p->ts_ns;
    if (!v || !sf_out_selected(&t->opts, v->conn->id))
        return;
    ct = sf_idmap_get(&t->conns, v->conn->id);
    if (!ct) {
        ct = calloc(1, sizeof(*ct));
        if (!ct || sf_idmap_put(&t->conns, v->conn->id, ct) != 0) {
            free(ct);
            return;
        }
        sf_buf_init(&ct->lines, NULL, 0);
        sf_buf_init(&ct->http, NULL, 1u << 20);
        ct->last_ts = p->ts_ns;
    }
    if (t->opts.time_fmt == SF_TIME_DELTA_SHOWN)
        prev = ct->last_ts;
    ct->last_ts = p->ts_ns;
    b = &ct->lines;
    {
        int ph = v->phase == SF_PHASE_DATA && v->tls && v->tls->handshake_phase ? PHASE_TLS_HANDSHAKE
                                                                                 : (int)v->phase;
        if (!ct->any || ct->phase != ph) {
            sf_buf_printf(b, "  %s%s%s\n", t->opts.color ? C_BOLD : "", phase_title(ph),
                          t->opts.color ? C_RESET : "");
            ct->phase = ph;
        }
        ct->any = true;
    }
    sf_buf_printf(b, "  %7llu  ", (unsigned long long)p->frame);
    sf_time_put(b, t->opts.time_fmt, p->ts_ns, t->first_ts, prev, t->digits);
    sf_buf_puts(b, v->dir == SF_C2S ? "  C->S  [" : "  C<-S  [");
    sf_out_flags_words_ace(b, p->flags, v->ace);
    /* The window as Wireshark's Info column shows it: scaled once the
     * handshake gave the factor, raw before that or when it is unknown
     * (jsonl keeps both, "win" raw and "win_scaled"). */
    sf_buf_printf(b, "] seq=%u ack=%u len=%u win=%llu  ", v->rel_seq, v->rel_ack, p->payload_len,
                  (unsigned long long)(v->win_scaled >= 0 ? (uint64_t)v->win_scaled : p->win));
    col = t->opts.color ? role_color(v->role) : NULL;
    if (col)
        sf_buf_puts(b, col);
    role_note(b, p, v);
    if (v->http)
        sf_out_http_label_text(b, v->http);
    if (v->tls && v->tls->n) {
        const struct sf_app_info *ai = sf_app_conn_info(v->conn);
        sf_buf_puts(b, "  TLS ");
        sf_out_tls_label(b, ai ? ai->tls : NULL, v->tls);
    }
    if (col)
        sf_buf_puts(b, C_RESET);
    /* A flag is explained at its first packet of the connection; later
     * ones (and every one with --no-notes) are marked on the line. */
    first = sf_flag_group_add(&ct->flags, v, p->frame);
    if (t->opts.no_notes)
        first = 0;
    sf_flag_group_marks(b, v, first);
    sf_buf_putc(b, '\n');
    if (t->opts.explain) {
        sf_buf_printf(b, "%*s", t->indent, "");
        sf_buf_puts(b, t->opts.ascii ? "-> " : "\u21b3 ");
        sf_explain_packet(b, p, v);
        sf_buf_putc(b, '\n');
    }
    /* Each TCP analysis flag gets its own line: what it means here. */
    for (unsigned i = 0; v->analysis && i < SF_AN_COUNT_BITS; i++) {
        size_t before;
        if (!(v->analysis & (1u << i)))
            continue;
        /* Repeats are marked, not explained again; a plain retransmission
         * beside a fast or spurious one is explained by that one's line. */
        if (!(first & (1u << i)))
            continue;
        before = b->len;
        sf_buf_printf(b, "%s%*s! ", t->opts.color ? C_RED : "", t->indent, "");
        {
            size_t mark = b->len;
            sf_explain_flag(b, i, p, v);
            if (b->len == mark) {      /* nothing to add for this flag */
                sf_buf_truncate(b, before);
                continue;
            }
        }
        if (t->opts.color)
            sf_buf_puts(b, C_RESET);
        sf_buf_putc(b, '\n');
    }

    if (t->opts.max_conn_text && b->len > t->opts.max_conn_text) {
        conn_header(t, v->conn, ct->flushed_early);
        sf_buf_put(&t->out, b->data, b->len);
        sf_buf_puts(&t->out, "  ... (continued when the connection ends)\n\n");
        sf_buf_reset(b);
        ct->flushed_early = true;
        ct->any = false;
    }
}

static void conn_end(void *ctx, const struct sf_conn *c)
{
    struct text_out *t = ctx;
    struct conn_text *ct;

    if (!sf_out_selected(&t->opts, c->id))
        return;
    ct = sf_idmap_del(&t->conns, c->id);
    conn_header(t, c, ct && ct->flushed_early);
    if (ct)
        sf_buf_put(&t->out, ct->lines.data, ct->lines.len);
    sf_buf_puts(&t->out, "  summary\n");
    sf_out_conn_facts(&t->out, c, "    ");
    {
        const struct sf_app_info *ai = sf_app_conn_info(c);
        if (ai && ai->tls)
            sf_out_tls_facts(&t->out, ai->tls, "    ");
    }
    if (ct)
        sf_flag_group_text(&t->out, &ct->flags, "    ", t->opts.ascii);
    if (ct) {
        if (ct->http.len) {
            sf_buf_puts(&t->out, "    http:      transactions (request -> response)\n");
            sf_buf_put(&t->out, ct->http.data, ct->http.len);
            if (ct->http.overflow)
                sf_buf_puts(&t->out, "               ... (more transactions; the list is capped at 1 MiB)\n");
        }
        sf_buf_free(&ct->lines);
        sf_buf_free(&ct->http);
        free(ct);
    }
    sf_buf_putc(&t->out, '\n');
    sf_buf_flush(&t->out);
}

static void finish(void *ctx, const struct sf_run_end *end)
{
    struct text_out *t = ctx;
    sf_out_totals_text(&t->out, end);
    sf_buf_flush(&t->out);
}

/* Transactions are listed in their connection's summary. */
static void http_txn(void *ctx, const struct sf_http_txn *t)
{
    struct text_out *tx = ctx;
    struct conn_text *ct;
    if (!sf_out_selected(&tx->opts, t->conn_id))
        return;
    ct = sf_idmap_get(&tx->conns, t->conn_id);
    if (ct)
        sf_out_http_txn_text(&ct->http, t, "               ");
}

static void flush_out(void *ctx)
{
    struct text_out *t = ctx;
    sf_buf_flush(&t->out);
}

static void destroy(void *ctx)
{
    struct text_out *t = ctx;
    for (size_t i = 0; i < t->conns.cap; i++) {
        struct conn_text *ct = t->conns.keys[i] ? t->conns.vals[i] : NULL;
        if (ct) {
            sf_buf_free(&ct->lines);
            sf_buf_free(&ct->http);
            free(ct);
        }
    }
    sf_idmap_free(&t->conns);
    sf_buf_flush(&t->out);
    sf_buf_free(&t->out);
    free(t);
}

int sf_out_text_new(struct sf_output *o, const struct sf_out_opts *opts)
{
    struct text_out *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    t->opts = *opts;
    sf_buf_init(&t->out, opts->out, 0);
    o->ctx = t;
    o->packet = packet;
    o->conn_end = conn_end;
    o->finish = finish;
    o->flush = flush_out;
    o->destroy = destroy;
    o->http = http_txn;
    return 0;
}
