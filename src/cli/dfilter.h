/* dfilter.h - the display filter (-Y) between the analyzer and the output: which records are shown. */
#ifndef SYNFIN_CLI_DFILTER_H
#define SYNFIN_CLI_DFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "filter/filter.h"
#include "format/format.h"

/* Per connection, what the expression's atoms said: of the connection's
 * facts (at its end), of any of its packets, of any of its transactions.
 * A first pass fills it when the expression needs facts known only later
 * (conn.*, http.* deciding packet records); the second pass reads it. */
struct sf_dfilter;

struct sf_dfilter *sf_dfilter_new(struct sf_filter *f);
void sf_dfilter_free(struct sf_dfilter *d);

/* True when packet or transaction records depend on facts that come after
 * them (conn.*, http.* terms) and the output shows such records: the
 * input must be read twice. */
bool sf_dfilter_two_pass(const struct sf_dfilter *d, bool shows_packets_or_http);
/* True when the expression uses http.* (the application layer must run). */
bool sf_dfilter_needs_http(const struct sf_dfilter *d);

/* Pass 1: learn from each record; nothing is shown. */
void sf_dfilter_learn_packet(struct sf_dfilter *d, const struct sf_packet *p, const struct sf_pkt_view *v);
void sf_dfilter_learn_http(struct sf_dfilter *d, const struct sf_http_txn *t);
void sf_dfilter_learn_conn(struct sf_dfilter *d, const struct sf_conn *c);
/* Between the passes: the next records are to be shown or not. */
void sf_dfilter_start_showing(struct sf_dfilter *d);

/* Pass 2 (or the only pass): whether to show the record.  A connection's
 * record is shown when its facts match or any of its packets was shown. */
bool sf_dfilter_packet(struct sf_dfilter *d, const struct sf_packet *p, const struct sf_pkt_view *v);
bool sf_dfilter_http(struct sf_dfilter *d, const struct sf_http_txn *t);
bool sf_dfilter_conn(struct sf_dfilter *d, const struct sf_conn *c);

/* Frames shown so far (for the closing account). */
uint64_t sf_dfilter_shown(const struct sf_dfilter *d);

#endif
