/* diag_out.c - the diagnosis in the outputs: jsonl "time_split" and "diagnosis", and its sentences. */
#include "format/diag_out.h"
#include "format/json.h"

static const char *side(enum sf_dir d)
{
    return d == SF_C2S ? sf_tr("client") : sf_tr("server");
}

static double ms(int64_t ns)
{
    return (double)ns / 1e6;
}

static void put_ms(struct sf_buf *b, int64_t ns)
{
    sf_buf_printf(b, "%.3f", ms(ns));
}

static const char *const part_names[SF_SPLIT_COUNT] = {
    [SF_SPLIT_HANDSHAKE] = "handshake", [SF_SPLIT_TLS] = "tls",   [SF_SPLIT_REQUEST] = "request",
    [SF_SPLIT_WAIT] = "wait",           [SF_SPLIT_RESPONSE] = "response", [SF_SPLIT_IDLE] = "idle",
};

void sf_out_time_split_json(struct sf_buf *b, const struct sf_time_split *s, bool txn)
{
    key(b, "time_split");
    sf_buf_putc(b, '{');
    for (int i = 0; i < SF_SPLIT_COUNT; i++) {
        const struct sf_split_acc *a = &s->part[i];
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_printf(b, "\"%s\":", part_names[i]);
        if (a->ns < 0) {
            sf_buf_puts(b, "null");
            continue;
        }
        sf_buf_puts(b, "{\"ms\":");
        put_ms(b, a->ns);
        if (!txn) {
            kv_u64(b, "intervals", a->n);
            key(b, "longest_ms");
            put_ms(b, a->longest_ns);
        }
        key(b, "frames");
        if (a->from_frame)
            sf_buf_printf(b, "[%llu,%llu]", (unsigned long long)a->from_frame,
                          (unsigned long long)a->to_frame);
        else
            sf_buf_puts(b, "[]");
        sf_buf_putc(b, '}');
    }
    key(b, "server_think_ms");
    if (s->server_think_ns >= 0)
        put_ms(b, s->server_think_ns);
    else
        sf_buf_puts(b, "null");
    key(b, "rtt_ms");
    if (s->rtt_ns >= 0)
        put_ms(b, s->rtt_ns);
    else
        sf_buf_puts(b, "null");
    kv_u64(b, "syn_retries", s->syn_retries);
    if (txn) {
        key(b, "queued_ms");
        if (s->queued_ns >= 0)
            put_ms(b, s->queued_ns);
        else
            sf_buf_puts(b, "null");
    }
    sf_buf_putc(b, '}');
}

