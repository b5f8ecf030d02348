/* fuzz_pipeline.c - libFuzzer harness: a whole capture through reader, decoders,
 * tracker and every output format (Suricata's fuzz_decodepcapfile idea). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synfin/analyzer.h"
#include "synfin/capture.h"
#include "format/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* text, summary, jsonl, tsv (every table) */
#define NOUT 4

static void fwd_packet(void *ctx, const struct sf_packet *p, const struct sf_pkt_view *v)
{
    struct sf_output *o = ctx;
    for (int i = 0; i < NOUT; i++)
        o[i].packet(o[i].ctx, p, v);
}

static void fwd_conn(void *ctx, const struct sf_conn *c)
{
    struct sf_output *o = ctx;
    for (int i = 0; i < NOUT; i++)
        o[i].conn_end(o[i].ctx, c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    struct sf_reader *r = sf_reader_open_mem(data, size, err, sizeof err);
    struct sf_output outs[NOUT];
    struct sf_out_opts oo;
    struct sf_analyzer_config cfg;
    struct sf_sink sink;
    struct sf_analyzer *a;
    struct sf_frame f;
    struct sf_run_end end;
    uint64_t n = 0;
    FILE *devnull;

    if (!r)
        return 0;
    devnull = fopen("/dev/null", "w");
    memset(&oo, 0, sizeof(oo));
    oo.out = devnull;
    oo.max_conn_text = 4096;   /* small, so the early-flush path runs too */
    sf_out_text_new(&outs[0], &oo);
    sf_out_summary_new(&outs[1], &oo);
    /* The store keys too: they hash every connection (Community ID). */
    oo.store.capture_id = "fuzz";
    oo.store.packet_keys = true;
    sf_out_jsonl_new(&outs[2], &oo);
    {
        FILE *tables[SF_TABLE_COUNT] = { devnull, devnull, devnull };
        sf_out_tsv_new(&outs[3], &oo, tables);
    }
    sf_analyzer_config_default(&cfg);
    cfg.max_conns = 8;         /* small, so eviction runs too */
    cfg.idle_timeout_ns = 30LL * 1000000000LL;
    sink.ctx = outs;
    sink.packet = fwd_packet;
    sink.conn_end = fwd_conn;
    a = sf_analyzer_new(&cfg, &sink);
    while (a && sf_reader_next(r, &f) == 1)
        sf_analyzer_frame(a, &f, ++n);
    if (a) {
        sf_analyzer_finish(a);
        memset(&end, 0, sizeof(end));
        end.totals = sf_analyzer_totals(a);
        end.frag = sf_analyzer_frag_stats(a);
        end.read_error = sf_reader_error(r)[0] ? sf_reader_error(r) : NULL;
        for (int i = 0; i < NOUT; i++)
            outs[i].finish(outs[i].ctx, &end);
        /* Nothing lost: every frame in exactly one bucket. */
        {
            uint64_t sum = end.totals->tcp + end.totals->filtered;
            for (int i = 1; i < SF_SKIP_COUNT; i++)
                sum += end.totals->skipped[i];
            if (sum != end.totals->frames || end.totals->frames != n)
                __builtin_trap();
        }
    }
    for (int i = 0; i < NOUT; i++)
        outs[i].destroy(outs[i].ctx);
    sf_analyzer_free(a);
    sf_reader_close(r);
    fclose(devnull);
    return 0;
}
