/* out.h - the one interface every output format implements. */
#ifndef SYNFIN_OUT_H
#define SYNFIN_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "synfin/analyzer.h"
#include "decode/frag.h"
#include "util/buf.h"

struct sf_out_opts {
    FILE *out;
    bool color;              /* ANSI colours (text views) */
    const uint64_t *conns;   /* --conn selection; NULL = all */
    size_t nconns;
    size_t max_conn_text;    /* bytes of text held per connection before it is flushed early */
};

/* What the run knew at the end, for the closing summary. */
struct sf_run_end {
    const struct sf_totals *totals;
    const struct sf_frag_stats *frag;
    uint32_t frag_pending;
    const char *read_error;      /* NULL or the reader's one-line error */
    uint64_t reader_warnings;
};

struct sf_output {
    void *ctx;
    void (*packet)(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v);
    void (*conn_end)(void *ctx, const struct sf_conn *c);
    void (*finish)(void *ctx, const struct sf_run_end *end);
    void (*destroy)(void *ctx);
};

int sf_out_text_new(struct sf_output *o, const struct sf_out_opts *opts);
int sf_out_summary_new(struct sf_output *o, const struct sf_out_opts *opts);
int sf_out_jsonl_new(struct sf_output *o, const struct sf_out_opts *opts);

/* Shared helpers. */
bool sf_out_selected(const struct sf_out_opts *opts, uint64_t conn);
/* Wireshark's Info order: "SYN, ACK" */
void sf_out_flags_words(struct sf_buf *b, uint16_t flags);
/* Writes "addr:port" ("[v6]:port" for IPv6). */
void sf_out_endpoint(struct sf_buf *b, const struct sf_addr *a, uint16_t port);
/* One paragraph per fact of a connection, shared by text and summary. */
void sf_out_conn_facts(struct sf_buf *b, const struct sf_conn *c, const char *indent);
/* The closing account of every frame. */
void sf_out_totals_text(struct sf_buf *b, const struct sf_run_end *end);
/* Frames that prove the close kind; returns how many were written to f[]. */
int sf_out_close_frames(const struct sf_conn *c, uint64_t f[6]);

#endif