void sf_out_diag_sentence(struct sf_buf *b, const struct sf_diag_finding *f)
{
    const char *me = side(f->dir), *peer = side(!f->dir);
    unsigned long long n = (unsigned long long)f->count;

    switch (f->kind) {
    case SF_DIAG_SYN_RETRANSMISSION: {
        sf_buf_printf(b, sf_tr("SYN sent %llu more time(s) before an answer (waits "), n);
        for (unsigned i = 0; i < f->nwaits; i++)
            sf_buf_printf(b, "%s%.1f s", i ? ", " : "", ms(f->waits_ns[i]) / 1000.0);
        if (f->count > f->nwaits)
            sf_buf_puts(b, ", ...");
        sf_buf_printf(b, sf_tr("): the connection started %.3f s late. Each wait is the retransmission "
                               "timeout (1 s, doubled at each try by RFC 6298; Linux 6.x may keep it at 1 s). "
                               "Cause: the server is down, filtered or its listen queue is full, or the SYNs "
                               "were lost. Remedy: check the server listens and no firewall drops SYNs"),
                      ms(f->ns) / 1000.0);
        return;
    }
    case SF_DIAG_SYN_ACK_RETRANSMISSION:
        sf_buf_printf(b, sf_tr("SYN+ACK sent %llu more time(s) (%.0f ms lost): the client's ACK did not "
                               "reach the server in time, or the client repeated its SYN"), n, ms(f->ns));
        return;
    case SF_DIAG_RTO:
        sf_buf_printf(b, sf_tr("%llu retransmission(s) by the %s after a retransmission timeout (RTO): "
                               "%.0f ms from loss to resend, the longest %.0f ms. Too few duplicate ACKs came "
                               "back for a fast retransmit (loss at the end of a burst, or of the "
                               "retransmission). Remedy: find the loss (link errors, queue drops); SACK and "
                               "RACK/TLP shorten such recoveries"), n, me, ms(f->ns), ms(f->longest_ns));
        return;
    case SF_DIAG_FAST_RETRANSMIT:
        sf_buf_printf(b, sf_tr("%llu fast retransmission(s) by the %s: %.0f ms from loss to resend, the "
                               "longest %.0f ms. The %s's duplicate ACKs (or SACK) asked for the missing "
                               "bytes, so no timeout was needed. Cause: packet loss on the path"),
                      n, me, ms(f->ns), ms(f->longest_ns), peer);
        return;
    case SF_DIAG_ZERO_WINDOW:
        sf_buf_printf(b, sf_tr("the %s's receive window was zero %llu time(s), %.0f ms in all (the longest "
                               "%.0f ms): its application read more slowly than the data came, and the %s had "
                               "to wait. Remedy: read faster, or a larger receive buffer on the %s"),
                      me, n, ms(f->ns), ms(f->longest_ns), peer, me);
        return;
    case SF_DIAG_WINDOW_LIMITED:
        sf_buf_printf(b, sf_tr("the %s filled the %s's receive window %llu times and waited %.0f ms in all "
                               "for it to open: the transfer was limited by the receiver's window, not by "
                               "the network. Remedy: a larger receive buffer (and window scaling) on the %s"),
                      me, peer, n, ms(f->ns), peer);
        return;
    case SF_DIAG_NAGLE_DELAYED_ACK:
        sf_buf_printf(b, sf_tr("the %s held a small segment %llu time(s) until a delayed ACK came (%.0f ms "
                               "in all, the longest %.0f ms): Nagle's algorithm waits for the ACK of the data "
                               "in flight, and the %s delayed that ACK (~40 ms) hoping for more. Typical of a "
                               "message written in two pieces (headers, then body). Remedy: TCP_NODELAY on "
                               "the %s, or one write per message"),
                      me, n, ms(f->ns), ms(f->longest_ns), peer, me);
        return;
    case SF_DIAG_SENDER_LIMITED:
        sf_buf_printf(b, sf_tr("the %s paused %llu time(s) inside a transfer with everything acknowledged "
                               "and the window open (%.0f ms in all, the longest %.0f ms): its application "
                               "had nothing to send (sender-limited), not the network. Remedy: look at the "
                               "application (disk, back end, CPU)"),
                      me, n, ms(f->ns), ms(f->longest_ns));
        return;
    case SF_DIAG_CONGESTION_LIMITED:
        sf_buf_printf(b, sf_tr("after a loss the %s cut its bytes in flight from %lld to %lld (%llu "
                               "time(s)): its congestion control reduced the window (halved by Reno, to 0.7 "
                               "by CUBIC), so the transfer ran below what the path carried before. Cause: "
                               "loss on a congested path"),
                      me, (long long)f->before, (long long)f->after, n);
        return;
    case SF_DIAG_BUFFERBLOAT:
        sf_buf_printf(b, sf_tr("the round-trip time of the %s's data grew from %.1f ms to %.0f ms while it "
                               "sent: a queue on the path (a router's or modem's buffer) filled under the "
                               "load instead of dropping early (bufferbloat), and every packet waited in it. "
                               "Remedy: active queue management at the bottleneck (fq_codel, CAKE), or a "
                               "delay-based congestion control (BBR)"),
                      me, ms(f->before), ms(f->after));
        return;
    case SF_DIAG_HOL_BLOCKING:
        sf_buf_printf(b, sf_tr("the response waited %.0f ms behind the previous one (head-of-line "
                               "blocking): HTTP/1.1 answers requests on a connection in order, so one slow "
                               "response delays every request queued behind it. Remedy: HTTP/2, or "
                               "separate connections"), ms(f->ns));
        return;
    case SF_DIAG_KIND_COUNT:
        break;
    }
}

void sf_out_diagnosis_json(struct sf_buf *b, const struct sf_diag_finding *f, unsigned n)
{
    struct sf_buf t;
    key(b, "diagnosis");
    sf_buf_putc(b, '[');
    sf_buf_init(&t, NULL, 16384);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            sf_buf_putc(b, ',');
        sf_buf_puts(b, "{\"kind\":\"");
        sf_buf_puts(b, sf_diag_kind_name(f[i].kind));
        sf_buf_putc(b, '"');
        kv_str(b, "side", f[i].dir == SF_C2S ? "client" : "server");
        key(b, "frames");
        sf_buf_putc(b, '[');
        for (unsigned j = 0; j < f[i].nframes; j++) {
            if (j)
                sf_buf_putc(b, ',');
            sf_buf_u64(b, f[i].frames[j]);
        }
        sf_buf_putc(b, ']');
        kv_u64(b, "count", f[i].count);
        key(b, "ms");
        put_ms(b, f[i].ns);
        key(b, "longest_ms");
        put_ms(b, f[i].longest_ns);
        sf_buf_reset(&t);
        sf_out_diag_sentence(&t, &f[i]);
        key(b, "text");
        sf_buf_json_str(b, t.data, t.len);
        sf_buf_putc(b, '}');
    }
    sf_buf_free(&t);
    sf_buf_putc(b, ']');
}

void sf_out_diag_text(struct sf_buf *b, const struct sf_conn *c, const char *indent)
{
    struct sf_diag_finding f[SF_DIAG_FINDINGS_MAX];
    unsigned n = sf_diag_conn_findings(c, f, SF_DIAG_FINDINGS_MAX);
    for (unsigned i = 0; i < n; i++) {
        /* The label lines up with the other facts (handshake:, close:). */
        sf_buf_printf(b, "%sdiagnosis: ", indent);
        sf_out_diag_sentence(b, &f[i]);
        if (f[i].nframes) {
            sf_buf_puts(b, " (frames");
            for (unsigned j = 0; j < f[i].nframes; j++)
                sf_buf_printf(b, "%s%llu", j ? ", " : " ", (unsigned long long)f[i].frames[j]);
            if (f[i].count * 3 > f[i].nframes && f[i].nframes == SF_DIAG_FRAMES_MAX)
                sf_buf_puts(b, " ...");
            sf_buf_putc(b, ')');
        }
        sf_buf_putc(b, '\n');
    }
}
