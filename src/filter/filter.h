/* filter.h - the display filter (-Y EXPR): expressions over analysis results, docs/filter.md. */
#ifndef SYNFIN_FILTER_H
#define SYNFIN_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "synfin/analyzer.h"
#include "synfin/http.h"

/* What a field belongs to.  A record of one kind sees the fields of its
 * own scope directly; the others through its connection (docs/filter.md:
 * "connection-level terms select whole connections"). */
enum sf_fscope {
    SF_FSCOPE_PACKET = 0,
    SF_FSCOPE_CONN,           /* conn.* and tls.*: facts of the connection */
    SF_FSCOPE_HTTP,           /* http.*: one transaction */
    SF_FSCOPE_COUNT
};

/* At most this many comparisons in one expression (a bit each). */
#define SF_FILTER_MAX_ATOMS 64

/* One record to test: the members of its scope are set (packet: p and v,
 * v NULL for a frame that is not TCP; conn: c; http: t), first_ts is the
 * time of the first frame (for packet.time). */
struct sf_frec {
    const struct sf_packet *p;
    const struct sf_pkt_view *v;
    const struct sf_conn *c;
    const struct sf_http_txn *t;
    int64_t first_ts;
};

struct sf_filter;

/* Compiles expr; NULL on error, with a one-line message in err naming the
 * 1-based column of the problem in *col. */
struct sf_filter *sf_filter_compile(const char *expr, char *err, size_t errlen, size_t *col);
void sf_filter_free(struct sf_filter *f);

/* Scopes the expression uses (bit 1 << SF_FSCOPE_*). */
unsigned sf_filter_scopes(const struct sf_filter *f);
/* Atoms of one scope, as bits of the atom index (to combine with those
 * learnt elsewhere). */
uint64_t sf_filter_scope_mask(const struct sf_filter *f, enum sf_fscope scope);

/* Evaluates every atom of `scope` on the record: bit i set when atom i
 * holds.  Atoms of other scopes are left 0. */
uint64_t sf_filter_atoms(const struct sf_filter *f, enum sf_fscope scope, const struct sf_frec *r);

/* The expression's value when the atoms in `truth` hold and the others
 * do not. */
bool sf_filter_eval(const struct sf_filter *f, uint64_t truth);

/* The names of every field, for --help-filter and the docs check: one per
 * call, NULL past the end. */
const char *sf_filter_field_name(size_t i, const char **type, const char **meaning);

#endif
