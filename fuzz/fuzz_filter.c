/* fuzz_filter.c - the display filter's lexer, parser and evaluation on any expression. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sf_conn c;
    static struct sf_packet p;
    static struct sf_pkt_view v;
    static struct sf_http_txn t;
    char err[256];
    size_t col;
    char *expr;
    struct sf_filter *f;

    if (size > 4096)
        return 0;
    expr = malloc(size + 1);   /* exact size: ASan sees any over-read */
    if (!expr)
        return 0;
    memcpy(expr, data, size);
    expr[size] = '\0';
    f = sf_filter_compile(expr, err, sizeof(err), &col);
    if (f) {
        struct sf_frec r = { &p, &v, &c, &t, 0 };
        uint64_t truth = 0;
        c.irtt_ns = -1;
        c.addr[0].family = c.addr[1].family = 4;
        p.ip_version = 4;
        p.src.family = p.dst.family = 4;
        v.conn = &c;
        v.ack_rtt_ns = -1;
        t.req.present = true;
        t.method = "GET";
        t.uri = "/a\xc3\xa9";
        for (int s = 0; s < SF_FSCOPE_COUNT; s++)
            truth |= sf_filter_atoms(f, (enum sf_fscope)s, &r);
        (void)sf_filter_eval(f, truth);
        /* Every atom of every scope true, and none: both must evaluate. */
        (void)sf_filter_eval(f, ~(uint64_t)0);
        (void)sf_filter_eval(f, 0);
        sf_filter_free(f);
    } else if (col > size + 1) {
        abort();   /* the column must point into the expression (or just past it) */
    }
    free(expr);
    return 0;
}
